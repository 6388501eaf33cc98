//! Unit tests of the mpsc queue and channels without a runtime (these also run under Miri).

use super::error::{SendError, TryRecvError, TrySendError};
use super::*;
use crate::chan_test_util::{counting, noop};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Enough messages to cross several blocks and have blocks recycled (fewer under Miri).
const MANY: usize = if cfg!(miri) { 100 } else { 1000 };

#[test]
fn unbounded_keeps_order_across_blocks_and_recycles_them() {
    let (tx, mut rx) = unbounded_channel();
    let mut next = 0;
    // Bursts of varying size, so the receiver sometimes catches up and sometimes lags.
    for burst in 0..MANY / 10 {
        for _ in 0..burst % 70 {
            tx.send(Box::new(next)).unwrap();
            next += 1;
        }
        assert_eq!(rx.len(), burst % 70);
        let mut expected = next - burst % 70;
        while let Ok(v) = rx.try_recv() {
            assert_eq!(*v, expected);
            expected += 1;
        }
        assert_eq!(expected, next);
    }
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.is_closed());
}

#[test]
fn queued_messages_are_dropped_with_the_channel() {
    let item = Arc::new(());
    let (tx, rx) = unbounded_channel();
    for _ in 0..70 {
        tx.send(item.clone()).unwrap();
    }
    drop(rx);
    assert_eq!(
        Arc::strong_count(&item),
        1,
        "the receiver's drop drops what is queued"
    );
    assert!(tx.send(item.clone()).is_err());
    assert_eq!(Arc::strong_count(&item), 1);
}

#[test]
fn recv_waits_then_is_woken_by_send_and_by_the_last_drop() {
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let (tx, mut rx) = unbounded_channel::<u8>();
    let tx2 = tx.clone();
    assert!(rx.poll_recv(&mut cx).is_pending());
    tx.send(1).unwrap();
    assert_eq!(count.get(), 1);
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
    assert!(rx.poll_recv(&mut cx).is_pending());
    drop(tx);
    assert_eq!(count.get(), 1, "another sender is still alive");
    drop(tx2);
    assert_eq!(count.get(), 2);
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
    assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
}

#[test]
fn close_fails_sends_but_keeps_queued_messages() {
    let (tx, mut rx) = unbounded_channel();
    tx.send(1).unwrap();
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(None));
}

#[test]
fn closed_completes_when_the_receiver_closes() {
    let (tx, mut rx) = unbounded_channel::<u8>();
    let (count, waker) = counting();
    let mut closed = pin!(tx.closed());
    assert!(closed
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    rx.close();
    assert_eq!(count.get(), 1);
    assert!(closed.as_mut().poll(&mut noop()).is_ready());
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = unbounded_channel::<u8>();
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let tx2 = weak.upgrade().expect("a sender is alive");
    assert_eq!(rx.sender_strong_count(), 2);
    drop((tx, tx2));
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(None));
}

#[test]
fn recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = unbounded_channel();
    for i in 0..50 {
        tx.send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(
        rx.poll_recv_many(&mut noop(), &mut buf, 40),
        Poll::Ready(40)
    );
    assert_eq!(
        rx.poll_recv_many(&mut noop(), &mut buf, 40),
        Poll::Ready(10)
    );
    assert_eq!(buf, (0..50).collect::<Vec<_>>());
    assert_eq!(rx.poll_recv_many(&mut noop(), &mut buf, 0), Poll::Ready(0));
    drop(tx);
    assert_eq!(rx.poll_recv_many(&mut noop(), &mut buf, 4), Poll::Ready(0));
}

#[test]
fn bounded_try_send_is_full_at_capacity_and_recv_frees_a_slot() {
    let (tx, mut rx) = channel(2);
    assert_eq!((tx.capacity(), tx.max_capacity()), (2, 2));
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1);
    tx.try_send(3).unwrap();
    drop(rx);
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
}

#[test]
fn permits_reserve_slots_and_give_them_back_on_drop() {
    let (tx, mut rx) = channel::<u8>(3);
    let permit = tx.try_reserve().unwrap();
    let mut many = tx.try_reserve_many(2).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    assert!(matches!(
        tx.try_reserve_many(4),
        Err(TrySendError::Full(()))
    ));
    many.next().unwrap().send(7);
    drop(many);
    assert_eq!(tx.capacity(), 1, "the unused permit of the two came back");
    drop(permit);
    assert_eq!(tx.capacity(), 2);
    assert_eq!(rx.try_recv(), Ok(7));
    let owned = tx.clone().try_reserve_owned().unwrap();
    let sender = owned.send(8);
    assert!(sender.same_channel(&tx));
    assert_eq!(rx.try_recv(), Ok(8));
}

