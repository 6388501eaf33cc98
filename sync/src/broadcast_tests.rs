//! Unit tests of the broadcast ring without a runtime (these also run under Miri).

use super::*;
use crate::chan_test_util::{noop, Count};
use std::future::Future;
use std::task::{Context, Poll, Waker};

#[test]
fn every_receiver_gets_every_value() {
    let (tx, mut rx1) = channel(4);
    let mut rx2 = tx.subscribe();
    for i in 0..3 {
        assert_eq!(tx.send(i), Ok(2));
    }
    assert_eq!((rx1.len(), tx.len()), (3, 3));
    for i in 0..3 {
        assert_eq!(rx1.try_recv(), Ok(i));
    }
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.len(), 3, "rx2 has not read them yet");
    for i in 0..3 {
        assert_eq!(rx2.try_recv(), Ok(i));
    }
    assert!(tx.is_empty());
}

#[test]
fn a_slow_receiver_lags_and_resumes_at_the_oldest_value() {
    let (tx, mut rx) = channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn values_are_dropped_once_every_receiver_read_them() {
    let item = Arc::new(());
    let (tx, mut rx1) = channel(4);
    let mut rx2 = tx.subscribe();
    tx.send(item.clone()).unwrap();
    rx1.try_recv().unwrap();
    assert_eq!(Arc::strong_count(&item), 2);
    rx2.try_recv().unwrap();
    assert_eq!(Arc::strong_count(&item), 1);
    tx.send(item.clone()).unwrap();
    drop(rx1);
    drop(rx2);
    assert_eq!(
        Arc::strong_count(&item),
        1,
        "a receiver's drop counts as its read"
    );
}

#[test]
fn recv_waits_and_is_woken_then_sees_close() {
    let (tx, mut rx) = channel(2);
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    {
        let mut recv = pin!(rx.recv());
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        tx.send(7).unwrap();
        assert_eq!(count.get(), 1);
        assert_eq!(recv.as_mut().poll(&mut noop()), Poll::Ready(Ok(7)));
    }
    tx.send(8).unwrap();
    drop(tx);
    assert!(rx.is_closed());
    assert_eq!(
        rx.try_recv(),
        Ok(8),
        "values sent before the close are still received"
    );
    assert_eq!(
        pin!(rx.recv()).poll(&mut noop()),
        Poll::Ready(Err(RecvError::Closed))
    );
}

#[test]
fn resubscribe_starts_at_the_tail_and_send_fails_without_receivers() {
    let (tx, rx) = channel(2);
    tx.send(1).unwrap();
    let mut fresh = rx.resubscribe();
    assert!(fresh.same_channel(&rx));
    assert_eq!(fresh.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.receiver_count(), 2);
    drop((rx, fresh));
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert!(pin!(tx.closed()).poll(&mut noop()).is_ready());
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn a_zero_capacity_panics() {
    let _ = channel::<u8>(0);
}
