//! [`RegistrationSet`]: the slab of every registered source, and how tokens name its slots.
//!
//! # Tokens
//!
//! A token is a number, never a pointer: `generation << INDEX_BITS | page << OFFSET_BITS |
//! offset`, the slot's page and its place in the page (see [Pages](#pages-slots-that-never-move)).
//!
//! ```text
//!  usize::BITS-1  INDEX_BITS  INDEX_BITS-1  OFFSET_BITS  OFFSET_BITS-1     0
//! +-----------------------+--------------------------+-------------------+
//! |  generation (wraps)   |  page                    |  offset in page   |
//! +-----------------------+--------------------------+-------------------+
//! ```
//!
//! `INDEX_BITS` is 24 on 64-bit targets (40 generation bits, 7 page bits, 17 offset bits: 104
//! pages, 2 096 896 slots) and 20 on 32-bit ones (12 generation bits, 7 page bits, 13 offset
//! bits: 72 pages, 130 816 slots). A slot's generation moves on each time the slot is freed,
//! so an event still queued in the kernel (or in the driver's event buffer) for a source that
//! was released carries the *old* generation and is recognised as stale and dropped when the
//! slot already holds a new source. A stale token could only be mistaken if the same slot were
//! reused 2⁴⁰ (2¹² on 32-bit) times while that event was in flight.
//!
//! Page numbers stop well below `2^7 - 1`, so no registration's token equals [`WAKE_TOKEN`]
//! (`usize::MAX`), the selector waker's.
//!
//! Slots are also numbered in allocation order, page after page (the *index*: page `p`'s first
//! slot is [`page_start`]`(p)`); the free list and the count of slots handed out use indices,
//! the tokens carry the page and offset, so the driver finds a slot with a shift and a mask.
//!
//! # Pages: slots that never move
//!
//! The slots are the [`ScheduledIo`]s themselves, stored in *pages* that are allocated once
//! and never moved, shrunk or freed while the set lives. Pages come in groups of eight equal
//! pages, each group's pages twice the size of the previous group's: eight pages of 32 slots,
//! eight of 64, eight of 128, ... up to pages of `2^OFFSET_BITS` slots. A page's slots are all
//! initialised when it is created, so every allocated slot is resident memory: the last page
//! is at most an eighth of the slots before it, and a set with `n` sources has allocated at
//! most `n + (n + 256) / 8` slots (a `ScheduledIo` is 128 bytes on x86_64: at 10,000 sources,
//! 11,008 slots, 1.41 MB, where pages that simply doubled held 16,352, 2.09 MB). Each page is
//! an `Arc<[ScheduledIo]>` published through a `OnceLock`, so finding a slot is safe code:
//! one atomic load, a shift and a mask, no lock.
//!
//! That is what makes the driver's hot path lock-free ([`get`]): for each event it finds the
//! slot from the token's index and compares the slot's current token with the event's — equal
//! means the event is for the source that lives there now. A [`Registration`] holds a
//! [`SlotRef`]: a clone of its page's `Arc` and the offset, so reaching its `ScheduledIo` is
//! one bounds check, and the page outlives it whatever happens to the reactor.
//!
//! # Release
//!
//! Dropping a `Registration` only queues its token ([`deregister`]); the driver frees queued
//! slots between turns ([`release`]), waking itself once [`NOTIFY_AFTER`] pile up. That keeps
//! the drop cheap and keeps a slot out of reuse while events naming it may still sit in the
//! buffer of the current turn. Freeing bumps the slot's generation (its token changes), so
//! from then on no old event matches it.
//!
//! Slots are freed in only three places, and none can race with the driver's [`get`] into
//! acting on the wrong source: [`release`] runs on the driver's own thread between turns;
//! [`cancel`] frees a slot whose token the kernel never saw (its registration failed); and
//! after shutdown freed slots are never handed out again. A driver that matched a token just
//! before such a free touches a slot no source owns, which is harmless: its memory lives on.
//!
//! [`get`]: RegistrationSet::get
//! [`deregister`]: RegistrationSet::deregister
//! [`release`]: RegistrationSet::release
//! [`cancel`]: RegistrationSet::cancel
//! [`Registration`]: crate::Registration

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::scheduled_io::ScheduledIo;

