//! Every place a channel operation can wait, cancelled in turn: the future is polled until it
//! waits, then dropped. Afterwards nothing is lost or stuck — capacity is back, the next
//! waiter is served, and the channel still works.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use corium::sync::{broadcast, mpsc, oneshot, watch};

/// Polls `fut` once with a no-op waker and asserts it is waiting.
#[track_caller]
fn assert_waits<F: Future>(fut: std::pin::Pin<&mut F>) {
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        fut.poll(&mut cx).is_pending(),
        "expected the operation to wait"
    );
}

/// Polls `fut` once and returns its output, which must be ready.
#[track_caller]
fn ready<F: Future>(fut: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(fut).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("expected the operation to complete at once"),
    }
}

#[test]
fn bounded_send_reserve_and_reserve_many_give_their_place_back() {
    let (tx, mut rx) = mpsc::channel::<u32>(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    {
        let mut send = pin!(tx.send(9));
        assert_waits(send.as_mut());
        let mut reserve = pin!(tx.reserve());
        assert_waits(reserve.as_mut());
        let mut many = pin!(tx.reserve_many(2));
        assert_waits(many.as_mut());
        let mut owned = pin!(tx.clone().reserve_owned());
        assert_waits(owned.as_mut());
        // One slot frees up while all four wait: it goes to the first in line (`send`).
    }
    // All four were dropped: both freed slots must be available again, to anyone.
    assert_eq!(ready(rx.recv()), Some(0));
    assert_eq!(ready(rx.recv()), Some(1));
    assert_eq!(tx.capacity(), 2, "a cancelled waiter kept a permit");
    let permits = tx.try_reserve_many(2).expect("both slots free");
    drop(permits);
    ready(tx.send(5)).unwrap();
    assert_eq!(ready(rx.recv()), Some(5));
}

#[test]
fn a_cancelled_waiter_that_was_already_granted_returns_its_permit() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.try_send(0).unwrap();
    let mut reserve = Box::pin(tx.reserve());
    assert_waits(reserve.as_mut());
    // The receiver frees the slot: it is handed to the waiting reserve...
    assert_eq!(ready(rx.recv()), Some(0));
    // ...which is dropped before it is polled again.
    drop(reserve);
    assert_eq!(tx.capacity(), 1);
    tx.try_send(1).unwrap();
}

#[test]
fn recv_cancelled_loses_no_message() {
    let (tx, mut rx) = mpsc::channel::<u32>(4);
    assert_waits(pin!(rx.recv()));
    let mut buffer = Vec::new();
    assert_waits(pin!(rx.recv_many(&mut buffer, 4)));
    tx.try_send(7).unwrap();
    assert_eq!(ready(rx.recv()), Some(7));

    let (utx, mut urx) = mpsc::unbounded_channel::<u32>();
    assert_waits(pin!(urx.recv()));
    utx.send(8).unwrap();
    assert_eq!(ready(urx.recv()), Some(8));
}

#[test]
fn sender_closed_cancelled() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    assert_waits(pin!(tx.closed()));
    rx.close();
    ready(tx.closed());
}

#[test]
fn oneshot_receiver_and_closed_cancelled() {
    let (mut tx, rx) = oneshot::channel::<u32>();
    assert_waits(pin!(tx.closed()));
    let mut rx = Box::pin(rx);
    assert_waits(rx.as_mut());
    tx.send(3).unwrap();
    assert_eq!(ready(rx), Ok(3));
}

#[test]
fn watch_changed_and_wait_for_cancelled() {
    let (tx, mut rx) = watch::channel(0);
    assert_waits(pin!(rx.changed()));
    assert_waits(pin!(rx.wait_for(|v| *v == 2)));
    tx.send(2).unwrap();
    assert_eq!(*ready(rx.wait_for(|v| *v == 2)).unwrap(), 2);
    assert_waits(pin!(tx.closed()));
}

#[test]
fn broadcast_recv_cancelled() {
    let (tx, mut rx) = broadcast::channel::<u32>(4);
    assert_waits(pin!(rx.recv()));
    tx.send(4).unwrap();
    assert_eq!(ready(rx.recv()), Ok(4));
    assert_waits(pin!(tx.closed()));
}
