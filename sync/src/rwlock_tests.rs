//! Unit tests of `RwLock`: fairness, downgrade, mapping, cancellation (hand-polled, Miri-able).

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use super::*;
use crate::waiter_list::test_waker::counting;

fn poll_now<F: Future>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn a_waiting_writer_blocks_new_readers() {
    let lock = RwLock::new(0);
    let (ww, cw) = counting();
    let (wr, cr) = counting();
    let r1 = lock.try_read().unwrap();
    let mut w = pin!(lock.write());
    assert!(poll_now(w.as_mut(), &ww).is_pending());
    // A reader arriving after the writer must wait behind it, though only readers hold it.
    assert!(lock.try_read().is_err());
    let mut r2 = pin!(lock.read());
    assert!(poll_now(r2.as_mut(), &wr).is_pending());
    drop(r1);
    assert_eq!((cw.wakes(), cr.wakes()), (1, 0));
    let Poll::Ready(mut g) = poll_now(w.as_mut(), &ww) else {
        panic!("the writer is next")
    };
    *g = 7;
    // Downgrading lets the queued reader in, with no writer in between.
    let r = g.downgrade();
    assert_eq!(cr.wakes(), 1);
    let Poll::Ready(r2) = poll_now(r2.as_mut(), &wr) else {
        panic!("the reader follows the downgrade")
    };
    assert_eq!((*r, *r2), (7, 7));
}

#[test]
fn max_readers_caps_concurrent_reads() {
    let lock = RwLock::with_max_readers((), 2);
    let a = lock.try_read().unwrap();
    let _b = lock.try_read().unwrap();
    assert!(lock.try_read().is_err());
    drop(a);
    assert!(lock.try_read().is_ok());
}

#[test]
#[should_panic(expected = "a RwLock must admit between 1 and")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers((), u32::MAX);
}

#[test]
fn a_cancelled_writer_returns_the_reader_slots_it_was_given() {
    let lock = RwLock::with_max_readers(0, 3);
    let r = lock.try_read().unwrap();
    let mut w = Box::pin(lock.write());
    // The writer takes the 2 free slots and waits for the third.
    assert!(poll_now(w.as_mut(), Waker::noop()).is_pending());
    assert!(lock.try_read().is_err());
    drop(w);
    drop(r);
    // All three slots are back: three readers fit.
    let _rs = [lock.try_read(), lock.try_read(), lock.try_read()].map(Result::unwrap);
}

#[test]
fn mapped_and_owned_guards() {
    let lock = Arc::new(RwLock::new((1, String::from("x"))));
    {
        let w = lock.try_write().unwrap();
        let mut s = RwLockWriteGuard::map(w, |t| &mut t.1);
        s.push('y');
        let s = RwLockMappedWriteGuard::try_map(s, |s| s.get_mut(10..)).unwrap_err();
        assert_eq!(*s, "xy");
    }
    {
        let r = lock.try_read().unwrap();
        let n = RwLockReadGuard::map(r, |t| &t.0);
        assert_eq!(*n, 1);
        assert!(lock.try_write().is_err());
    }
    let w = lock.clone().try_write_owned().unwrap();
    let mut n = OwnedRwLockWriteGuard::map(w, |t| &mut t.0);
    *n += 1;
    assert!(lock.clone().try_read_owned().is_err());
    drop(n);
    let w = lock.clone().try_write_owned().unwrap();
    let r = w.downgrade();
    let r2 = lock.clone().try_read_owned().unwrap();
    let s = OwnedRwLockReadGuard::map(r2, |t| &t.1);
    assert_eq!((r.0, s.as_str()), (2, "xy"));
    assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&s), &lock));
    drop((r, s));
    assert_eq!(format!("{:?}", lock), "RwLock { data: (2, \"xy\") }");
}
