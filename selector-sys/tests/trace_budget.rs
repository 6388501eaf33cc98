//! The syscall budget: counts by kind from `syscall!`, per-operation division, start/stop.

#![cfg(feature = "trace")]

mod trace_support;

use corium_selector_sys::trace::{self, budget};
use corium_selector_sys::{Poll, Token, Waker};
use trace_support::serial;

/// The syscall a wake makes: a write to the eventfd or pipe, or a kevent with EVFILT_USER.
const WAKE: &str = if cfg!(all(
    any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos",
        target_os = "freebsd"
    ),
    not(corium_force_pipe_waker)
)) {
    "kevent"
} else {
    "write"
};

#[test]
fn n_wakes_are_n_wake_syscalls() {
    let _serial = serial();
    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(0)).unwrap();
    budget::start();
    for _ in 0..7 {
        waker.wake().unwrap();
    }
    budget::stop();
    let report = budget::report();
    assert_eq!(report.total(WAKE), 7, "{report}");
    assert_eq!(report.all(), 7, "only the wakes ran: {report}");
    assert_eq!(report.ops(), 0);
    assert_eq!(report.per_op(WAKE), None);

    // Stopped: nothing more is counted, and the counts stay.
    waker.wake().unwrap();
    budget::op();
    assert_eq!(budget::report(), report);
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn per_op_divides_by_marked_operations() {
    use corium_selector_sys::Events;
    use std::time::Duration;
    const POLL: &str = "epoll_wait";

    let _serial = serial();
    let mut poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(0)).unwrap();
    let mut events = Events::with_capacity(4);
    budget::start();
    for _ in 0..10 {
        // One operation: wake, then a poll that sees it. The whole millisecond timeout takes
        // the epoll_wait path (no sub-millisecond part to keep).
        waker.wake().unwrap();
        poll.poll(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(events.iter().count(), 1);
        budget::op();
    }
    // Plus one more poll, outside any operation.
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    budget::stop();
    let report = budget::report();
    assert_eq!(report.ops(), 10);
    assert_eq!(report.total(WAKE), 10, "{report}");
    assert_eq!(report.total(POLL), 11, "{report}");
    assert_eq!(report.per_op(WAKE), Some(1.0));
    assert_eq!(report.per_op(POLL), Some(1.1));
    assert_eq!(report.rows()[0], (POLL, 11), "most frequent first");
    let table = report.to_string();
    assert!(table.starts_with("syscall budget: 10 ops\n"), "{table}");
    assert!(
        table.contains(&format!("{POLL:<16} {:>10} {:>10}\n", 11, "1.10")),
        "{table}"
    );
    assert!(
        table.contains(&format!("{:<16} {:>10} {:>10}\n", "total", 21, "2.10")),
        "{table}"
    );
}

#[test]
fn start_and_reset_zero_the_counts() {
    let _serial = serial();
    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(0)).unwrap();
    budget::start();
    waker.wake().unwrap();
    budget::op();
    assert_eq!(budget::report().total(WAKE), 1);
    budget::reset();
    assert_eq!(budget::report().all(), 0);
    assert_eq!(budget::report().ops(), 0);
    waker.wake().unwrap();
    budget::start(); // restarts from zero
    waker.wake().unwrap();
    assert_eq!(budget::report().total(WAKE), 1);
    budget::stop();
}

#[test]
fn finish_prints_the_table_to_the_writer() {
    let _serial = serial();
    let out = trace_support::Shared::default();
    trace::set_writer(Box::new(out.clone()));
    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(0)).unwrap();
    budget::start();
    for _ in 0..3 {
        waker.wake().unwrap();
        budget::op();
    }
    trace::finish().unwrap();
    trace::set_writer(Box::new(std::io::stderr()));
    let text = out.text();
    assert!(text.starts_with("syscall budget: 3 ops\n"), "{text}");
    assert!(
        text.contains(&format!("{WAKE:<16} {:>10} {:>10}\n", 3, "1.00")),
        "{text}"
    );
    // finish stopped the counting.
    waker.wake().unwrap();
    assert_eq!(budget::report().total(WAKE), 3);
}
