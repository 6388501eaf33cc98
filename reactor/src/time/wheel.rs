//! The hierarchical timing wheel: a pure data structure over a fake clock.
//!
//! Time is counted in nanoseconds since the driver's origin (a `u64` lasts 584 years). The
//! wheel files entries by *tick* (one millisecond, [`TICK_NS`]) but keeps every entry's exact
//! nanosecond deadline, and never fires an entry before it:
//!
//! ```text
//! level  slot width   covers (64 slots)
//!   0    1 ms         64 ms
//!   1    64 ms        ~4.1 s
//!   2    ~4.1 s       ~4.4 min
//!   3    ~4.4 min     ~4.7 h
//!   4    ~4.7 h       ~12.4 days
//!   5    ~12.4 days   ~2.2 years (64^6 ms); anything later waits in the farthest slot
//! ```
//!
//! An entry goes to the lowest level whose current 64-slot window contains its tick (the
//! highest bit where tick and `elapsed` differ picks the level). As `elapsed` reaches a slot
//! of level > 0, the slot's entries *cascade*: each is re-filed relative to the new `elapsed`,
//! landing on a lower level (or on the due list if its deadline has passed). Level-0 slots
//! are one tick wide, so the exact deadline only matters there: [`Wheel::next_wake`] returns
//! the smallest exact deadline of the first occupied level-0 slot, which the driver hands to
//! `epoll_pwait2` with nanosecond precision, and [`Wheel::advance`] fires, in the slot that
//! holds "now", only the entries whose deadline is `<= now`.
//!
//! Finding the next occupied slot costs six `rotate_right` + `trailing_zeros` on the per-level
//! occupancy bitmaps; no operation scans all timers. The only scan is of one level-0 slot
//! (the timers due within the same millisecond), and only when its cached minimum deadline
//! (`min0`) may be stale because its holder left.
//!
//! # Invariants
//!
//! 1. Bit `s` of `occupied[l]` is set iff slot `(l, s)` is not empty.
//! 2. `elapsed <= now / TICK_NS`; every entry in a slot has `deadline > now` (not yet due);
//!    the due list holds entries found due but not yet handed out.
//! 3. No entry sits in a slot that starts after its deadline tick: it is never fired late by
//!    the wheel. Level-0 entries sit exactly at their tick. An entry beyond the top level's
//!    reach waits in the farthest top slot and is re-filed when that slot comes up.
//! 4. `min0[s]` is a lower bound of the deadlines in level-0 slot `s` (`u64::MAX` if empty),
//!    and exact unless bit `s` of `stale0` is set.
//! 5. Level-0 slots are never "behind" `elapsed` (slot index >= elapsed's level-0 digit);
//!    only the top level wraps into its next rotation.

use std::task::{Poll, Waker};

use super::entry::{Entries, Key, List, Place, NIL};

/// Number of levels.
pub(crate) const LEVELS: usize = 6;
/// Slots per level (one bit each in a `u64` bitmap).
const SLOTS: usize = 64;
/// `log2(SLOTS)`.
const SLOT_BITS: u32 = 6;
/// Width of a level-0 slot in nanoseconds: one millisecond.
pub(crate) const TICK_NS: u64 = 1_000_000;
/// The id of the due list, after the `LEVELS * SLOTS` slot lists.
const DUE: usize = LEVELS * SLOTS;

/// The deadline has already passed (or the driver shut down): the timer is complete and was
/// not filed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Expired;

