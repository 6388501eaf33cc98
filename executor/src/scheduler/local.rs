//! [`Tagged`]: the thread-local slot where a scheduler keeps what a wake on its own thread
//! needs — the current-thread run queue, or a multi-thread worker's core — tagged with the
//! runtime it belongs to.
//!
//! A wake has nothing but the task's scheduler handle. So the handle's address is the tag: a
//! wake compares it with the slot's owner and, if they match and the slot is free, queues the
//! task right there; otherwise (another thread, another runtime, the slot borrowed) it takes
//! the cross-thread path. The owner is only ever compared, never dereferenced, so it cannot be
//! misused even if it were stale; each scheduler's install guard resets it before the handle
//! it names can go away.

use std::cell::{Cell, RefCell, RefMut};

/// A value of this thread, and the runtime (`O`, a scheduler handle) it currently belongs to.
pub(crate) struct Tagged<O, T> {
    /// Null when the thread drives no runtime of this kind.
    owner: Cell<*const O>,
    value: RefCell<T>,
}

impl<O, T> Tagged<O, T> {
    /// An unowned slot holding `value` (for `thread_local!`'s const initialiser).
    pub(crate) const fn new(value: T) -> Tagged<O, T> {
        Tagged {
            owner: Cell::new(std::ptr::null()),
            value: RefCell::new(value),
        }
    }

    /// The value, if this slot belongs to `owner` and is not borrowed right now: the wake
    /// fast path.
    #[inline]
    pub(crate) fn borrow_for(&self, owner: *const O) -> Option<RefMut<'_, T>> {
        if !std::ptr::eq(self.owner.get(), owner) {
            return None;
        }
        self.value.try_borrow_mut().ok()
    }

    /// Hands the slot to `owner` (null: to nobody); returns the previous owner.
    pub(crate) fn set_owner(&self, owner: *const O) -> *const O {
        self.owner.replace(owner)
    }

    /// The value itself, for its owner's scheduler loop.
    #[inline]
    pub(crate) fn value(&self) -> &RefCell<T> {
        &self.value
    }
}
