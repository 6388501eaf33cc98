//! Which exit notification a waiting child uses: a pidfd on Linux, or SIGCHLD when forced with
//! `--cfg corium_force_sigchld_reaper` (CI runs the process tests both ways).

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{fd_targets, runtime};
use corium_os::process::Command;

fn pidfds() -> usize {
    fd_targets().iter().filter(|t| t.contains("pidfd")).count()
}

fn fd_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn sigchld_handler_installed() -> bool {
    // SAFETY: a null new action only queries; `old` is a valid sigaction to fill.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        assert_eq!(
            libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut old),
            0
        );
        old.sa_sigaction != libc::SIG_DFL && old.sa_sigaction != libc::SIG_IGN
    }
}

#[test]
fn waiting_uses_a_pidfd_unless_the_sigchld_reaper_is_forced() {
    runtime(false).block_on(async {
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        // Start waiting (this makes the exit watch), then look at our fds while it waits.
        let wait = corium_reactor::time::timeout(Duration::from_millis(50), child.wait()).await;
        assert!(wait.is_err(), "cat is still running");
        if cfg!(corium_force_sigchld_reaper) {
            assert_eq!(pidfds(), 0, "no pidfd in the SIGCHLD mode");
            assert!(sigchld_handler_installed());
        } else {
            assert_eq!(pidfds(), 1, "one pidfd for the one waiting child");
        }
        drop(stdin);
        assert!(child.wait().await.unwrap().success());
        assert_eq!(pidfds(), 0, "the pidfd is closed once the child is reaped");
    });
}

#[test]
fn no_fd_corium_opens_leaks_into_a_child() {
    // Inherited fds (cargo's jobserver pipe, say) are not ours to judge.
    let before: Vec<String> = fd_names();
    runtime(false).block_on(async {
        // Open one of each: a signal listener (a dup of the self-pipe), an anonymous pipe, a
        // waiting child's exit watch (pidfd), the child's stdin pipe; the runtime's epoll fd.
        let _listener = corium_os::signal::unix::signal(
            corium_os::signal::unix::SignalKind::from_raw(libc::SIGRTMIN() + 1),
        )
        .unwrap();
        let _pipe = corium_net::unix::pipe::pipe().unwrap();
        let mut waiting = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        let _ = corium_reactor::time::timeout(Duration::from_millis(10), waiting.wait()).await;
        let ours: Vec<String> = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let target = std::fs::read_link(e.path()).ok()?;
                let target = target.to_string_lossy();
                let n: u32 = e.file_name().to_string_lossy().parse().ok()?;
                (n > 2 && (target.starts_with("pipe:") || target.starts_with("anon_inode:")))
                    .then(|| n.to_string())
            })
            .filter(|n| !before.contains(n))
            .collect();
        assert!(
            ours.len() >= 5,
            "expected our pipes and anon inodes: {ours:?}"
        );
        let script = format!(
            "for n in {}; do [ -e /proc/self/fd/$n ] && echo $n; done; true",
            ours.join(" ")
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "",
            "fds inherited by the child (not close-on-exec)"
        );
        waiting.start_kill().unwrap();
        waiting.wait().await.unwrap();
    });
}