/// Bits of a token that name the slot (its page and offset).
pub(crate) const INDEX_BITS: u32 = if usize::BITS >= 64 { 24 } else { 20 };
/// Bits of a token that hold the page number...
const PAGE_BITS: u32 = 7;
/// ... and below them, the slot's offset in its page.
const OFFSET_BITS: u32 = INDEX_BITS - PAGE_BITS;
const PAGE_MASK: usize = (1 << PAGE_BITS) - 1;
const OFFSET_MASK: usize = (1 << OFFSET_BITS) - 1;
const GENERATION_MASK: usize = usize::MAX >> INDEX_BITS;

/// Group `g` of pages holds `1 << (FIRST_GROUP_BITS + g)` slots...
const FIRST_GROUP_BITS: u32 = 8;
/// ... in `1 << PAGE_SPLIT_BITS` pages of equal size (pages of 32 slots in the first group).
const PAGE_SPLIT_BITS: u32 = 3;
/// Every page whose offsets fit in `OFFSET_BITS`: the groups with pages of `32` to
/// `2^OFFSET_BITS` slots.
const PAGES: usize =
    ((OFFSET_BITS - (FIRST_GROUP_BITS - PAGE_SPLIT_BITS) + 1) as usize) << PAGE_SPLIT_BITS;
/// Slots the slab may hold: every slot of every page.
const MAX_SLOTS: usize = page_start(PAGES);
// The all-ones page number (that of `WAKE_TOKEN`) is never a page.
const _: () = assert!(PAGES < PAGE_MASK);

/// The token of the selector waker that [`Handle::unpark`](crate::Handle::unpark) uses.
pub(crate) const WAKE_TOKEN: usize = usize::MAX;

/// How many queued releases make [`deregister`](RegistrationSet::deregister) ask for a turn.
pub(crate) const NOTIFY_AFTER: usize = 16;

/// Builds the token of slot `index` (in allocation order) at `generation` (layout in the
/// module docs).
pub(crate) fn token(index: usize, generation: usize) -> usize {
    debug_assert!(index < MAX_SLOTS);
    let at = SlotIndex::of(index);
    ((generation & GENERATION_MASK) << INDEX_BITS) | (at.page << OFFSET_BITS) | at.offset
}

/// The page and offset a token names, as it names them: no check that the page exists.
#[inline(always)]
fn slot_of(token: usize) -> SlotIndex {
    SlotIndex {
        page: (token >> OFFSET_BITS) & PAGE_MASK,
        offset: token & OFFSET_MASK,
    }
}

/// The index (allocation order) of the slot a token names.
fn index_of(token: usize) -> usize {
    let at = slot_of(token);
    page_start(at.page) + at.offset
}

fn generation_of(token: usize) -> usize {
    token >> INDEX_BITS
}

/// Where slot `index` lives: its page and its offset in that page.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct SlotIndex {
    page: usize,
    offset: usize,
}

impl SlotIndex {
    /// Shifting the index by one first group makes group boundaries powers of two: the group
    /// is the position of the top bit, and the next `PAGE_SPLIT_BITS` bits pick the page in it.
    /// (Allocation and shutdown only: events find their slot from the token, [`slot_of`].)
    const fn of(index: usize) -> SlotIndex {
        let shifted = index + (1 << FIRST_GROUP_BITS);
        let top = usize::BITS - 1 - shifted.leading_zeros();
        let page_bits = top - PAGE_SPLIT_BITS;
        // `shifted >> page_bits` is the page's place in its group plus `1 << PAGE_SPLIT_BITS`
        // (the top bit), and every group before holds `1 << PAGE_SPLIT_BITS` pages.
        let page = (shifted >> page_bits)
            + (((top - FIRST_GROUP_BITS) as usize) << PAGE_SPLIT_BITS)
            - (1 << PAGE_SPLIT_BITS);
        SlotIndex {
            page,
            offset: shifted & ((1 << page_bits) - 1),
        }
    }
}

/// A registration's hold on its slot: the slot's page (kept alive by this `Arc`) and offset.
#[derive(Debug)]
pub(crate) struct SlotRef {
    page: Arc<[ScheduledIo]>,
    offset: usize,
}

impl SlotRef {
    /// The slot's `ScheduledIo`.
    #[inline(always)]
    pub(crate) fn get(&self) -> &ScheduledIo {
        &self.page[self.offset]
    }
}

/// Slots in page `page`.
const fn page_len(page: usize) -> usize {
    (1 << (FIRST_GROUP_BITS - PAGE_SPLIT_BITS)) << (page >> PAGE_SPLIT_BITS)
}

