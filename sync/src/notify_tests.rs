//! Unit tests of `Notify`: hand-polled futures, counting wakers, no runtime (Miri-able).

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use super::*;
use crate::waiter_list::test_waker::counting;

fn poll(fut: Pin<&mut Notified<'_>>, waker: &Waker) -> Poll<()> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn a_notify_one_before_waiting_is_kept_as_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    assert_eq!(poll(a.as_mut(), Waker::noop()), Poll::Ready(()));
    assert!(
        poll(b.as_mut(), Waker::noop()).is_pending(),
        "permits do not add up"
    );
    // Fused: completed stays completed.
    assert_eq!(poll(a.as_mut(), Waker::noop()), Poll::Ready(()));
}

#[test]
fn notify_one_wakes_the_oldest_and_notify_last_the_newest() {
    let notify = Notify::new();
    let (w1, c1) = counting();
    let (w2, c2) = counting();
    let (w3, c3) = counting();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    let mut c = pin!(notify.notified());
    assert!(poll(a.as_mut(), &w1).is_pending());
    assert!(poll(b.as_mut(), &w2).is_pending());
    assert!(poll(c.as_mut(), &w3).is_pending());
    notify.notify_one();
    assert_eq!((c1.wakes(), c2.wakes(), c3.wakes()), (1, 0, 0));
    notify.notify_last();
    assert_eq!((c1.wakes(), c2.wakes(), c3.wakes()), (1, 0, 1));
    assert!(poll(a.as_mut(), &w1).is_ready());
    assert!(poll(b.as_mut(), &w2).is_pending());
    assert!(poll(c.as_mut(), &w3).is_ready());
}

#[test]
fn notify_waiters_wakes_everyone_created_before_it_and_stores_nothing() {
    let notify = Notify::new();
    let (w, count) = counting();
    let mut queued: Vec<_> = (0..40).map(|_| Box::pin(notify.notified())).collect();
    for n in &mut queued {
        assert!(poll(n.as_mut(), &w).is_pending());
    }
    // Created before the call but never polled: still notified.
    let mut unpolled = pin!(notify.notified());
    notify.notify_waiters();
    assert_eq!(
        count.wakes(),
        40,
        "every queued waiter, across more than one wake batch"
    );
    for n in &mut queued {
        assert!(poll(n.as_mut(), &w).is_ready());
    }
    assert!(poll(unpolled.as_mut(), &w).is_ready());
    // Created after: waits, and no permit was stored.
    let mut late = pin!(notify.notified());
    assert!(poll(late.as_mut(), &w).is_pending());
    notify.notify_one();
    assert!(poll(late.as_mut(), &w).is_ready());
}

#[test]
fn a_dropped_chosen_waiter_passes_its_notification_on() {
    let notify = Notify::new();
    let (w2, c2) = counting();
    let mut a = Box::pin(notify.notified());
    let mut b = pin!(notify.notified());
    assert!(poll(a.as_mut(), Waker::noop()).is_pending());
    assert!(poll(b.as_mut(), &w2).is_pending());
    notify.notify_one();
    // `a` was chosen but is dropped before it sees it: `b` gets the notification.
    drop(a);
    assert_eq!(c2.wakes(), 1);
    assert!(poll(b.as_mut(), &w2).is_ready());
    // With nobody left, a forwarded notification becomes the stored permit.
    let mut c = Box::pin(notify.notified());
    assert!(poll(c.as_mut(), Waker::noop()).is_pending());
    notify.notify_one();
    drop(c);
    let mut d = pin!(notify.notified());
    assert!(poll(d.as_mut(), Waker::noop()).is_ready());
}

#[test]
fn dropping_the_last_queued_waiter_lets_notify_one_store_a_permit() {
    let notify = Notify::new();
    let mut a = Box::pin(notify.notified());
    assert!(poll(a.as_mut(), Waker::noop()).is_pending());
    drop(a);
    notify.notify_one();
    let mut b = pin!(notify.notified());
    assert!(poll(b.as_mut(), Waker::noop()).is_ready());
}

#[test]
fn enable_queues_without_a_waker_and_reports_readiness() {
    let notify = Notify::new();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    // `b` enabled first, so it is first in line even though `a` is polled before it.
    assert!(!b.as_mut().enable());
    assert!(poll(a.as_mut(), Waker::noop()).is_pending());
    notify.notify_one();
    assert!(b.as_mut().enable());
    assert!(poll(b.as_mut(), Waker::noop()).is_ready());
    assert!(poll(a.as_mut(), Waker::noop()).is_pending());
    notify.notify_waiters();
    assert!(a.as_mut().enable());
}

#[test]
fn notify_waiters_call_counter_wraps() {
    let max = usize::MAX / ONE_CALL;
    assert!(calls_before(3, 4));
    assert!(!calls_before(4, 4));
    assert!(!calls_before(5, 4));
    assert!(calls_before(max, 0), "the count wrapped");
    assert!(!calls_before(0, max));
}
