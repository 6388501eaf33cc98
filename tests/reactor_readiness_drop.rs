//! Behaviour: a `Readiness` future dropped while waiting unlinks itself, so a later event wakes
//! only the waiters still alive (and never touches the dropped one's memory).

mod reactor_common;

use std::future::Future;
use std::io::Write;
use std::task::Context;

use corium_reactor::{Config, Driver, Interest, PollEvented};
use reactor_common::{counting_waker, pair, turn_until};

#[test]
fn dropped_waiter_is_not_woken() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, handle.clone())
        .unwrap();
    let reg = io.registration();

    let (dropped_count, dropped_waker) = counting_waker();
    let (kept_count, kept_waker) = counting_waker();
    let mut dropped = Box::pin(reg.readiness(Interest::READABLE));
    let mut kept = Box::pin(reg.readiness(Interest::READABLE));
    // Poll both into the waiter list (Waiting), then drop one; its memory is freed here, so a
    // list still pointing at it would be a use-after-free on the next event.
    assert!(dropped
        .as_mut()
        .poll(&mut Context::from_waker(&dropped_waker))
        .is_pending());
    assert!(kept
        .as_mut()
        .poll(&mut Context::from_waker(&kept_waker))
        .is_pending());
    drop(dropped);
    // Reuse the freed allocation with garbage, to make a dangling link visible.
    let junk = Box::new([0xA5u8; 256]);

    let wakes = handle.metrics().wakes;
    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || kept_count.get() > 0);
    assert_eq!(kept_count.get(), 1);
    assert_eq!(dropped_count.get(), 0, "a dropped Readiness was woken");
    assert_eq!(handle.metrics().wakes - wakes, 1);
    match kept.as_mut().poll(&mut Context::from_waker(&kept_waker)) {
        std::task::Poll::Ready(Ok(ev)) => assert!(ev.ready().is_readable()),
        other => panic!("kept waiter should be ready, got {other:?}"),
    }
    drop(junk);
}

#[test]
fn dropping_a_future_that_was_never_polled_or_already_woken_is_fine() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    let reg = io.registration();
    drop(reg.readiness(Interest::READABLE)); // Init: never linked

    let (count, waker) = counting_waker();
    let mut woken = Box::pin(reg.readiness(Interest::READABLE));
    assert!(woken
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || count.get() > 0);
    // Woken (unlinked by the driver) but not polled again: the drop must not unlink twice.
    drop(woken);
    // The list is still usable: a new waiter is woken by the next event.
    let (count2, waker2) = counting_waker();
    let mut next = Box::pin(reg.readiness(Interest::WRITABLE));
    assert!(next
        .as_mut()
        .poll(&mut Context::from_waker(&waker2))
        .is_pending());
    drop(next);
    assert_eq!(count2.get(), 0);
}