#[test]
fn a_waiting_send_is_woken_by_recv_and_dropping_it_gives_its_place_back() {
    let (tx, mut rx) = channel::<u8>(1);
    tx.try_send(0).unwrap();
    let (first_count, first_waker) = counting();
    let (second_count, second_waker) = counting();
    let mut first = Box::pin(tx.send(1));
    let mut second = pin!(tx.send(2));
    assert!(first
        .as_mut()
        .poll(&mut Context::from_waker(&first_waker))
        .is_pending());
    assert!(second
        .as_mut()
        .poll(&mut Context::from_waker(&second_waker))
        .is_pending());
    // Cancel the first in line: the slot freed next must go to the second.
    drop(first);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(first_count.get(), 0);
    assert_eq!(second_count.get(), 1);
    assert_eq!(second.as_mut().poll(&mut noop()), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn closing_fails_waiting_senders() {
    let (tx, mut rx) = channel::<u8>(1);
    tx.try_send(0).unwrap();
    let (count, waker) = counting();
    let mut send = pin!(tx.send(1));
    assert!(send
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    rx.close();
    assert_eq!(count.get(), 1);
    assert_eq!(
        send.as_mut().poll(&mut noop()),
        Poll::Ready(Err(SendError(1)))
    );
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_closed_receiver_waits_for_outstanding_permits() {
    let (tx, mut rx) = channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let (count, waker) = counting();
    assert!(rx.poll_recv(&mut Context::from_waker(&waker)).is_pending());
    permit.send(5);
    assert_eq!(count.get(), 1);
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(Some(5)));
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(None));
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn a_zero_capacity_panics() {
    let _ = channel::<u8>(0);
}

#[test]
fn recv_spends_the_coop_budget() {
    let (tx, mut rx) = unbounded_channel::<u32>();
    for i in 0..2 * corium_reactor::coop::BUDGET {
        tx.send(i).unwrap();
    }
    let (received, exhausted) = corium_reactor::coop::budget(|| {
        let mut received = 0;
        while rx.poll_recv(&mut noop()).is_ready() {
            received += 1;
        }
        received
    });
    assert!(exhausted);
    assert_eq!(received, corium_reactor::coop::BUDGET);
}

#[test]
fn threads_send_concurrently_without_loss_or_reordering() {
    const THREADS: usize = 4;
    let per_thread = if cfg!(miri) { 50 } else { 5000 };
    let (tx, mut rx) = channel::<(usize, usize)>(16);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    tx.blocking_send((t, i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0; THREADS];
    while let Some((t, i)) = rx.blocking_recv() {
        assert_eq!(i, next[t], "thread {t}'s messages out of order");
        next[t] += 1;
    }
    assert_eq!(next, [per_thread; THREADS]);
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn a_closed_unbounded_channel_ends_at_its_close_index() {
    let (tx, mut rx) = unbounded_channel();
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    for i in 0..50 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    rx.close();
    // Refused sends still claim (and burn) indices past the close index: neither counted
    // nor waited for.
    for i in 0..70 {
        assert_eq!(tx.send(i), Err(SendError(i)));
    }
    assert_eq!(rx.len(), 50);
    for i in 50..100 {
        assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(Some(i)));
    }
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(None));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop(tx);
    assert_eq!(rx.poll_recv(&mut noop()), Poll::Ready(None));
}

#[test]
fn the_last_sender_after_the_receivers_close_writes_no_end_mark() {
    let (tx, mut rx) = unbounded_channel::<u8>();
    tx.send(1).unwrap();
    rx.close();
    for _ in 0..200 {
        assert!(tx.send(0).is_err());
    }
    drop(tx);
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn len_stops_at_the_end_mark() {
    let (tx, mut rx) = channel::<u8>(8);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    drop(tx);
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.len(), 0);
    assert!(rx.is_empty());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn indices_wrap_around_without_loss_or_a_wrong_len() {
    // Indices start three blocks before they wrap to 0 (unreachable in real use on 64-bit
    // targets, ~2^31 messages on 32-bit ones): messages, lengths, block recycling and the
    // receiver's close index must all work across the wrap.
    let (tx, mut rx) = unbounded::unbounded_channel_near_wrap();
    let mut next = 0;
    for burst in [5, 40, 70, 3, 100] {
        for i in 0..burst {
            tx.send(next + i).unwrap();
        }
        assert_eq!(rx.len(), burst);
        for _ in 0..burst {
            assert_eq!(rx.try_recv(), Ok(next));
            next += 1;
        }
        assert_eq!(rx.len(), 0);
    }
    tx.send(next).unwrap();
    rx.close();
    assert!(tx.send(0).is_err());
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(next));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}
