//! The receiver's waker slot: one waker, registered by the one receiver, taken and woken by
//! whichever sender comes first. Lock-free.
//!
//! States: `0` (no one waiting), `WAITING` (a waker is stored and nobody took it),
//! `REGISTERING` (the receiver is writing the slot), `WAKING` (a sender owns the slot).
//! Whoever moves the word out of `0`/`WAITING` owns the slot until it stores the next state.
//!
//! Every transition is a read-modify-write of the one word, so the receiver's registration
//! and a sender's wake are totally ordered: either the wake sees the waker, or the
//! registration sees the wake (and wakes itself). Senders call the slot only when the queue
//! says the receiver may be waiting (see `block.rs`), and then first *load* the word
//! ([`AtomicWaker::wake_if_waiting`]), so a busy receiver costs them no write here.

use std::sync::atomic::Ordering::{AcqRel, Acquire};
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
        let mut state = self.state.load(Acquire);
        loop {
            if state & WAKING != 0 {
                // A sender is taking the slot to wake it: whatever we would store, we are
                // about to be woken anyway; make sure it is us.
                waker.wake_by_ref();
                return;
            }
            match self
                .state
                .compare_exchange(state, REGISTERING, AcqRel, Acquire)
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
            .compare_exchange(REGISTERING, WAITING, AcqRel, Acquire)
            .is_err()
        {
            // A sender set WAKING while we registered: it left the slot to us, so wake now.
            // (Read-modify-writes throughout, never a plain store: each one continues the
            // release sequence of the updates before it.)
            self.state.fetch_and(!(REGISTERING | WAKING), AcqRel);
            waker.wake_by_ref();
        }
    }

    /// [`wake`](AtomicWaker::wake), skipped when the word is `0` (no waker stored, nobody
    /// registering or waking): a plain load instead of two read-modify-writes on the
    /// receiver's cache line, for the common case of a sender that finds the receiver busy.
    ///
    /// Only for a caller whose change reached the receiver through a read-modify-write
    /// chain: the ready word's update (or the block link the receiver's `next_ordered`
    /// read) orders the receiver's mark after its registration, so if the receiver marked
    /// before our update, its registration happened before this load and we see it. A change
    /// the receiver only *loads* (a semaphore count) needs [`wake`](AtomicWaker::wake): with
    /// two plain loads on the two sides, each could miss the other's update.
    #[inline]
    pub(super) fn wake_if_waiting(&self) {
        if self.state.load(Acquire) != 0 {
            self.wake();
        }
    }

    /// Wakes the registered waker, if any (called by senders after publishing their change).
    pub(super) fn wake(&self) {
        let prev = self.state.fetch_or(WAKING, AcqRel);
        if prev & (WAKING | REGISTERING) != 0 {
            // Someone else is waking, or the registering receiver will see WAKING.
            return;
        }
        // SAFETY: we moved the word from 0/WAITING to WAKING: the slot is ours.
        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
        self.state.fetch_and(!(WAITING | WAKING), AcqRel);
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
