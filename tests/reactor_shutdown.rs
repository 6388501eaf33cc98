//! Behaviour: shutdown wakes every waiter of every source, then every operation fails with the
//! shutdown error and new registrations are refused.

mod reactor_common;

use std::future::Future;
use std::io;
use std::task::{Context, Poll};
use std::thread;
use std::time::Instant;

use corium_reactor::{Config, Driver, Interest, PollEvented, Registration};
use reactor_common::{block_on, counting_waker, pair, DEADLINE};

const SHUTDOWN: &str = "A corium runtime is being shut down";
const REFUSED: &str = "A corium runtime is shutting down: no new I/O resources can be registered";

#[track_caller]
fn assert_shutdown_error<T: std::fmt::Debug>(poll: Poll<io::Result<T>>) {
    match poll {
        Poll::Ready(Err(e)) => {
            assert_eq!(e.kind(), io::ErrorKind::Other);
            assert_eq!(e.to_string(), SHUTDOWN);
        }
        other => panic!("expected the shutdown error, got {other:?}"),
    }
}

#[test]
fn shutdown_wakes_every_waiter_and_later_calls_fail() {
    let driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    // Readable interest only: write readiness is never set, so write waiters wait for ever.
    let (a, _peer_a) = pair();
    let (b, _peer_b) = pair();
    let a =
        PollEvented::new_with_interest_and_handle(a, Interest::READABLE, handle.clone()).unwrap();
    let b =
        PollEvented::new_with_interest_and_handle(b, Interest::READABLE, handle.clone()).unwrap();
    let (ra, rb) = (a.registration(), b.registration());

    let wakers: Vec<_> = (0..5).map(|_| counting_waker()).collect();
    let mut cxs: Vec<Context<'_>> = wakers.iter().map(|(_, w)| Context::from_waker(w)).collect();
    assert!(ra.poll_read_ready(&mut cxs[0]).is_pending());
    assert!(ra.poll_write_ready(&mut cxs[1]).is_pending());
    let mut fut_b_read = Box::pin(rb.readiness(Interest::READABLE));
    let mut fut_b_write = Box::pin(rb.readiness(Interest::WRITABLE));
    let mut fut_a_read = Box::pin(ra.readiness(Interest::READABLE));
    assert!(fut_b_read.as_mut().poll(&mut cxs[2]).is_pending());
    assert!(fut_b_write.as_mut().poll(&mut cxs[3]).is_pending());
    assert!(fut_a_read.as_mut().poll(&mut cxs[4]).is_pending());

    let wakes_before = handle.metrics().wakes;
    let remote = handle.clone();
    thread::spawn(move || remote.shutdown()).join().unwrap();
    assert!(handle.is_shutdown());
    for (i, (count, _)) in wakers.iter().enumerate() {
        assert_eq!(count.get(), 1, "waiter {i} was not woken exactly once");
    }
    assert_eq!(handle.metrics().wakes - wakes_before, 5);

    assert_shutdown_error(ra.poll_read_ready(&mut cxs[0]));
    assert_shutdown_error(ra.poll_write_ready(&mut cxs[1]));
    assert_shutdown_error(fut_b_read.as_mut().poll(&mut cxs[2]));
    assert_shutdown_error(fut_b_write.as_mut().poll(&mut cxs[3]));
    assert_shutdown_error(fut_a_read.as_mut().poll(&mut cxs[4]));
    // A future created after shutdown fails on its first poll.
    assert_shutdown_error(
        Box::pin(rb.readiness(Interest::READABLE))
            .as_mut()
            .poll(&mut cxs[0]),
    );
    assert_shutdown_error(Poll::Ready(rb.try_io(Interest::READABLE, || Ok(()))));

    let (c, _peer_c) = pair();
    let err = PollEvented::new_with_interest_and_handle(c, Interest::READABLE, handle.clone())
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Other);
    assert_eq!(err.to_string(), REFUSED);

    // Idempotent: a second shutdown wakes nobody.
    handle.shutdown();
    assert_eq!(handle.metrics().wakes - wakes_before, 5);
    for (count, _) in &wakers {
        assert_eq!(count.get(), 1);
    }
}

#[test]
fn dropping_the_driver_shuts_down() {
    let driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (a, _peer) = pair();
    let mut a = a;
    let reg =
        Registration::new_with_interest_and_handle(&mut a, Interest::READABLE, handle.clone())
            .unwrap();
    // A registration dropped just before shutdown is queued for a turn that never comes.
    let (mut queued, _queued_peer) = pair();
    drop(
        Registration::new_with_interest_and_handle(&mut queued, Interest::READABLE, handle.clone())
            .unwrap(),
    );
    assert_eq!(handle.metrics().registered_fds, 2);
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(reg.poll_read_ready(&mut cx).is_pending());
    drop(driver);
    assert!(handle.is_shutdown());
    assert_eq!(
        handle.metrics().registered_fds,
        1,
        "shutdown frees queued releases"
    );
    assert_eq!(count.get(), 1);
    assert_shutdown_error(reg.poll_read_ready(&mut cx));
    // Deregistering after shutdown still works (or is ignored): no error escapes.
    let mut reg = reg;
    reg.deregister(&mut a).unwrap();
    // After shutdown a dropped registration frees its slot at once.
    drop(reg);
    assert_eq!(handle.metrics().registered_fds, 0);
}

#[test]
fn shutdown_from_another_thread_ends_a_waiting_future() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (a, _peer) = pair();
    let a =
        PollEvented::new_with_interest_and_handle(a, Interest::READABLE, handle.clone()).unwrap();
    // Whether shutdown lands before the first poll or while the driver waits, the future must
    // end with the shutdown error (and block_on must not wait out its deadline).
    let remote = handle.clone();
    let stopper = thread::spawn(move || remote.shutdown());
    let result = block_on(&mut driver, a.registration().readiness(Interest::READABLE));
    stopper.join().unwrap();
    assert_shutdown_error(Poll::Ready(result));
}

#[test]
fn shutdown_unparks_a_blocked_turn() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let turner = thread::spawn(move || {
        let start = Instant::now();
        let n = driver.turn(Some(DEADLINE)).unwrap();
        (n, start.elapsed())
    });
    handle.shutdown();
    let (n, waited) = turner.join().unwrap();
    assert_eq!(n, 0);
    // Without the unpark the turn would sleep the whole DEADLINE.
    assert!(
        waited < DEADLINE / 2,
        "turn was not woken: waited {waited:?}"
    );
}
