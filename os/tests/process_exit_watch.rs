//! Which exit notification a waiting child uses: a pidfd on Linux, or SIGCHLD when forced with
//! `--cfg corium_force_sigchld_reaper` (CI runs the process tests both ways).

mod process_common;

use std::process::Stdio;
use std::time::Duration;

use corium_os::process::Command;
use process_common::{fd_targets, runtime};

fn pidfds() -> usize {
    fd_targets().iter().filter(|t| t.contains("pidfd")).count()
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
