//! Behaviour: the reactor's counters move with what it does.

mod reactor_common;

use std::io::Write;
use std::task::Context;
use std::thread;
use std::time::{Duration, Instant};

use corium_reactor::{Config, Driver, Interest, PollEvented, ReactorMetrics};
use reactor_common::{counting_waker, pair, turn_until, DEADLINE};

#[test]
fn counters_follow_registrations_turns_events_and_wakes() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    assert_eq!(handle.metrics(), ReactorMetrics::default());

    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, handle.clone())
        .unwrap();
    assert_eq!(handle.metrics().registered_fds, 1);

    // An idle readable socket: a turn, but no event.
    assert_eq!(driver.turn(Some(Duration::ZERO)).unwrap(), 0);
    let m = handle.metrics();
    assert_eq!((m.turns, m.events, m.wakes), (1, 0, 0));

    let (count, waker) = counting_waker();
    assert!(io
        .registration()
        .poll_read_ready(&mut Context::from_waker(&waker))
        .is_pending());
    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || count.get() > 0);
    let m = handle.metrics();
    assert_eq!((m.events, m.wakes), (1, 1));
    assert!(m.turns >= 2);

    drop(io);
    assert_eq!(
        handle.metrics().registered_fds,
        1,
        "released at the next turn"
    );
    driver.turn(Some(Duration::ZERO)).unwrap();
    assert_eq!(handle.metrics().registered_fds, 0);
}

#[test]
fn unpark_wakes_a_blocked_turn() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let turner = thread::spawn(move || {
        let start = Instant::now();
        driver.turn(Some(DEADLINE)).unwrap();
        start.elapsed()
    });
    // Several unparks coalesce; one is enough to end the wait.
    handle.unpark();
    handle.unpark();
    let waited = turner.join().unwrap();
    assert!(
        waited < DEADLINE / 2,
        "turn was not woken: waited {waited:?}"
    );
    assert_eq!(
        handle.metrics().events,
        0,
        "the wake-up is not an I/O event"
    );
}

#[test]
fn sixteen_dropped_registrations_wake_the_driver() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let ios: Vec<_> = (0..16)
        .map(|_| {
            let (sock, peer) = pair();
            let io =
                PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, handle.clone())
                    .unwrap();
            (io, peer)
        })
        .collect();
    assert_eq!(handle.metrics().registered_fds, 16);
    drop(ios); // the 16th queued release unparks the driver
    let turner = thread::spawn(move || {
        let start = Instant::now();
        driver.turn(Some(DEADLINE)).unwrap();
        start.elapsed()
    });
    let waited = turner.join().unwrap();
    assert!(
        waited < DEADLINE / 2,
        "the driver was not asked to release: waited {waited:?}"
    );
    assert_eq!(handle.metrics().registered_fds, 0);
}
