//! Unit tests of the watch channel without a runtime (these also run under Miri).

use super::*;
use crate::chan_test_util::{counting, noop};
use std::future::Future;
use std::task::{Context, Poll};

#[test]
fn borrow_and_update_tracks_what_was_seen() {
    let (tx, mut rx) = channel(1);
    assert_eq!(rx.has_changed(), Ok(false));
    tx.send(2).unwrap();
    assert_eq!(rx.has_changed(), Ok(true));
    assert!(rx.borrow().has_changed());
    assert_eq!(rx.has_changed(), Ok(true), "borrow does not mark seen");
    let seen = rx.borrow_and_update();
    assert_eq!((*seen, seen.has_changed()), (2, true));
    drop(seen);
    assert_eq!(rx.has_changed(), Ok(false));
    rx.mark_changed();
    assert_eq!(rx.has_changed(), Ok(true));
    rx.mark_unchanged();
    assert_eq!(rx.has_changed(), Ok(false));
}

#[test]
fn changed_waits_for_a_send_and_is_woken() {
    let (tx, mut rx) = channel(String::from("a"));
    let (count, waker) = counting();
    {
        let mut changed = pin!(rx.changed());
        assert!(changed
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        tx.send_modify(|s| s.push('b'));
        assert_eq!(count.get(), 1);
        assert_eq!(changed.as_mut().poll(&mut noop()), Poll::Ready(Ok(())));
    }
    assert_eq!(*rx.borrow(), "ab");
    assert_eq!(rx.has_changed(), Ok(false), "changed marks the value seen");
}

#[test]
fn send_if_modified_notifies_only_on_true() {
    let (tx, rx) = channel(0);
    assert!(!tx.send_if_modified(|_| false));
    assert_eq!(rx.has_changed(), Ok(false));
    assert!(tx.send_if_modified(|v| {
        *v = 5;
        true
    }));
    assert_eq!(rx.has_changed(), Ok(true));
    assert_eq!(tx.send_replace(6), 5);
}

#[test]
fn dropping_the_sender_ends_changed_after_the_last_value() {
    let (tx, mut rx) = channel(0);
    tx.send(1).unwrap();
    drop(tx);
    assert_eq!(rx.has_changed(), Err(RecvError(())));
    // The unseen value still counts as a change...
    assert_eq!(pin!(rx.changed()).poll(&mut noop()), Poll::Ready(Ok(())));
    // ...and then the channel is over.
    assert_eq!(
        pin!(rx.changed()).poll(&mut noop()),
        Poll::Ready(Err(RecvError(())))
    );
}

#[test]
fn a_waiting_changed_is_woken_by_the_sender_drop() {
    let (tx, mut rx) = channel(0);
    let (count, waker) = counting();
    let mut changed = pin!(rx.changed());
    assert!(changed
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(tx);
    assert_eq!(count.get(), 1);
    assert_eq!(
        changed.as_mut().poll(&mut noop()),
        Poll::Ready(Err(RecvError(())))
    );
}

#[test]
fn wait_for_checks_the_current_value_then_waits() {
    let (tx, mut rx) = channel(1);
    let now = pin!(rx.wait_for(|v| *v == 1))
        .poll(&mut noop())
        .map(|r| *r.unwrap());
    assert_eq!(now, Poll::Ready(1));
    let mut wait = pin!(rx.wait_for(|v| *v == 3));
    assert!(wait.as_mut().poll(&mut noop()).is_pending());
    tx.send(2).unwrap();
    assert!(wait.as_mut().poll(&mut noop()).is_pending());
    tx.send(3).unwrap();
    let Poll::Ready(Ok(value)) = wait.as_mut().poll(&mut noop()) else {
        panic!("3 was sent")
    };
    // `changed` inside `wait_for` already marked 3 seen, so the `Ref` reports no change
    // (as tokio's does).
    assert_eq!((*value, value.has_changed()), (3, false));
}

#[test]
fn send_fails_without_receivers_and_closed_completes() {
    let (tx, rx) = channel(0);
    let rx2 = tx.subscribe();
    assert_eq!(tx.receiver_count(), 2);
    let (count, waker) = counting();
    let mut closed = pin!(tx.closed());
    assert!(closed
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(rx);
    assert_eq!(count.get(), 0);
    drop(rx2);
    assert_eq!(count.get(), 1);
    assert!(closed.as_mut().poll(&mut noop()).is_ready());
    assert_eq!(tx.send(9), Err(SendError(9)));
    tx.send_replace(9);
    assert_eq!(*tx.borrow(), 9);
}
