//! [`RegistrationSet`]: the slab of every registered source, and how tokens name its slots.
//!
//! # Tokens
//!
//! A token is a number, never a pointer: `generation << INDEX_BITS | index`.
//!
//! ```text
//!  usize::BITS-1        INDEX_BITS  INDEX_BITS-1          0
//! +-----------------------------+------------------------+
//! |  generation (wraps)         |  slot index            |
//! +-----------------------------+------------------------+
//! ```
//!
//! `INDEX_BITS` is 24 on 64-bit targets (16 777 215 slots, 40 generation bits) and 20 on 32-bit
//! ones (1 048 575 slots, 12 generation bits). A slot's generation moves on each time the slot
//! is freed, so an event still queued in the kernel (or in the driver's event buffer) for a
//! source that was released carries the *old* generation and is recognised as stale and dropped
//! when the slot already holds a new source. A stale token could only be mistaken if the same
//! slot were reused 2⁴⁰ (2¹² on 32-bit) times while that event was in flight.
//!
//! The index `2^INDEX_BITS - 1` is never allocated, so no registration's token equals
//! [`WAKE_TOKEN`] (`usize::MAX`), the selector waker's.
//!
//! # Address stability and who dereferences
//!
//! Each slot owns an `Arc<ScheduledIo>`: the `ScheduledIo` is its own heap allocation and never
//! moves, even when the slot vector grows (only the `Arc` pointers move). The
//! [`Registration`](crate::Registration) holds a second `Arc`, so it reads the `ScheduledIo`
//! without the slab. Only the driver turns tokens into `ScheduledIo`s ([`resolve`]), under the
//! slab lock, by cloning the slot's `Arc` — no raw pointer ever leaves the slab.
//!
//! # Release
//!
//! Dropping a `Registration` only queues its token ([`deregister`]); the driver frees queued
//! slots between turns ([`release`]), waking itself once [`NOTIFY_AFTER`] pile up. That keeps
//! the drop cheap, puts every slab mutation but allocation on the driver's thread, and keeps a
//! slot out of reuse while events naming it may still sit in the buffer of the current turn.
//! After shutdown there are no more turns, so slots are freed at once.
//!
//! [`resolve`]: RegistrationSet::resolve
//! [`deregister`]: RegistrationSet::deregister
//! [`release`]: RegistrationSet::release

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::scheduled_io::ScheduledIo;

/// Bits of a token that hold the slot index.
pub(crate) const INDEX_BITS: u32 = if usize::BITS >= 64 { 24 } else { 20 };
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Slots the slab may hold; the all-ones index is kept out of use for [`WAKE_TOKEN`].
const MAX_SLOTS: usize = INDEX_MASK;
const GENERATION_MASK: usize = usize::MAX >> INDEX_BITS;

/// The token of the selector waker that [`Handle::unpark`](crate::Handle::unpark) uses.
pub(crate) const WAKE_TOKEN: usize = usize::MAX;

/// How many queued releases make [`deregister`](RegistrationSet::deregister) ask for a turn.
pub(crate) const NOTIFY_AFTER: usize = 16;

/// Builds a token from its parts (layout in the module docs).
pub(crate) fn token(index: usize, generation: usize) -> usize {
    debug_assert!(index < MAX_SLOTS);
    ((generation & GENERATION_MASK) << INDEX_BITS) | index
}

fn index_of(token: usize) -> usize {
    token & INDEX_MASK
}

fn generation_of(token: usize) -> usize {
    token >> INDEX_BITS
}

#[derive(Debug, Default)]
struct Slot {
    generation: usize,
    io: Option<Arc<ScheduledIo>>,
}

#[derive(Debug, Default)]
struct Synced {
    is_shutdown: bool,
    slots: Vec<Slot>,
    /// Indices of empty slots; a stack, so the most recently freed slot is reused first.
    free: Vec<usize>,
    /// Tokens of dropped registrations, freed by the next [`RegistrationSet::release`].
    pending_release: Vec<usize>,
}

impl Synced {
    /// Empties the slot `token` names, if it still holds that generation.
    fn free_slot(&mut self, token: usize) -> Option<Arc<ScheduledIo>> {
        let index = index_of(token);
        let slot = self.slots.get_mut(index)?;
        if slot.generation != generation_of(token) {
            return None;
        }
        let io = slot.io.take()?;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        self.free.push(index);
        Some(io)
    }
}

