//! The atomics and the lock the waiter protocols are built on, switchable to loom's
//! model-checked versions.
//!
//! Built normally these are `std`'s types. In this crate's own unit tests built with
//! `RUSTFLAGS="--cfg loom"` they are loom's, so the loom models explore every interleaving of
//! the protocols that use them (the batch semaphore, `Notify`, and the channels' queues). Only
//! state whose races matter goes through here; plain data behind a lock stays on `std`.
//!
//! The switch is `all(loom, test)`, not `loom` alone: loom is a dev-dependency, and a crate
//! above that runs *its* loom models compiles this one as a plain dependency under the same
//! flag, where it must keep building on `std`.
//!
//! [`Mutex::lock`] returns the guard directly: every critical section in this crate finishes
//! its list and state mutations before anything that can panic, so a poisoned lock still holds
//! consistent data and poisoning carries no information.
//!
//! Shared by every module of the crate (primitives and channels): add what a model needs here.

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

// The channels' queues, waker slots and shared state.
#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::AtomicPtr;
#[cfg(all(loom, test))]
pub(crate) use loom::sync::{Arc, RwLock, RwLockReadGuard};
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::atomic::AtomicPtr;
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::{Arc, RwLock, RwLockReadGuard};

#[cfg(all(loom, test))]
use loom::sync::Mutex as Inner;
#[cfg(all(loom, test))]
pub(crate) use loom::sync::MutexGuard;
#[cfg(not(all(loom, test)))]
use std::sync::Mutex as Inner;
#[cfg(not(all(loom, test)))]
pub(crate) use std::sync::MutexGuard;

/// A mutex whose `lock` cannot fail (see the module docs on poisoning).
#[derive(Debug)]
pub(crate) struct Mutex<T>(Inner<T>);

impl<T> Mutex<T> {
    #[cfg(not(all(loom, test)))]
    pub(crate) const fn new(value: T) -> Mutex<T> {
        Mutex(Inner::new(value))
    }

    #[cfg(all(loom, test))]
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(Inner::new(value))
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// `loom::cell::UnsafeCell`'s closure-based interface over `std::cell::UnsafeCell`: every
/// access names whether it reads or writes, which is what loom checks.
#[cfg(not(all(loom, test)))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(all(loom, test)))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with an exclusive pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(all(loom, test))]
pub(crate) use loom::cell::UnsafeCell;