/// The wheel (see the module docs).
#[derive(Debug)]
pub(crate) struct Wheel {
    entries: Entries,
    /// `LEVELS * SLOTS` slot lists, then the due list.
    lists: Box<[List; DUE + 1]>,
    occupied: [u64; LEVELS],
    min0: [u64; SLOTS],
    stale0: u64,
    /// Ticks fully processed: the wheel's "current time" for filing.
    elapsed: u64,
    /// The latest `now` given to [`Wheel::advance`], in nanoseconds.
    now: u64,
    /// The wake-up time the driver last committed to (from [`Wheel::next_wake`]), or
    /// `u64::MAX` if it sleeps with no timeout. A timer due before it must unpark the driver.
    armed: u64,
    shutdown: bool,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            entries: Entries::new(),
            lists: Box::new([List::EMPTY; DUE + 1]),
            occupied: [0; LEVELS],
            min0: [u64::MAX; SLOTS],
            stale0: 0,
            elapsed: 0,
            now: 0,
            armed: u64::MAX,
            shutdown: false,
        }
    }

    /// Number of timers registered and not yet freed by their owner (pending or fired).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.live()
    }

    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown
    }

    /// Registers a timer due at `deadline` (ns). `Err(Expired)` if it is already due relative
    /// to the last `advance` (or the wheel is shut down): nothing was filed.
    ///
    /// On success, also says whether the driver must be unparked: the timer is due before the
    /// time the driver is sleeping towards.
    pub(crate) fn insert(
        &mut self,
        deadline: u64,
        waker: Option<Waker>,
    ) -> Result<(Key, bool), Expired> {
        if self.shutdown || deadline <= self.now {
            return Err(Expired);
        }
        let key = self.entries.alloc(deadline, waker);
        self.file(key.index());
        Ok((key, self.take_unpark(deadline)))
    }

    /// Moves a registered timer (pending or fired) to a new deadline. `Err` returns the entry's
    /// waker when the new deadline is already due: the entry is then freed and the key dead.
    pub(crate) fn reset(&mut self, key: Key, deadline: u64) -> Result<bool, Option<Waker>> {
        let Some(index) = self.entries.lookup(key) else {
            debug_assert!(false, "reset with a stale timer key");
            return Err(None);
        };
        self.unlink(index);
        if self.shutdown || deadline <= self.now {
            return Err(self.entries.free(index));
        }
        self.entries.get_mut(index).deadline = deadline;
        self.file(index);
        Ok(self.take_unpark(deadline))
    }

    /// `Ready` (and the key freed) if the timer has fired; otherwise stores `waker` (unless an
    /// equivalent one is already there) and returns `Pending`.
    pub(crate) fn poll(&mut self, key: Key, waker: &Waker) -> Poll<()> {
        let Some(index) = self.entries.lookup(key) else {
            debug_assert!(false, "poll with a stale timer key");
            return Poll::Ready(());
        };
        let e = self.entries.get_mut(index);
        if e.place == Place::Fired {
            // Fired entries carry no waker (it was handed out), so nothing is dropped here.
            let _ = self.entries.free(index);
            return Poll::Ready(());
        }
        match &mut e.waker {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        Poll::Pending
    }

    /// Whether the timer has fired (without consuming anything).
    pub(crate) fn has_fired(&self, key: Key) -> bool {
        self.entries
            .lookup(key)
            .is_none_or(|i| self.entries.get(i).place == Place::Fired)
    }

    /// Cancels and frees a timer, O(1). Returns its waker so the caller can drop it after
    /// unlocking (dropping a waker may run arbitrary code).
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        let index = self.entries.lookup(key)?;
        self.unlink(index);
        self.entries.free(index)
    }

    /// Moves everything due at `now` (ns) to the due list, cascading higher levels on the way.
    /// Cost: O(levels) plus O(1) per entry moved, plus one scan of the current level-0 slot if
    /// its cached minimum says something in it may be due.
    pub(crate) fn advance(&mut self, now: u64) {
        let now = now.max(self.now);
        self.now = now;
        let now_tick = now / TICK_NS;
        while let Some((level, slot, start)) = self.first_occupied() {
            if start > now_tick {
                break;
            }
            if level == 0 && start == now_tick {
                // The slot holding "now": only part of it may be due.
                self.elapsed = now_tick;
                self.expire_part(slot, now);
                break;
            }
            debug_assert!(start >= self.elapsed || level == 0);
            self.elapsed = self.elapsed.max(start);
            // Every entry of a past level-0 slot is due; a higher slot's entries are due or
            // re-filed relative to the new `elapsed`, necessarily on a lower level, so this
            // loop never refills the list it drains.
            let id = level * SLOTS + slot;
            loop {
                let head = self.lists[id].head();
                if head == NIL {
                    break;
                }
                self.unlink(head);
                if self.entries.get(head).deadline <= now {
                    self.push_due(head);
                } else {
                    debug_assert!(level > 0, "a past level-0 slot held a future timer");
                    self.file(head);
                }
            }
        }
        self.elapsed = self.elapsed.max(now_tick);
    }

    /// Takes the next due timer off the due list, marking it fired. `Some(None)` is a due
    /// timer that was never polled (no waker).
    pub(crate) fn pop_due(&mut self) -> Option<Option<Waker>> {
        let head = self.lists[DUE].head();
        if head == NIL {
            return None;
        }
        self.unlink(head);
        Some(self.entries.get_mut(head).waker.take())
    }

    /// When the driver must wake next (ns since origin), or `None` with no timer pending;
    /// arms the unpark threshold at that time. May be `<= now` (wake at once).
    pub(crate) fn next_wake(&mut self) -> Option<u64> {
        let wake = self.compute_next_wake();
        self.armed = wake.unwrap_or(u64::MAX);
        wake
    }

    /// Shuts the wheel down: every pending timer is moved to the due list (the caller fires
    /// them), and every later insert or reset reports `Expired`.
    pub(crate) fn shutdown(&mut self) {
        self.shutdown = true;
        for level in 0..LEVELS {
            while self.occupied[level] != 0 {
                let slot = self.occupied[level].trailing_zeros() as usize;
                let id = level * SLOTS + slot;
                loop {
                    let head = self.lists[id].head();
                    if head == NIL {
                        break;
                    }
                    self.unlink(head);
                    self.push_due(head);
                }
            }
        }
    }

    fn compute_next_wake(&mut self) -> Option<u64> {
        if !self.lists[DUE].is_empty() {
            return Some(self.now);
        }
        let (level, slot, start) = self.first_occupied()?;
        if level > 0 {
            // Wake to cascade; the exact deadline is known once the entries reach level 0.
            return Some(start.saturating_mul(TICK_NS));
        }
        if self.stale0 & (1 << slot) != 0 {
            self.min0[slot] = self.scan_min(slot);
            self.stale0 &= !(1 << slot);
        }
        Some(self.min0[slot])
    }

    /// Unpark iff the new deadline beats the driver's current wake-up time; lowering `armed`
    /// coalesces: later, later-due inserts do not unpark again.
    fn take_unpark(&mut self, deadline: u64) -> bool {
        if deadline < self.armed {
            self.armed = deadline;
            true
        } else {
            false
        }
    }

    /// The first occupied slot in time order: `(level, slot, start tick)`. Any occupied
    /// level-0 slot comes before every higher slot, so the lowest occupied level decides.
    fn first_occupied(&self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            let pos = ((self.elapsed >> shift) as u32) & (SLOTS as u32 - 1);
            let slot = (pos + occupied.rotate_right(pos).trailing_zeros()) & (SLOTS as u32 - 1);
            let width = 1u64 << shift;
            let span = width << SLOT_BITS;
            let mut start = (self.elapsed & !(span - 1)) + u64::from(slot) * width;
            if slot < pos {
                // Only the top level wraps: the slot belongs to its next rotation.
                start += span;
            }
            return Some((level, slot as usize, start));
        }
        None
    }

    /// `(level, slot)` for an entry due at `tick >= elapsed`.
    fn slot_for(&self, tick: u64) -> (usize, usize) {
        debug_assert!(tick >= self.elapsed);
        let mask = SLOTS as u64 - 1;
        let masked = (self.elapsed ^ tick) | mask;
        let level = ((63 - masked.leading_zeros()) / SLOT_BITS) as usize;
        if level < LEVELS - 1 {
            let slot = (tick >> (SLOT_BITS * level as u32)) & mask;
            return (level, slot as usize);
        }
        // Top level: 63 slots ahead of the current one are reachable; anything farther
        // waits in the farthest slot (which starts before its deadline) and is re-filed.
        let shift = SLOT_BITS * (LEVELS as u32 - 1);
        let ahead = (tick >> shift) - (self.elapsed >> shift);
        let top = if ahead < SLOTS as u64 {
            tick >> shift
        } else {
            (self.elapsed >> shift) + mask
        };
        (LEVELS - 1, (top & mask) as usize)
    }

    /// Files an unlinked entry in its slot.
    fn file(&mut self, index: u32) {
        let deadline = self.entries.get(index).deadline;
        let (level, slot) = self.slot_for(deadline / TICK_NS);
        let id = level * SLOTS + slot;
        self.entries
            .push_back(&mut self.lists[id], id as u16, index);
        self.occupied[level] |= 1 << slot;
        if level == 0 && deadline < self.min0[slot] {
            self.min0[slot] = deadline;
        }
    }

    fn push_due(&mut self, index: u32) {
        self.entries
            .push_back(&mut self.lists[DUE], DUE as u16, index);
    }

    /// Unlinks an entry from whatever list holds it (no-op if fired), keeping the bitmaps and
    /// `min0` true.
    fn unlink(&mut self, index: u32) {
        let Place::Linked(id) = self.entries.get(index).place else {
            return;
        };
        let id = usize::from(id);
        self.entries.unlink(&mut self.lists[id], index);
        if id == DUE {
            return;
        }
        let (level, slot) = (id / SLOTS, id % SLOTS);
        if self.lists[id].is_empty() {
            self.occupied[level] &= !(1 << slot);
            if level == 0 {
                self.min0[slot] = u64::MAX;
                self.stale0 &= !(1 << slot);
            }
        } else if level == 0 && self.entries.get(index).deadline == self.min0[slot] {
            self.stale0 |= 1 << slot;
        }
    }

    /// Fires the due part of the level-0 slot holding "now", and refreshes its minimum.
    fn expire_part(&mut self, slot: usize, now: u64) {
        if self.min0[slot] > now {
            return; // a lower bound: nothing in the slot is due
        }
        let mut min = u64::MAX;
        let mut i = self.lists[slot].head();
        while i != NIL {
            let next = self.entries.next_of(i);
            let deadline = self.entries.get(i).deadline;
            if deadline <= now {
                self.unlink(i);
                self.push_due(i);
            } else {
                min = min.min(deadline);
            }
            i = next;
        }
        if !self.lists[slot].is_empty() {
            self.min0[slot] = min;
            self.stale0 &= !(1 << slot);
        }
    }

    fn scan_min(&self, slot: usize) -> u64 {
        let mut min = u64::MAX;
        let mut i = self.lists[slot].head();
        while i != NIL {
            min = min.min(self.entries.get(i).deadline);
            i = self.entries.next_of(i);
        }
        min
    }

    /// Test view: `(level, slot)` of a pending entry.
    #[cfg(test)]
    fn place_of(&self, key: Key) -> Option<(usize, usize)> {
        let index = self.entries.lookup(key)?;
        match self.entries.get(index).place {
            Place::Linked(id) if usize::from(id) < DUE => {
                Some((usize::from(id) / SLOTS, usize::from(id) % SLOTS))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
