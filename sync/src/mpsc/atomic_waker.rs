//! The receiver's waker slot: one waker, registered by the one receiver, taken and woken by
//! whichever sender comes first. Lock-free.
//!
//! States: `0` (no one waiting), `WAITING` (a waker is stored and nobody took it),
//! `REGISTERING` (the receiver is writing the slot), `WAKING` (a sender owns the slot).
//! Whoever moves the word out of `0`/`WAITING` owns the slot until it stores the next state.
//!
//! No wake-up is lost: the receiver registers, then checks the queue again; a sender writes
//! its message, then checks this word. Both sides use `SeqCst`, so at least one sees the other.
//! A sender that finds nobody waiting costs one load.

use std::sync::atomic::Ordering::SeqCst;
use std::task::Waker;

use crate::loom::{AtomicUsize, UnsafeCell};

const WAITING: usize = 1;
const REGISTERING: usize = 2;
const WAKING: usize = 4;

/// See the module docs.
pub(super) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

impl AtomicWaker {
    pub(super) fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(0),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](AtomicWaker::wake). Called by one
    /// thread at a time (the receiver). The caller checks its condition again afterwards.
    pub(super) fn register(&self, waker: &Waker) {
        let mut state = self.state.load(SeqCst);
        loop {
            if state & WAKING != 0 {
                // A sender is taking the slot to wake it: whatever we would store, we are
                // about to be woken anyway; make sure it is us.
                waker.wake_by_ref();
                return;
            }
            match self
                .state
                .compare_exchange(state, REGISTERING, SeqCst, SeqCst)
            {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        // SAFETY: we moved the word to REGISTERING, so the slot is ours until we store again.
        self.waker.with_mut(|slot| unsafe {
            match &mut *slot {
                Some(old) if old.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        });
        if self
            .state
            .compare_exchange(REGISTERING, WAITING, SeqCst, SeqCst)
            .is_err()
        {
            // A sender set WAKING while we registered: it left the slot to us, so wake now.
            self.state.store(0, SeqCst);
            waker.wake_by_ref();
        }
    }

    /// Wakes the registered waker, if any (called by senders after publishing their change).
    pub(super) fn wake(&self) {
        if self.state.load(SeqCst) & (WAITING | REGISTERING) == 0 {
            return;
        }
        let prev = self.state.fetch_or(WAKING, SeqCst);
        if prev & (WAKING | REGISTERING) != 0 {
            // Someone else is waking, or the registering receiver will see WAKING.
            return;
        }
        // SAFETY: we moved the word from 0/WAITING to WAKING: the slot is ours.
        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        self.state.store(0, SeqCst);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

// SAFETY: the slot is only touched by whoever owns it per the state word (see the module docs);
// `Waker` is `Send + Sync`.
unsafe impl Send for AtomicWaker {}
// SAFETY: see above.
unsafe impl Sync for AtomicWaker {}
