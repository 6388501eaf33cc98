//! A dropped `Child` is never left a zombie: killed first with `kill_on_drop(true)`, reaped in
//! the background either way, by a task on the runtime (`process_orphan_sweep.rs` covers the
//! no-runtime case).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{exists, runtime};
use corium_os::process::Command;

/// Waits (bounded) until process `pid` is gone — exited *and* reaped.
#[track_caller]
fn assert_reaped_soon(pid: u32, what: &str) {
    let until = Instant::now() + Duration::from_secs(10);
    while exists(pid) {
        assert!(
            Instant::now() < until,
            "{what}: pid {pid} still there after 10 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn kill_on_drop_kills_a_running_child_and_reaps_it() {
    let rt = runtime(true);
    let pid = rt.block_on(async {
        // `cat` with a piped stdin we keep open would run forever.
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let pid = child.id().unwrap();
        drop(child);
        // stdin still open: only the kill can end cat.
        let pid_alive_check = pid;
        corium_reactor::time::sleep(Duration::from_millis(1)).await;
        std::thread::spawn(move || assert_reaped_soon(pid_alive_check, "kill_on_drop"))
            .join()
            .unwrap();
        drop(stdin);
        pid
    });
    assert!(!exists(pid));
}

#[test]
fn without_kill_on_drop_the_child_runs_on_and_is_reaped_when_it_exits() {
    let rt = runtime(false);
    rt.block_on(async {
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let pid = child.id().unwrap();
        drop(child);
        corium_reactor::time::sleep(Duration::from_millis(50)).await;
        assert!(exists(pid), "not killed: cat still waits for its stdin");
        drop(stdin); // end of file: cat exits; the background reaper must reap it
        let until = Instant::now() + Duration::from_secs(10);
        while exists(pid) {
            assert!(Instant::now() < until, "pid {pid} not reaped");
            corium_reactor::time::sleep(Duration::from_millis(5)).await;
        }
    });
}
