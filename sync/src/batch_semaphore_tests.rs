//! Unit tests of the batch semaphore: hand-polled futures and counting wakers, no runtime, so
//! they run under Miri (the intrusive list's pointer protocol).

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use super::*;
use crate::waiter_list::test_waker::counting;

fn poll(fut: Pin<&mut Acquire<'_>>, waker: &Waker) -> Poll<Result<(), AcquireError>> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn fast_path_takes_and_returns_without_queueing() {
    let sem = Semaphore::new(3);
    assert_eq!(sem.try_acquire(2), Ok(()));
    assert_eq!(sem.try_acquire(2), Err(TryAcquireError::NoPermits));
    let mut acq = pin!(sem.acquire(1));
    assert_eq!(poll(acq.as_mut(), Waker::noop()), Poll::Ready(Ok(())));
    assert_eq!(sem.available_permits(), 0);
    sem.release(3);
    assert_eq!(sem.available_permits(), 3);
    assert_eq!(sem.state.load(Relaxed) & WAITERS, 0);
}

#[test]
fn waiters_are_served_in_fifo_order_with_partial_assignment() {
    let sem = Semaphore::new(1);
    let (wa, ca) = counting();
    let (wb, cb) = counting();
    let mut a = pin!(sem.acquire(3));
    let mut b = pin!(sem.acquire(1));
    // `a` takes the one free permit and queues for two more; `b` queues behind it.
    assert!(poll(a.as_mut(), &wa).is_pending());
    assert!(poll(b.as_mut(), &wb).is_pending());
    assert_eq!(sem.available_permits(), 0);
    // One more permit: `a` still lacks one, and `b` (needing only one) must not jump ahead.
    sem.release(1);
    assert_eq!((ca.wakes(), cb.wakes()), (0, 0));
    assert!(poll(b.as_mut(), &wb).is_pending());
    assert_eq!(sem.try_acquire(1), Err(TryAcquireError::NoPermits));
    // Two more: `a` completes, the rest goes to `b`.
    sem.release(2);
    assert_eq!((ca.wakes(), cb.wakes()), (1, 1));
    assert_eq!(poll(a.as_mut(), &wa), Poll::Ready(Ok(())));
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(())));
    assert_eq!(sem.available_permits(), 0);
    sem.release(4);
    assert_eq!(sem.available_permits(), 4);
    assert_eq!(sem.state.load(Relaxed) & WAITERS, 0);
}

#[test]
fn dropping_a_partly_served_waiter_passes_its_permits_on() {
    let sem = Semaphore::new(2);
    let (wb, cb) = counting();
    let mut b = Box::pin(sem.acquire(2));
    {
        let mut a = pin!(sem.acquire(5));
        assert!(poll(a.as_mut(), Waker::noop()).is_pending());
        assert!(poll(b.as_mut(), &wb).is_pending());
        // `a` holds 2 assigned permits; dropping it must hand them to `b`.
    }
    assert_eq!(cb.wakes(), 1);
    assert_eq!(poll(b.as_mut(), &wb), Poll::Ready(Ok(())));
    drop(b);
    // `b` completed, so its drop returns nothing: the caller owns the permits.
    assert_eq!(sem.available_permits(), 0);
    sem.release(2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn dropping_the_last_waiter_returns_permits_and_clears_the_flag() {
    let sem = Semaphore::new(1);
    let mut a = Box::pin(sem.acquire(2));
    assert!(poll(a.as_mut(), Waker::noop()).is_pending());
    assert_eq!(sem.available_permits(), 0);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.state.load(Relaxed) & WAITERS, 0);
    // The fast release path works again.
    sem.release(1);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn dropping_a_served_but_unpolled_waiter_returns_everything() {
    let sem = Semaphore::new(0);
    let (wa, ca) = counting();
    let mut a = Box::pin(sem.acquire(2));
    assert!(poll(a.as_mut(), &wa).is_pending());
    sem.release(2);
    assert_eq!(ca.wakes(), 1);
    // Woken, never polled again: the permits are the future's, and its drop returns them.
    drop(a);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn close_fails_waiters_and_returns_their_assigned_permits() {
    let sem = Semaphore::new(1);
    let (wa, ca) = counting();
    let mut a = pin!(sem.acquire(3));
    assert!(poll(a.as_mut(), &wa).is_pending());
    sem.close();
    assert_eq!(ca.wakes(), 1);
    assert_eq!(poll(a.as_mut(), &wa), Poll::Ready(Err(AcquireError::new())));
    assert!(sem.is_closed());
    assert_eq!(sem.available_permits(), 1, "a's assigned permit came back");
    assert_eq!(sem.try_acquire(1), Err(TryAcquireError::Closed));
    let mut late = pin!(sem.acquire(1));
    assert!(poll(late.as_mut(), Waker::noop()).is_ready());
    // Permits still count after close.
    sem.release(2);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn a_repoll_with_a_new_waker_is_the_one_woken() {
    let sem = Semaphore::new(0);
    let (w1, c1) = counting();
    let (w2, c2) = counting();
    let mut a = pin!(sem.acquire(1));
    assert!(poll(a.as_mut(), &w1).is_pending());
    assert!(poll(a.as_mut(), &w2).is_pending());
    sem.release(1);
    assert_eq!((c1.wakes(), c2.wakes()), (0, 1));
}

#[test]
fn a_release_serves_more_waiters_than_one_wake_batch() {
    let sem = Semaphore::new(0);
    let (w, c) = counting();
    let mut waiters: Vec<_> = (0..40).map(|_| Box::pin(sem.acquire(1))).collect();
    for a in &mut waiters {
        assert!(poll(a.as_mut(), &w).is_pending());
    }
    sem.release(45);
    assert_eq!(c.wakes(), 40);
    for a in &mut waiters {
        assert_eq!(poll(a.as_mut(), &w), Poll::Ready(Ok(())));
    }
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn forget_takes_only_free_permits() {
    let sem = Semaphore::new(3);
    assert_eq!(sem.forget_permits(2), 2);
    assert_eq!(sem.forget_permits(5), 1);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
#[should_panic(expected = "would overflow MAX_PERMITS")]
fn release_beyond_max_permits_panics() {
    let sem = Semaphore::new(MAX_PERMITS);
    sem.release(1);
}

/// Polls `acquire` once inside a task budget that is already spent.
fn poll_with_spent_budget(
    a: Pin<&mut Acquire<'_>>,
    waker: &Waker,
) -> Poll<Result<(), AcquireError>> {
    let (result, exhausted) = coop::budget(|| {
        while coop::has_budget_remaining() {
            let mut cx = Context::from_waker(Waker::noop());
            assert!(coop::poll_spend(&mut cx).is_ready());
        }
        poll(a, waker)
    });
    assert!(exhausted);
    result
}

#[test]
fn an_exhausted_coop_budget_makes_even_a_free_acquire_yield() {
    let sem = Semaphore::new(1);
    let (w, c) = counting();
    let mut a = pin!(sem.acquire(1));
    assert!(poll_with_spent_budget(a.as_mut(), &w).is_pending());
    assert_eq!(
        c.wakes(),
        1,
        "the task is woken to run again with a fresh budget"
    );
    assert_eq!(
        sem.available_permits(),
        1,
        "nothing was taken: nobody waits on a yielder"
    );
    assert_eq!(poll(a.as_mut(), &w), Poll::Ready(Ok(())));
}
