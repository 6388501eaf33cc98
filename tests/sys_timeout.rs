//! Behaviour: `poll` timeouts. Zero never blocks; a short timeout is never cut short by
//! rounding (a sub-millisecond one must not become a 0 ms spin); a huge one is neither an error
//! nor an early return.
//!
//! Only lower bounds are asserted: an upper bound would measure the machine's load, not the
//! selector. The `< 2 s` checks are sanity bounds against a hang-like wait.

use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use corium::sys::unix::SourceFd;
use corium::sys::{Events, Interest, Poll, Token, Waker};

mod common;
use common::{current_tid, wait_until_in_poll};

/// How long any wait for an expected event may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);
/// A bound far above any timeout tested here, to catch a wait that forgot its timeout.
const SANITY: Duration = Duration::from_secs(2);

/// A poll with one registered source that never becomes ready (a listener nobody connects
/// to), so only the timeout can end a wait. The listener is returned to keep it open.
fn quiet_poll() -> (Poll, TcpListener) {
    let poll = Poll::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let fd = listener.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap();
    (poll, listener)
}

/// Polls once with `timeout` and returns how long it took; asserts it saw no event.
#[track_caller]
fn timed_empty_poll(poll: &mut Poll, events: &mut Events, timeout: Duration) -> Duration {
    let start = Instant::now();
    poll.poll(events, Some(timeout)).expect("poll");
    let elapsed = start.elapsed();
    assert!(events.is_empty(), "nothing is ready: {events:?}");
    elapsed
}

#[test]
fn zero_timeout_returns_promptly_with_no_events() {
    let (mut poll, _listener) = quiet_poll();
    let mut events = Events::with_capacity(8);
    for _ in 0..10 {
        let elapsed = timed_empty_poll(&mut poll, &mut events, Duration::ZERO);
        assert!(elapsed < SANITY, "zero timeout took {elapsed:?}");
    }
}

/// Each timeout is checked several times: a rounding bug may show only on some calls.
#[track_caller]
fn assert_waits_at_least(timeout: Duration) {
    let (mut poll, _listener) = quiet_poll();
    let mut events = Events::with_capacity(8);
    for round in 0..10 {
        let elapsed = timed_empty_poll(&mut poll, &mut events, timeout);
        assert!(
            elapsed >= timeout,
            "round {round}: a {timeout:?} timeout returned after {elapsed:?}"
        );
        assert!(
            elapsed < SANITY,
            "round {round}: {timeout:?} took {elapsed:?}"
        );
    }
}

#[test]
fn sub_millisecond_timeout_is_not_rounded_down() {
    assert_waits_at_least(Duration::from_micros(300));
}

#[test]
fn fractional_millisecond_timeout_is_not_rounded_down() {
    assert_waits_at_least(Duration::from_micros(1500));
}

#[test]
fn few_millisecond_timeout_waits_that_long() {
    assert_waits_at_least(Duration::from_millis(5));
}

/// Polls with `timeout` on another thread, wakes it once it is blocked, and asserts the poll
/// ended with the waker's event: neither an error (a timeout the kernel rejects) nor an early
/// empty return (a timeout that overflowed to something short).
#[track_caller]
fn assert_huge_timeout_waits_for_wake(timeout: Duration) {
    const WAKE: Token = Token(9);
    let (mut poll, listener) = quiet_poll();
    let waker = Waker::new(poll.registry(), WAKE).unwrap();
    let (tid_tx, tid_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();

    // Not scoped: if the wake were lost the thread would block for the huge timeout, and the
    // test must still end, by failing on the receive timeout below.
    thread::spawn(move || {
        let _listener = listener;
        tid_tx.send(current_tid()).unwrap();
        let mut events = Events::with_capacity(8);
        let start = Instant::now();
        let res = loop {
            match poll.poll(&mut events, Some(timeout)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
        let _ = done_tx.send((res.map(|()| tokens), start.elapsed()));
    });

    wait_until_in_poll(tid_rx.recv_timeout(DEADLINE).unwrap());
    // Let the poll stay blocked a while, so a timeout that wrapped to a few milliseconds
    // would have returned empty before the wake.
    thread::sleep(Duration::from_millis(50));
    let early = done_rx.try_recv().ok();
    waker.wake().unwrap();
    let (res, elapsed) = match early {
        Some(r) => r,
        None => done_rx
            .recv_timeout(DEADLINE)
            .expect("the woken poll did not return"),
    };
    let tokens = res.unwrap_or_else(|e| panic!("poll({timeout:?}) failed: {e}"));
    assert_eq!(
        tokens,
        [WAKE],
        "poll({timeout:?}) returned after {elapsed:?} without the wake"
    );
}

#[test]
fn huge_timeout_in_seconds_is_not_an_error() {
    assert_huge_timeout_waits_for_wake(Duration::from_secs(u64::MAX));
}

#[test]
fn duration_max_timeout_is_not_an_error() {
    assert_huge_timeout_waits_for_wake(Duration::MAX);
}

#[test]
fn long_timeout_beyond_epoll_range_is_not_an_error() {
    // 30 days: more milliseconds than a c_int holds, so epoll_wait needs a clamp.
    assert_huge_timeout_waits_for_wake(Duration::from_secs(30 * 24 * 3600));
}