/// The index of page `page`'s first slot.
const fn page_start(page: usize) -> usize {
    let group = page >> PAGE_SPLIT_BITS;
    let in_group = page & ((1 << PAGE_SPLIT_BITS) - 1);
    ((1 << FIRST_GROUP_BITS) << group) - (1 << FIRST_GROUP_BITS) + in_group * page_len(page)
}

#[derive(Debug, Default)]
struct Synced {
    is_shutdown: bool,
    /// Slots ever handed out: indices `0..len` exist (their pages are allocated).
    len: usize,
    /// Indices of empty slots; a stack, so the most recently freed slot is reused first.
    free: Vec<usize>,
    /// Tokens of dropped registrations, freed by the next [`RegistrationSet::release`].
    pending_release: Vec<usize>,
}

/// The slab of registered sources (see the [module docs](self)).
#[derive(Debug)]
pub(crate) struct RegistrationSet {
    pages: [OnceLock<Arc<[ScheduledIo]>>; PAGES],
    /// Length of `pending_release`, readable without the lock so a turn with nothing to
    /// release does not lock.
    num_pending_release: AtomicUsize,
    synced: Mutex<Synced>,
}

impl Default for RegistrationSet {
    fn default() -> RegistrationSet {
        RegistrationSet {
            pages: std::array::from_fn(|_| OnceLock::new()),
            num_pending_release: AtomicUsize::new(0),
            synced: Mutex::default(),
        }
    }
}

impl RegistrationSet {
    fn lock(&self) -> MutexGuard<'_, Synced> {
        // Every critical section leaves `Synced` consistent before anything that can panic
        // (allocation aside, which aborts), so a poisoned lock holds valid data.
        self.synced.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot with index `index`, if its page exists.
    #[inline]
    fn try_slot(&self, index: usize) -> Option<&ScheduledIo> {
        let at = SlotIndex::of(index);
        self.pages.get(at.page)?.get()?.get(at.offset)
    }

    /// Frees the slot `token` names, if it still holds that generation; the caller holds
    /// the lock (`synced`).
    fn free_slot(&self, synced: &mut Synced, token: usize) -> bool {
        let Some(io) = self.get(token) else {
            return false;
        };
        let index = index_of(token);
        io.set_token(self::token(index, generation_of(token).wrapping_add(1)));
        synced.free.push(index);
        true
    }