/// The slab of registered sources (see the [module docs](self)).
#[derive(Debug, Default)]
pub(crate) struct RegistrationSet {
    /// Length of `pending_release`, readable without the lock so a turn with nothing to
    /// release does not lock.
    num_pending_release: AtomicUsize,
    synced: Mutex<Synced>,
}

impl RegistrationSet {
    fn lock(&self) -> MutexGuard<'_, Synced> {
        // Every critical section leaves `Synced` consistent before anything that can panic
        // (allocation aside, which aborts), so a poisoned lock holds valid data.
        self.synced.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a free slot and creates its `ScheduledIo`.
    ///
    /// # Errors
    /// After shutdown, the "shutting down" error; with every slot in use, `OutOfMemory`.
    pub(crate) fn allocate(&self) -> io::Result<Arc<ScheduledIo>> {
        let mut synced = self.lock();
        if synced.is_shutdown {
            return Err(io::Error::other(crate::REGISTER_AFTER_SHUTDOWN_MESSAGE));
        }
        let index = match synced.free.pop() {
            Some(index) => index,
            None if synced.slots.len() < MAX_SLOTS => {
                synced.slots.push(Slot::default());
                synced.slots.len() - 1
            }
            None => {
                return Err(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    format!(
                        "the reactor already has {MAX_SLOTS} registered sources, its maximum: \
                         drop unused sockets before registering more"
                    ),
                ))
            }
        };
        let slot = &mut synced.slots[index];
        let io = Arc::new(ScheduledIo::new(token(index, slot.generation)));
        slot.io = Some(io.clone());
        Ok(io)
    }

    /// Queues `io`'s slot for release (its registration is being dropped).
    ///
    /// Returns `(should_unpark, freed_now)`: `should_unpark` when this release made the queue
    /// reach [`NOTIFY_AFTER`], so the driver should turn and free them; `freed_now` is 1 if the
    /// slot was freed at once (after shutdown). The freed `Arc` is dropped by the caller's
    /// scope after the lock is released.
    pub(crate) fn deregister(&self, io: &ScheduledIo) -> (bool, usize) {
        let mut synced = self.lock();
        if synced.is_shutdown {
            let freed = synced.free_slot(io.token());
            drop(synced);
            let n = usize::from(freed.is_some());
            drop(freed);
            return (false, n);
        }
        synced.pending_release.push(io.token());
        let pending = synced.pending_release.len();
        self.num_pending_release.store(pending, Ordering::Release);
        (pending == NOTIFY_AFTER, 0)
    }

    /// Frees `io`'s slot at once, for a source whose selector registration failed: no event
    /// can name a token the kernel never saw, so there is nothing to wait for.
    pub(crate) fn cancel(&self, io: &ScheduledIo) {
        let freed = self.lock().free_slot(io.token());
        // The guard is gone (end of the statement above); the caller holds another `Arc`.
        drop(freed);
    }

    /// Whether any release is queued (one atomic load, no lock).
    pub(crate) fn needs_release(&self) -> bool {
        self.num_pending_release.load(Ordering::Acquire) != 0
    }

    /// Frees every queued slot; returns how many. Driver only, between turns.
    ///
    /// The single place slots are released in normal operation (the trace point for
    /// "registration release").
    pub(crate) fn release(&self) -> usize {
        let mut synced = self.lock();
        let pending = std::mem::take(&mut synced.pending_release);
        self.num_pending_release.store(0, Ordering::Release);
        let freed: Vec<Arc<ScheduledIo>> = pending
            .iter()
            .filter_map(|&token| synced.free_slot(token))
            .collect();
        trace!(
            Layer::Reactor,
            "RegistrationSet::release: freed {} of {} queued slots, tokens {:?}",
            freed.len(),
            pending.len(),
            pending
        );
        // Give the (now empty) buffer back so steady-state releases do not allocate.
        let mut pending = pending;
        pending.clear();
        synced.pending_release = pending;
        drop(synced);
        // Outside the lock: the last `Arc` may go here, and dropping a `ScheduledIo` drops any
        // wakers left in it, which may run arbitrary code.
        freed.len()
    }

    /// For each event token, the live `ScheduledIo` it names, cloned under one lock.
    ///
    /// Tokens whose generation no longer matches their slot (the source was released) and
    /// [`WAKE_TOKEN`] are skipped.
    pub(crate) fn resolve<T: Copy>(
        &self,
        tokens: impl Iterator<Item = (usize, T)>,
        out: &mut Vec<(Arc<ScheduledIo>, T)>,
    ) {
        let synced = self.lock();
        for (token, extra) in tokens {
            if token == WAKE_TOKEN {
                continue;
            }
            let Some(slot) = synced.slots.get(index_of(token)) else {
                continue;
            };
            if slot.generation != generation_of(token) {
                continue; // stale: released, maybe reused
            }
            if let Some(io) = &slot.io {
                out.push((io.clone(), extra));
            }
        }
    }

    /// Refuses further allocations, frees the slots still queued for release (no turn may come
    /// to do it), and returns every live `ScheduledIo` (for the caller to shut down outside the
    /// lock) with the number of slots freed; `None` if this was already done.
    pub(crate) fn shutdown(&self) -> Option<(Vec<Arc<ScheduledIo>>, usize)> {
        let mut synced = self.lock();
        if synced.is_shutdown {
            return None;
        }
        synced.is_shutdown = true;
        let pending = std::mem::take(&mut synced.pending_release);
        self.num_pending_release.store(0, Ordering::Release);
        let freed: Vec<Arc<ScheduledIo>> = pending
            .iter()
            .filter_map(|&token| synced.free_slot(token))
            .collect();
        let live = synced.slots.iter().filter_map(|s| s.io.clone()).collect();
        drop(synced);
        // As in `release`: the last `Arc`s may go here, outside the lock.
        Some((live, freed.len()))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn resolve_one(set: &RegistrationSet, token: usize) -> Option<Arc<ScheduledIo>> {
        let mut out = Vec::new();
        set.resolve([(token, ())].into_iter(), &mut out);
        out.pop().map(|(io, ())| io)
    }

    #[test]
    fn released_slot_is_reused_with_a_new_generation() {
        let set = RegistrationSet::default();
        let a = set.allocate().unwrap();
        let old = a.token();
        assert!(resolve_one(&set, old).is_some());
        assert_eq!(set.deregister(&a), (false, 0));
        // Queued, not yet freed: events still resolve.
        assert!(resolve_one(&set, old).is_some());
        assert_eq!(set.release(), 1);
        assert!(resolve_one(&set, old).is_none());

        let b = set.allocate().unwrap();
        assert_eq!(index_of(b.token()), index_of(old), "LIFO reuse of the slot");
        assert_ne!(b.token(), old);
        assert!(
            resolve_one(&set, old).is_none(),
            "stale token must not resolve"
        );
        assert!(Arc::ptr_eq(&resolve_one(&set, b.token()).unwrap(), &b));
        assert_ne!(b.token(), WAKE_TOKEN);
    }

    #[test]
    fn unpark_is_requested_once_per_batch_and_shutdown_refuses() {
        let set = RegistrationSet::default();
        let ios: Vec<_> = (0..NOTIFY_AFTER).map(|_| set.allocate().unwrap()).collect();
        let asks: Vec<bool> = ios.iter().map(|io| set.deregister(io).0).collect();
        assert_eq!(asks.iter().filter(|&&a| a).count(), 1);
        assert!(asks[NOTIFY_AFTER - 1]);
        assert!(set.needs_release());
        assert_eq!(set.release(), NOTIFY_AFTER);
        assert!(!set.needs_release());

        let live = set.allocate().unwrap();
        let queued = set.allocate().unwrap();
        set.deregister(&queued);
        // The queued slot is freed by shutdown itself; only `live` is returned.
        assert_eq!(
            set.shutdown().map(|(v, freed)| (v.len(), freed)),
            Some((1, 1))
        );
        assert!(set.shutdown().is_none());
        let err = set.allocate().unwrap_err();
        assert_eq!(err.to_string(), crate::REGISTER_AFTER_SHUTDOWN_MESSAGE);
        // After shutdown a release is immediate.
        assert_eq!(set.deregister(&live), (false, 1));
    }

    #[test]
    fn token_layout_round_trips() {
        let t = token(MAX_SLOTS - 1, GENERATION_MASK);
        assert_eq!(index_of(t), MAX_SLOTS - 1);
        assert_eq!(generation_of(t), GENERATION_MASK);
        assert_ne!(t, WAKE_TOKEN);
    }
}
