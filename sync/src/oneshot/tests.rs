//! Unit tests of the oneshot state machine (these also run under Miri).

use super::*;
use crate::chan_test_util::counting;
use std::pin::pin;
use std::sync::Arc;

#[test]
fn send_then_receive() {
    let (tx, rx) = channel();
    tx.send(String::from("hi")).unwrap();
    let mut rx = pin!(rx);
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(
        rx.as_mut().poll(&mut cx),
        Poll::Ready(Ok(String::from("hi")))
    );
    assert!(rx.is_terminated());
}

#[test]
fn a_waiting_receiver_is_woken_by_send_and_by_drop() {
    for send in [true, false] {
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let (tx, rx) = channel::<Box<u32>>();
        let mut rx = pin!(rx);
        assert!(rx.as_mut().poll(&mut cx).is_pending());
        // Polling again with the same waker keeps the registration.
        assert!(rx.as_mut().poll(&mut cx).is_pending());
        if send {
            tx.send(Box::new(7)).unwrap();
        } else {
            drop(tx);
        }
        assert_eq!(count.get(), 1);
        let expected = if send {
            Ok(Box::new(7))
        } else {
            Err(RecvError(()))
        };
        assert_eq!(rx.as_mut().poll(&mut cx), Poll::Ready(expected));
        assert!(rx.is_terminated());
    }
}

#[test]
fn a_new_waker_replaces_the_old_one() {
    let (first, w1) = counting();
    let (second, w2) = counting();
    let (tx, rx) = channel::<u8>();
    let mut rx = pin!(rx);
    assert!(rx.as_mut().poll(&mut Context::from_waker(&w1)).is_pending());
    assert!(rx.as_mut().poll(&mut Context::from_waker(&w2)).is_pending());
    tx.send(1).unwrap();
    assert_eq!((first.get(), second.get()), (0, 1));
}

#[test]
fn send_to_a_closed_receiver_gives_the_value_back() {
    let (tx, mut rx) = channel::<Box<u8>>();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(Box::new(3)), Err(Box::new(3)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, rx) = channel::<Box<u8>>();
    drop(rx);
    assert_eq!(tx.send(Box::new(4)), Err(Box::new(4)));
}

#[test]
fn a_value_sent_before_close_is_still_received() {
    let (tx, mut rx) = channel::<Box<u8>>();
    tx.send(Box::new(5)).unwrap();
    rx.close();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(Box::new(5)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_empty());
}

#[test]
fn try_recv_reports_empty_then_closed() {
    let (tx, mut rx) = channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn unreceived_values_are_dropped_with_the_channel() {
    let value = Arc::new(());
    let (tx, rx) = channel();
    tx.send(value.clone()).unwrap();
    drop(rx);
    assert_eq!(Arc::strong_count(&value), 1);
}

#[test]
fn closed_completes_when_the_receiver_closes_or_drops() {
    for drop_it in [false, true] {
        let (count, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let (mut tx, mut rx) = channel::<u8>();
        assert!(tx.poll_closed(&mut cx).is_pending());
        assert!(tx.poll_closed(&mut cx).is_pending());
        if drop_it {
            drop(rx);
        } else {
            rx.close();
            // A second close wakes nobody again.
            rx.close();
        }
        assert_eq!(count.get(), 1);
        assert!(tx.poll_closed(&mut cx).is_ready());
        assert!(tx.is_closed());
    }
}

#[test]
fn dropping_a_pending_closed_future_and_the_receiver_frees_everything() {
    let (count, waker) = counting();
    let (mut tx, rx) = channel::<u8>();
    {
        let mut closed = pin!(tx.closed());
        assert!(closed
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
    }
    drop(waker);
    // The registered waker stays in the channel; it is dropped with the allocation.
    assert_eq!(Arc::strong_count(&count), 2);
    drop(tx);
    assert_eq!(Arc::strong_count(&count), 2);
    drop(rx);
    assert_eq!(Arc::strong_count(&count), 1);
}

#[test]
fn the_receiver_spends_the_coop_budget() {
    let (tx, rx) = channel::<u8>();
    tx.send(1).unwrap();
    let mut rx = pin!(rx);
    let (poll, exhausted) = corium_reactor::coop::budget(|| {
        let mut cx = Context::from_waker(Waker::noop());
        while corium_reactor::coop::has_budget_remaining() {
            let Poll::Ready(unit) = coop::poll_proceed(&mut cx) else {
                unreachable!()
            };
            unit.made_progress();
        }
        rx.as_mut().poll(&mut cx)
    });
    assert!(
        poll.is_pending(),
        "a ready receiver must yield when the budget is spent"
    );
    assert!(exhausted);
    assert_eq!(
        rx.as_mut().poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(Ok(1))
    );
}

#[test]
fn across_threads() {
    for _ in 0..100 {
        let (tx, rx) = channel::<usize>();
        let t = std::thread::spawn(move || tx.send(9).unwrap());
        assert_eq!(rx.blocking_recv(), Ok(9));
        t.join().unwrap();
    }
}
