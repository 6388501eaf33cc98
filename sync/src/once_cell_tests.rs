//! Unit tests of `OnceCell` (hand-polled, Miri-able).

use std::future::{pending, ready, Future};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::*;
use crate::waiter_list::test_waker::counting;

fn poll_now<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn set_get_take_and_errors() {
    let mut cell = OnceCell::new();
    assert!(!cell.initialized() && cell.get().is_none());
    assert_eq!(cell.set(String::from("a")), Ok(()));
    let err = cell.set(String::from("b")).unwrap_err();
    assert!(err.is_already_init_err());
    assert_eq!(err, SetError::AlreadyInitializedError(String::from("b")));
    assert_eq!(cell.get().map(String::as_str), Some("a"));
    cell.get_mut().unwrap().push('!');
    assert_eq!(cell.take().as_deref(), Some("a!"));
    assert!(!cell.initialized());
    assert_eq!(cell.set(String::from("c")), Ok(()));
    assert_eq!(cell.clone().into_inner().as_deref(), Some("c"));
    assert_eq!(OnceCell::new_with(Some(1)), OnceCell::from(1));
    assert_eq!(
        format!("{:?}", OnceCell::<u8>::new()),
        "OnceCell { value: None }"
    );
}

#[test]
fn a_cancelled_initialiser_hands_over_to_the_next_waiter() {
    let cell = OnceCell::new();
    let (w, c) = counting();
    let mut first = Box::pin(cell.get_or_init(pending::<u32>));
    assert!(poll_now(first.as_mut(), &w).is_pending());
    assert!(cell.set(0).unwrap_err().is_initializing_err());
    let mut second = pin!(cell.get_or_init(|| ready(9)));
    assert!(poll_now(second.as_mut(), &w).is_pending());
    // `first` is cancelled mid-initialisation: `second` is woken and runs its own.
    drop(first);
    assert_eq!(c.wakes(), 1, "the waiter is woken to take over");
    assert_eq!(poll_now(second.as_mut(), &w), Poll::Ready(&9));
    assert!(cell.set(1).unwrap_err().is_already_init_err());
}

#[test]
fn a_failed_initialiser_leaves_the_cell_empty_for_the_next() {
    let cell = OnceCell::<u32>::new();
    let mut failing = pin!(cell.get_or_try_init(|| ready(Err::<u32, &str>("no"))));
    assert_eq!(
        poll_now(failing.as_mut(), Waker::noop()),
        Poll::Ready(Err("no"))
    );
    assert!(!cell.initialized());
    let mut ok = pin!(cell.get_or_try_init(|| ready(Ok::<u32, &str>(3))));
    assert_eq!(poll_now(ok.as_mut(), Waker::noop()), Poll::Ready(Ok(&3)));
}

#[test]
fn waiters_behind_a_successful_initialiser_read_its_value() {
    let cell = OnceCell::new();
    let (w, c) = counting();
    let gate = crate::Notify::new();
    let mut first = pin!(cell.get_or_init(|| async {
        gate.notified().await;
        5
    }));
    assert!(poll_now(first.as_mut(), &w).is_pending());
    let mut second = pin!(cell.get_or_init(|| async { unreachable!("the value is set by then") }));
    assert!(poll_now(second.as_mut(), &w).is_pending());
    gate.notify_one();
    assert_eq!(poll_now(first.as_mut(), &w), Poll::Ready(&5));
    assert!(c.wakes() >= 2, "setting the value woke the queued waiter");
    assert_eq!(poll_now(second.as_mut(), &w), Poll::Ready(&5));
}

#[test]
fn the_value_is_dropped_once() {
    let marker = std::sync::Arc::new(());
    let cell = OnceCell::new_with(Some(marker.clone()));
    assert_eq!(std::sync::Arc::strong_count(&marker), 2);
    drop(cell);
    assert_eq!(std::sync::Arc::strong_count(&marker), 1);
}
