//! The synchronisation primitives [`ScheduledIo`](crate::ScheduledIo) is built on, switchable
//! to loom's model-checked versions.
//!
//! Built normally these are `std`'s types. In this crate's own unit tests built with
//! `RUSTFLAGS="--cfg loom"` they are loom's, so the loom models (`src/loom_tests.rs`,
//! `src/time/loom_tests.rs`) explore every interleaving of readiness updates, clears, waiter
//! registration, timer firing and shutdown. Only the state whose races matter goes through
//! here: the readiness word, the waiter lock and the timer wheel's lock. Metrics, the slab and
//! the thread-local context stay on `std` (they are not part of the models).
//!
//! The switch is `all(loom, test)`, not `loom` alone: loom is a dev-dependency, and a crate
//! above (the executor) that runs *its* loom models compiles this one as a plain dependency
//! under the same flag, where it must keep building on `std`.
//!
//! `Mutex::lock` returns the guard directly: a panic while the waiter lock is held leaves the
//! lists consistent (every mutation is complete before any call that can panic), so poisoning
//! carries no information and is ignored.

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{AtomicU32, Ordering};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::{AtomicU32, Ordering};

#[cfg(all(loom, test))]
use loom::sync::{Mutex as Inner, MutexGuard};
#[cfg(not(all(loom, test)))]
use std::sync::{Mutex as Inner, MutexGuard};

/// A mutex whose `lock` cannot fail (see the module docs on poisoning).
#[derive(Debug)]
pub(crate) struct Mutex<T>(Inner<T>);

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(Inner::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU64};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU64};

/// One pause of a short wait for another thread to release a slot (a yield under loom, so the
/// model lets that thread run).
#[inline]
pub(crate) fn spin() {
    #[cfg(all(loom, test))]
    loom::thread::yield_now();
    #[cfg(not(all(loom, test)))]
    std::thread::yield_now();
}
