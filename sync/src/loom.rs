//! The atomics and cells the channels are built on, switchable to loom's model-checked
//! versions.
//!
//! Built normally these are `std`'s types. In this crate's own unit tests built with
//! `RUSTFLAGS="--cfg loom"` they are loom's, so the loom models explore every interleaving of
//! the protocols built on them. The switch is `all(loom, test)` for the reason the reactor's
//! `loom.rs` gives: a crate above that runs its own models compiles this one as a plain
//! dependency under the same flag.

#[cfg(all(loom, test))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};
#[cfg(all(loom, test))]
pub(crate) use loom::sync::Arc;
#[cfg(not(all(loom, test)))]
#[allow(unused_imports)] // until the mpsc queue lands
pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize};
#[cfg(not(all(loom, test)))]
#[allow(unused_imports)] // until the mpsc queue lands
pub(crate) use std::sync::Arc;

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
