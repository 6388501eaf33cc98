//! `Runtime::drop` returns only once every fd the runtime owns (the selector, its clone, the
//! waker) is closed (edge 3): checked over 200 drops in a row by counting `/proc/self/fd`.

#![cfg(target_os = "linux")]

mod rt_common;

use corium_executor::runtime::Runtime;

// Both tests count the process's fds: they must not run beside each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// Builds, uses and drops a runtime 200 times; after each drop the fd count is back.
#[track_caller]
fn two_hundred_drops_close_every_fd(build: fn() -> Runtime) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    rt_common::watchdog(move || {
        let before = open_fds();
        for i in 0..200 {
            let rt = build();
            rt.block_on(async { corium_executor::spawn(async {}).await.unwrap() });
            drop(rt);
            let after = open_fds();
            assert_eq!(
                after,
                before,
                "drop {i} returned with {} fds still open",
                after - before
            );
        }
    });
}

#[test]
fn multi_thread_drops_close_every_fd() {
    two_hundred_drops_close_every_fd(rt_common::multi_thread);
}

#[test]
fn current_thread_drops_close_every_fd() {
    two_hundred_drops_close_every_fd(rt_common::current_thread);
}
