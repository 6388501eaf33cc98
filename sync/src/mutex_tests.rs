//! Unit tests of `Mutex` and its guards: hand-polled futures, no runtime (Miri-able).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::*;
use crate::waiter_list::test_waker::counting;

fn poll_now<F: Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

fn lock_now<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match poll_now(pin!(m.lock()), Waker::noop()) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("the mutex should be free"),
    }
}

#[test]
fn lock_excludes_and_unlock_hands_over_in_order() {
    let m = Mutex::new(0);
    let (w1, c1) = counting();
    let (w2, c2) = counting();
    let mut g = lock_now(&m);
    *g += 1;
    let mut a = pin!(m.lock());
    let mut b = pin!(m.lock());
    assert!(poll_now(a.as_mut(), &w1).is_pending());
    assert!(poll_now(b.as_mut(), &w2).is_pending());
    assert!(m.try_lock().is_err());
    drop(g);
    assert_eq!((c1.wakes(), c2.wakes()), (1, 0));
    let Poll::Ready(mut ga) = poll_now(a.as_mut(), &w1) else {
        panic!("first waiter must own the lock")
    };
    *ga += 1;
    assert!(poll_now(b.as_mut(), &w2).is_pending());
    drop(ga);
    let Poll::Ready(gb) = poll_now(b.as_mut(), &w2) else {
        panic!("second waiter must own the lock")
    };
    assert_eq!(*gb, 2);
}

#[test]
fn a_cancelled_lock_passes_the_lock_on() {
    let m = Mutex::new(());
    let (w2, c2) = counting();
    let g = lock_now(&m);
    let mut a = Box::pin(m.lock());
    let mut b = pin!(m.lock());
    assert!(poll_now(a.as_mut(), Waker::noop()).is_pending());
    assert!(poll_now(b.as_mut(), &w2).is_pending());
    drop(g);
    // `a` was handed the lock but is dropped before it sees it: `b` gets it.
    drop(a);
    assert_eq!(c2.wakes(), 1);
    assert!(poll_now(b.as_mut(), &w2).is_ready());
}

#[test]
fn mapped_guards_reach_parts_and_unlock_on_drop() {
    let m = Mutex::new((1, vec![1, 2, 3]));
    {
        let g = lock_now(&m);
        let mut v = MutexGuard::map(g, |t| &mut t.1);
        v.push(4);
        let Ok(mut last) = MappedMutexGuard::try_map(v, |v| v.last_mut()) else {
            panic!("the vec is not empty")
        };
        *last = 40;
        assert!(m.try_lock().is_err(), "a mapped guard keeps the lock");
    }
    let g = lock_now(&m);
    let g = match MutexGuard::try_map(g, |t| t.1.get_mut(10)) {
        Ok(_) => panic!("no element 10"),
        Err(g) => g,
    };
    assert_eq!(g.1, [1, 2, 3, 40]);
    assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
    drop(g);
    assert!(m.try_lock().is_ok());
}

#[test]
fn owned_guards_keep_the_mutex_alive() {
    let m = Arc::new(Mutex::new(String::from("a")));
    let g = match poll_now(pin!(m.clone().lock_owned()), Waker::noop()) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("free"),
    };
    assert!(m.clone().try_lock_owned().is_err());
    let mut s = OwnedMutexGuard::map(g, |s| s);
    s.push('b');
    assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&s), &m));
    drop(s);
    let mut g = m.clone().try_lock_owned().unwrap();
    g.push('c');
    drop(g);
    let m = Arc::try_unwrap(m).unwrap();
    assert_eq!(m.into_inner(), "abc");
}

#[test]
fn get_mut_debug_and_errors() {
    let mut m = Mutex::new(5);
    *m.get_mut() += 1;
    assert_eq!(format!("{m:?}"), "Mutex { data: 6 }");
    let g = lock_now(&m);
    assert_eq!(format!("{g} {g:?}"), "6 6");
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    let err = m.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
}
