//! `Runtime::drop` returns only once every fd the runtime owns (the selector, its clone, the
//! waker) is closed (edge 3): checked over 200 drops in a row by counting `/proc/self/fd`.

#![cfg(target_os = "linux")]

// Both tests count the process's fds: they must not run beside each other.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

mod rt_common;

use corium_executor::runtime::Builder;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

#[test]
fn two_hundred_multi_thread_drops_close_every_fd() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    rt_common::watchdog(|| {
        let before = open_fds();
        for i in 0..200 {
            let rt = Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
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
fn current_thread_drops_close_every_fd_too() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    rt_common::watchdog(|| {
        let before = open_fds();
        for i in 0..200 {
            let rt = Builder::new_current_thread().enable_all().build().unwrap();
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
