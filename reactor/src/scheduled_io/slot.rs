//! [`WakerCell`]: the storage of one direction's waker slot, without a lock.
//!
//! The cell itself is a plain `Option<Waker>`; who may touch it is decided by the slot's two
//! bits in the readiness word (`ARMED`, `BUSY`; see the `scheduled_io` module docs). Every
//! method is `unsafe` with one precondition: **the caller holds the slot's `BUSY` bit**, which
//! it set itself with a successful compare-and-swap (`Acquire`) and clears after the call
//! (`Release`). At most one party holds `BUSY` at a time, so each call has the cell to itself,
//! and the `Release`/`Acquire` pair orders one holder's accesses before the next holder's.

use std::task::Waker;

use crate::loom::UnsafeCell;
use crate::wake_list;

/// One waker slot's storage (see the module docs for the access rule).
#[derive(Debug)]
pub(super) struct WakerCell(UnsafeCell<Option<Waker>>);

impl WakerCell {
    pub(super) fn new() -> WakerCell {
        WakerCell(UnsafeCell::new(None))
    }

    /// Makes the cell hold a waker that wakes the same task as `waker`: kept if it already
    /// does (`will_wake`: no clone, no drop), else replaced by a clone. Returns the waker it
    /// replaced, for the caller to drop *after* releasing `BUSY` (a waker's drop runs foreign
    /// code, which must not run while the slot is held).
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    #[inline]
    pub(super) unsafe fn store(&self, waker: &Waker) -> Option<Waker> {
        self.0.with_mut(|cell| {
            // SAFETY: `BUSY` is held (the caller's contract), so no other thread reads or
            // writes the cell until it is released; the pointer is the cell's own, valid.
            let cell = unsafe { &mut *cell };
            match cell {
                Some(current) if current.will_wake(waker) => None,
                _ => cell.replace(waker.clone()),
            }
        })
    }

    /// Wakes the stored waker by reference, leaving it in place for the next wait, and
    /// containing a panic of its `wake_by_ref`; `token` names the source, for the trace.
    /// Returns whether there was a waker.
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    #[inline]
    pub(super) unsafe fn wake_by_ref(&self, token: impl FnOnce() -> usize) -> bool {
        self.0.with(|cell| {
            // SAFETY: `BUSY` is held, so nobody writes the cell while this shared borrow
            // lives (it ends with the closure); the pointer is the cell's own, valid.
            match unsafe { &*cell } {
                Some(waker) => {
                    wake_list::wake_slot_by_ref(token, waker);
                    true
                }
                None => false,
            }
        })
    }

    /// Takes the stored waker out (the source is going away).
    ///
    /// # Safety
    /// The caller holds this slot's `BUSY` bit.
    pub(super) unsafe fn take(&self) -> Option<Waker> {
        self.0.with_mut(|cell| {
            // SAFETY: `BUSY` is held, so this is the only access to the cell; the pointer is
            // the cell's own, valid.
            unsafe { (*cell).take() }
        })
    }
}

// SAFETY: the cell holds a `Waker`, which is `Send + Sync`; the `UnsafeCell` is only touched
// by the holder of the slot's `BUSY` bit (see the module docs), so sharing `&WakerCell` across
// threads never lets two threads access the cell at once.
unsafe impl Sync for WakerCell {}
