//! Helpers for tests that must act while another thread is *blocked* in `Poll::poll`.

use std::thread;
use std::time::{Duration, Instant};

use corium::sys::syscall;

/// The calling thread's kernel id, to find it under `/proc`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn current_tid() -> libc::pid_t {
    // SAFETY: gettid takes no arguments and cannot fail.
    syscall!(gettid()).unwrap()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn current_tid() -> i32 {
    0
}

/// Waits until thread `tid` is asleep inside epoll, so what the test does next happens while
/// that thread is *blocked* in `poll`, not before it got there. Where `/proc` cannot tell
/// (another OS, or a kernel hiding `wchan`), it waits 50 ms instead: the test stays correct,
/// it only becomes less sure to exercise the blocked case.
pub fn wait_until_in_poll(tid: i32) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let path = format!("/proc/self/task/{tid}/wchan");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            match std::fs::read_to_string(&path) {
                Ok(w) if w.contains("epoll") || w.contains("ep_poll") => return,
                Ok(w) if w.trim() == "0" => break,
                Ok(_) => thread::sleep(Duration::from_millis(1)),
                Err(_) => break,
            }
        }
    }
    let _ = tid;
    thread::sleep(Duration::from_millis(50));
}