    /// Takes a free slot, resets it and returns a hold on it (its token is in the slot).
    ///
    /// # Errors
    /// After shutdown, the "shutting down" error; with every slot in use, `OutOfMemory`.
    pub(crate) fn allocate(&self) -> io::Result<SlotRef> {
        let mut synced = self.lock();
        if synced.is_shutdown {
            return Err(io::Error::other(crate::REGISTER_AFTER_SHUTDOWN_MESSAGE));
        }
        let index = match synced.free.pop() {
            Some(index) => index,
            None if synced.len < MAX_SLOTS => {
                synced.len += 1;
                synced.len - 1
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
        let at = SlotIndex::of(index);
        // A page is created by its first slot's allocation, under the lock, so by one thread.
        let page = self.pages[at.page].get_or_init(|| {
            let first = page_start(at.page);
            (0..page_len(at.page))
                .map(|i| ScheduledIo::new(token(first + i, 0)))
                .collect()
        });
        let slot = SlotRef {
            page: page.clone(),
            offset: at.offset,
        };
        slot.get().reset();
        Ok(slot)
    }

    /// Queues `io`'s slot for release (its registration is being dropped).
    ///
    /// Returns `(should_unpark, freed_now)`: `should_unpark` when this release made the queue
    /// reach [`NOTIFY_AFTER`], so the driver should turn and free them; `freed_now` is 1 if the
    /// slot was freed at once (after shutdown).
    pub(crate) fn deregister(&self, io: &ScheduledIo) -> (bool, usize) {
        let mut synced = self.lock();
        if synced.is_shutdown {
            let freed = self.free_slot(&mut synced, io.token());
            return (false, usize::from(freed));
        }
        synced.pending_release.push(io.token());
        let pending = synced.pending_release.len();
        self.num_pending_release.store(pending, Ordering::Release);
        (pending == NOTIFY_AFTER, 0)
    }

    /// Frees `io`'s slot at once, for a source whose selector registration failed: no event
    /// can name a token the kernel never saw, so there is nothing to wait for.
    pub(crate) fn cancel(&self, io: &ScheduledIo) {
        let mut synced = self.lock();
        self.free_slot(&mut synced, io.token());
    }

    /// Whether any release is queued (one atomic load, no lock).
    #[inline]
    pub(crate) fn needs_release(&self) -> bool {
        self.num_pending_release.load(Ordering::Acquire) != 0
    }

    /// Frees every queued slot; returns how many. Driver only, between turns.
    ///
    /// The single place slots are released in normal operation (the trace point for
    /// "registration release").
    pub(crate) fn release(&self) -> usize {
        self.free_pending(&mut self.lock())
    }

    /// Frees every slot queued in `synced` (the caller holds the lock); returns how many.
    fn free_pending(&self, synced: &mut Synced) -> usize {
        let mut pending = std::mem::take(&mut synced.pending_release);
        self.num_pending_release.store(0, Ordering::Release);
        let freed = pending
            .iter()
            .filter(|&&token| self.free_slot(synced, token))
            .count();
        trace!(
            Layer::Reactor,
            "RegistrationSet::release: freed {freed} of {} queued slots, tokens {:?}",
            pending.len(),
            pending
        );
        // Give the (now empty) buffer back so steady-state releases do not allocate.
        pending.clear();
        synced.pending_release = pending;
        freed
    }

    /// The live source an event's token names: `None` for [`WAKE_TOKEN`], for a token whose
    /// generation no longer matches its slot (the source was released), or for a slot never
    /// handed out. Lock-free (see the module docs for why no free can race with its caller).
    #[inline]
    pub(crate) fn get(&self, token: usize) -> Option<&ScheduledIo> {
        // `WAKE_TOKEN` names page `PAGE_MASK`, past the last page: `None` without a check of
        // its own.
        let at = slot_of(token);
        let io = self.pages.get(at.page)?.get()?.get(at.offset)?;
        (io.token() == token).then_some(io)
    }

    /// Refuses further allocations, frees the slots still queued for release (no turn may come
    /// to do it), and returns every live `ScheduledIo` (for the caller to shut down outside the
    /// lock) with the number of slots freed; `None` if this was already done.
    pub(crate) fn shutdown(&self) -> Option<(Vec<&ScheduledIo>, usize)> {
        let mut synced = self.lock();
        if synced.is_shutdown {
            return None;
        }
        synced.is_shutdown = true;
        let freed = self.free_pending(&mut synced);
        let mut free = std::mem::take(&mut synced.free);
        free.sort_unstable();
        let live = (0..synced.len)
            .filter(|index| free.binary_search(index).is_err())
            .filter_map(|index| self.try_slot(index))
            .collect();
        synced.free = free;
        Some((live, freed))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn allocate(set: &RegistrationSet) -> &ScheduledIo {
        let slot = set.allocate().unwrap();
        // The set keeps the page alive too: borrow it from the set, not from `slot`.
        set.get(slot.get().token()).unwrap()
    }

    #[test]
    fn released_slot_is_reused_with_a_new_generation() {
        let set = RegistrationSet::default();
        let a = allocate(&set);
        let old = a.token();
        assert!(set.get(old).is_some());
        assert_eq!(set.deregister(a), (false, 0));
        // Queued, not yet freed: events still resolve.
        assert!(set.get(old).is_some());
        assert_eq!(set.release(), 1);
        assert!(set.get(old).is_none());

        let b = allocate(&set);
        assert_eq!(index_of(b.token()), index_of(old), "LIFO reuse of the slot");
        assert_ne!(b.token(), old);
        assert!(set.get(old).is_none(), "stale token must not resolve");
        assert!(std::ptr::eq(set.get(b.token()).unwrap(), b));
        assert_ne!(b.token(), WAKE_TOKEN);
        assert!(set.get(WAKE_TOKEN).is_none());
    }

    #[test]
    fn unpark_is_requested_once_per_batch_and_shutdown_refuses() {
        let set = RegistrationSet::default();
        let ios: Vec<_> = (0..NOTIFY_AFTER).map(|_| allocate(&set)).collect();
        let asks: Vec<bool> = ios.iter().map(|io| set.deregister(io).0).collect();
        assert_eq!(asks.iter().filter(|&&a| a).count(), 1);
        assert!(asks[NOTIFY_AFTER - 1]);
        assert!(set.needs_release());
        assert_eq!(set.release(), NOTIFY_AFTER);
        assert!(!set.needs_release());

        let live = allocate(&set);
        let queued = allocate(&set);
        set.deregister(queued);
        // The queued slot is freed by shutdown itself; only `live` is returned.
        let (returned, freed) = set.shutdown().unwrap();
        assert_eq!((returned.len(), freed), (1, 1));
        assert!(std::ptr::eq(returned[0], live));
        assert!(set.shutdown().is_none());
        let err = set.allocate().unwrap_err();
        assert_eq!(err.to_string(), crate::REGISTER_AFTER_SHUTDOWN_MESSAGE);
        // After shutdown a release is immediate.
        assert_eq!(set.deregister(live), (false, 1));
    }

    #[test]
    fn pages_hold_every_index_once() {
        // Indices map onto pages without gaps or overlaps, up to the last index.
        // Three groups of pages and the first page of the fourth.
        let mut expected = SlotIndex { page: 0, offset: 0 };
        for index in 0..page_start(3 << PAGE_SPLIT_BITS) + 1 {
            assert_eq!(SlotIndex::of(index), expected, "index {index}");
            if expected.offset == 0 {
                assert_eq!(page_start(expected.page), index, "page {}", expected.page);
            }
            expected.offset += 1;
            if expected.offset == page_len(expected.page) {
                expected = SlotIndex {
                    page: expected.page + 1,
                    offset: 0,
                };
            }
        }
        let last = SlotIndex::of(MAX_SLOTS - 1);
        assert_eq!(last.page, PAGES - 1);
        assert!(last.offset < page_len(last.page));
        assert_eq!(page_start(last.page) + last.offset, MAX_SLOTS - 1);
        // Growing past the first page keeps earlier slots where they were.
        let set = RegistrationSet::default();
        let first: *const ScheduledIo = allocate(&set);
        for _ in 0..page_len(0) + 1 {
            allocate(&set);
        }
        assert!(std::ptr::eq(set.get(token(0, 0)).unwrap(), first));
        assert!(set.get(token(page_len(0), 0)).is_some());
        // Slots past the last handed out exist once their page does, but hold no token an
        // event could carry until allocated.
        assert_eq!(set.lock().len, page_len(0) + 2);
    }

    #[test]
    fn allocated_slots_exceed_the_sources_by_at_most_an_eighth() {
        // Every slot of a page is initialised (resident) when the page is created: with `n`
        // sources, the pages up to the one holding index `n - 1` hold at most
        // `n + (n + 256) / 8` slots (pages that doubled would hold up to `2n`).
        let allocated = |n: usize| {
            let last = SlotIndex::of(n - 1);
            page_start(last.page) + page_len(last.page)
        };
        let checked = if cfg!(miri) { 3_000 } else { 100_000 };
        for n in (1..checked).chain([MAX_SLOTS / 2, MAX_SLOTS]) {
            assert!(
                allocated(n) <= n + (n + 256) / 8,
                "{n} sources: {}",
                allocated(n)
            );
        }
        assert_eq!(allocated(10_000), 11_008);
    }

    #[test]
    fn a_cancelled_slot_is_reused_and_its_token_is_stale() {
        let set = RegistrationSet::default();
        let a = allocate(&set);
        let old = a.token();
        set.cancel(a);
        assert!(set.get(old).is_none());
        let b = allocate(&set);
        assert!(std::ptr::eq(a, b));
        assert_ne!(b.token(), old);
    }

    #[test]
    fn token_layout_round_trips() {
        let t = token(MAX_SLOTS - 1, GENERATION_MASK);
        assert_eq!(index_of(t), MAX_SLOTS - 1);
        assert_eq!(generation_of(t), GENERATION_MASK);
        assert_ne!(t, WAKE_TOKEN);
        // The last page is as large as the offset bits allow, and no page is `WAKE_TOKEN`'s.
        assert_eq!(slot_of(t).page, PAGES - 1);
        assert_eq!(page_len(PAGES - 1), 1 << OFFSET_BITS);
        assert!(slot_of(WAKE_TOKEN).page >= PAGES);
        // A token names the slot its index lives in, whatever the generation.
        let checked = if cfg!(miri) { 2_000 } else { 200_000 };
        for index in (0..checked).chain([MAX_SLOTS / 2, MAX_SLOTS - 1]) {
            let t = token(index, index);
            assert_eq!(slot_of(t), SlotIndex::of(index), "index {index}");
            assert_eq!(index_of(t), index);
            assert_eq!(generation_of(t), index & GENERATION_MASK);
        }
    }
}
