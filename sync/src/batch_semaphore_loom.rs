//! loom models of the batch semaphore: every interleaving (up to the preemption bound) of
//! acquires, releases, cancellation and close. A lost wake-up shows up as a deadlock (every
//! model thread blocked), which loom reports as a failure; lost or duplicated permits show up
//! in the final count.
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" \
//!     cargo test -p corium-sync --release --lib loom
//! ```

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;

use super::Semaphore;
use crate::loom_block_on::block_on;

#[test]
fn loom_contended_acquire_release_never_loses_a_wakeup() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let other = {
            let sem = sem.clone();
            thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                sem.release(1);
            })
        };
        block_on(sem.acquire(1)).unwrap();
        sem.release(1);
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_cancelled_waiter_gives_back_what_it_was_handed() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut acquire = Box::pin(sem.acquire(2));
        // Queue it (pending: nothing is free yet).
        let pending = acquire
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending();
        assert!(pending);
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || {
                sem.release(1);
                sem.release(1);
            })
        };
        // Cancel while the permits trickle in: whatever it was assigned must come back.
        drop(acquire);
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn loom_close_races_a_waiter_and_a_release() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || {
                if block_on(sem.acquire(1)).is_ok() {
                    sem.release(1);
                }
            })
        };
        let closer = {
            let sem = sem.clone();
            thread::spawn(move || sem.close())
        };
        sem.release(1);
        waiter.join().unwrap();
        closer.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}
