//! Behaviour: the `Waker` — a wake reaches a poll whether it comes before or during it, wakes
//! coalesce into one event, and there is one waker per poll.
//!
//! CI runs this file again built with `--cfg corium_force_pipe_waker`, so every test here
//! covers the pipe waker as well as the eventfd one.

use std::io;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use corium::sys::{Events, Poll, Token, Waker};

mod common;
use common::{current_tid, wait_until_in_poll};

/// How long any wait for an expected event may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);

/// The tokens of one poll's events.
#[track_caller]
fn poll_tokens(poll: &mut Poll, events: &mut Events, timeout: Duration) -> Vec<Token> {
    poll.poll(events, Some(timeout)).expect("poll");
    events.iter().map(|e| e.token()).collect()
}

#[test]
fn wake_before_poll_is_seen_at_once() {
    const WAKE: Token = Token(10);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), WAKE).unwrap();
    assert!(poll_tokens(&mut poll, &mut events, Duration::ZERO).is_empty());

    waker.wake().unwrap();
    // A zero timeout: the wake must already be queued, not merely arrive soon.
    assert_eq!(poll_tokens(&mut poll, &mut events, Duration::ZERO), [WAKE]);
    let ev = events.iter().next().unwrap();
    assert!(ev.is_readable(), "a wake is a readable event: {ev:?}");
}

#[test]
fn wakes_coalesce_into_one_event() {
    const WAKE: Token = Token(11);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), WAKE).unwrap();
    for _ in 0..3 {
        waker.wake().unwrap();
    }
    assert_eq!(poll_tokens(&mut poll, &mut events, Duration::ZERO), [WAKE]);
    assert!(
        poll_tokens(&mut poll, &mut events, Duration::ZERO).is_empty(),
        "three wakes before one poll are one event"
    );
}

#[test]
fn wake_from_another_thread_ends_a_blocking_poll() {
    const WAKE: Token = Token(12);
    let mut poll = Poll::new().unwrap();
    let waker = Arc::new(Waker::new(poll.registry(), WAKE).unwrap());
    let (tid_tx, tid_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();

    // Not scoped: if the wake were lost, this thread would stay blocked in poll(None) and the
    // test must still end, by failing on the receive timeout below.
    thread::spawn(move || {
        tid_tx.send(current_tid()).unwrap();
        let mut events = Events::with_capacity(8);
        let res = loop {
            match poll.poll(&mut events, None) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
        let _ = done_tx.send(res.map(|()| tokens));
    });

    wait_until_in_poll(tid_rx.recv_timeout(DEADLINE).unwrap());
    let other = Arc::clone(&waker);
    thread::spawn(move || other.wake().unwrap()).join().unwrap();
    let tokens = done_rx
        .recv_timeout(DEADLINE)
        .expect("the blocked poll was not woken")
        .expect("poll failed");
    assert_eq!(tokens, [WAKE]);
}

#[test]
fn one_waker_per_poll() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let first = Waker::new(poll.registry(), Token(1)).unwrap();

    let err = Waker::new(poll.registry(), Token(2)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    // A cloned registry is the same poll, so the same rule holds through it.
    let clone = poll.registry().try_clone().unwrap();
    let err = Waker::new(&clone, Token(3)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");

    // Another poll has its own slot.
    let other_poll = Poll::new().unwrap();
    let _other = Waker::new(other_poll.registry(), Token(4)).unwrap();

    drop(first);
    let second = Waker::new(poll.registry(), Token(5)).unwrap();
    second.wake().unwrap();
    assert_eq!(
        poll_tokens(&mut poll, &mut events, DEADLINE),
        [Token(5)],
        "the replacement waker works and carries its own token"
    );
}

#[test]
fn every_wake_after_a_consumed_event_is_a_new_event() {
    const WAKE: Token = Token(13);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let waker = Waker::new(poll.registry(), WAKE).unwrap();
    for round in 0..100 {
        waker.wake().unwrap();
        assert_eq!(
            poll_tokens(&mut poll, &mut events, DEADLINE),
            [WAKE],
            "round {round}"
        );
        assert!(
            poll_tokens(&mut poll, &mut events, Duration::ZERO).is_empty(),
            "round {round}: the event was consumed"
        );
    }
}
