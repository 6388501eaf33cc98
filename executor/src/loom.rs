//! One switch between `std` and [loom](https://docs.rs/loom) for everything the model checker
//! must see: atomics, locks, `UnsafeCell` and threads.
//!
//! Code that takes part in a loom model imports from here, never from `std::sync` directly, so
//! `RUSTFLAGS="--cfg loom"` swaps the whole synchronisation layer at once. The `UnsafeCell`
//! wrapper gives the `std` build loom's closure-based API (`with` / `with_mut`), so the same
//! source compiles both ways and loom can track every access to a cell.

#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    sync::{atomic, Arc, Condvar, Mutex, MutexGuard},
};

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};

/// `std`'s `UnsafeCell` behind loom's access API.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Read access through a raw pointer; the caller's protocol proves no writer is active.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Write access through a raw pointer; the caller's protocol proves exclusivity.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks a mutex, ignoring poisoning: every critical section in this crate leaves its data
/// consistent before anything that could panic (user code never runs under these locks).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(loom)]
    {
        mutex.lock().unwrap()
    }
    #[cfg(not(loom))]
    {
        mutex
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
