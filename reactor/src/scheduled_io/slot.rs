//! [`WakerCell`]: the storage of one direction's waker slot, without a lock.
//!
//! The cell holds a waker as its two raw parts, the data pointer and the vtable pointer, each
//! in an atomic (both null: no waker). Who may *change* the cell, or wake or drop the waker in
//! it, is decided by the slot's bits in the readiness word (`ARMED`, `BUSY`; see the docs of
//! [`ScheduledIo`](super::ScheduledIo)): those methods are `unsafe` with one precondition,
//! **the caller holds the slot's `BUSY` bit**, which it set itself with a successful
//! compare-and-swap (`Acquire`) and clears after the call (`Release`). At most one party holds
//! `BUSY` at a time, and the `Release`/`Acquire` pair orders one holder's accesses before the
//! next holder's.
//!
//! Because the parts are atomics, anyone may *compare* them with a waker at any time
//! ([`WakerCell::holds`]): that is what lets a task whose waker is already in the cell arm
//! the slot with one swap and no `BUSY` (the proof is at the caller, `ScheduledIo::arm`).

use std::mem::ManuallyDrop;
use std::ptr;
use std::task::{RawWakerVTable, Waker};

use crate::loom::{AtomicPtr, Ordering};
use crate::wake_list;

/// One waker slot's storage (see the module docs for the access rule).
#[derive(Debug)]
pub(super) struct WakerCell {
    data: AtomicPtr<()>,
    vtable: AtomicPtr<RawWakerVTable>,
}

impl WakerCell {
    pub(super) fn new() -> WakerCell {
        WakerCell {
            data: AtomicPtr::new(ptr::null_mut()),
            vtable: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Whether the cell holds a waker with `waker`'s data and vtable, i.e. one that
    /// [`will_wake`](Waker::will_wake) the same task. Any thread may ask; the answer is only
    /// as fresh as the caller's last `Acquire` load of the readiness word makes it.
    #[inline(always)]
    pub(super) fn holds(&self, waker: &Waker) -> bool {
        self.data.load(Ordering::Relaxed).cast_const() == waker.data()
            && self.vtable.load(Ordering::Relaxed).cast_const() == ptr::from_ref(waker.vtable())
    }

    /// Makes the cell hold a waker that wakes the same task as `waker`: kept if it already
    /// does (no clone, no drop), else replaced by a clone. Returns the waker it replaced, for
    /// the caller to drop *after* releasing `BUSY` (a waker's drop runs foreign code, which
    /// must not run while the slot is held).
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    #[inline]
    pub(super) unsafe fn store(&self, waker: &Waker) -> Option<Waker> {
        if self.holds(waker) {
            return None;
        }
        // The cell owns the clone from here on, as raw parts.
        let clone = ManuallyDrop::new(waker.clone());
        // SAFETY: `BUSY` is held, so the parts belong to this thread; they came from an owned
        // waker this cell held (or are null).
        let old = unsafe { self.take() };
        self.data.store(clone.data().cast_mut(), Ordering::Relaxed);
        self.vtable
            .store(ptr::from_ref(clone.vtable()).cast_mut(), Ordering::Relaxed);
        old
    }

    /// Wakes the stored waker by reference, leaving it in place for the next wait, and
    /// containing a panic of its `wake_by_ref`; `token` names the source, for the trace.
    /// Returns whether there was a waker.
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    #[inline]
    pub(super) unsafe fn wake_by_ref(&self, token: impl FnOnce() -> usize) -> bool {
        let vtable = self.vtable.load(Ordering::Relaxed);
        if vtable.is_null() {
            return false;
        }
        let data = self.data.load(Ordering::Relaxed);
        // SAFETY: non-null parts are those of a waker this cell owns (`store`), which nobody
        // can take or replace while this thread holds `BUSY`; `ManuallyDrop` borrows it
        // without giving up that ownership.
        let waker = ManuallyDrop::new(unsafe { Waker::new(data, &*vtable) });
        wake_list::wake_slot_by_ref(token, &waker);
        true
    }

    /// Takes the stored waker out (the source is going away, or `store` replaces it).
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    pub(super) unsafe fn take(&self) -> Option<Waker> {
        let vtable = self.vtable.swap(ptr::null_mut(), Ordering::Relaxed);
        let data = self.data.swap(ptr::null_mut(), Ordering::Relaxed);
        if vtable.is_null() {
            return None;
        }
        // SAFETY: non-null parts are those of a waker this cell owns (`store`); they were just
        // cleared, so ownership moves to the returned `Waker` exactly once.
        Some(unsafe { Waker::new(data, &*vtable) })
    }
}

impl Drop for WakerCell {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: nobody else can hold the slot.
        drop(unsafe { self.take() });
    }
}
