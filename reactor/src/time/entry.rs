//! Timer entries: a slab of records linked into doubly linked lists by index.
//!
//! Every pending timer is one [`Entry`] in a `Vec`. The wheel's slots and its "due" list are
//! [`List`]s whose links are `u32` indices into that `Vec`, so
//!
//! - inserting, moving and unlinking an entry is O(1) and needs no allocation once the slab
//!   has grown to the peak number of live timers;
//! - the `Vec` may reallocate freely: nothing points *into* it, only indices;
//! - a [`Sleep`](super::Sleep) holds a [`Key`] (index + generation), never a pointer, so it can
//!   move, and a stale key (a bug) is detected instead of touching someone else's entry.
//!
//! # Invariants
//!
//! Each entry is in exactly one [`Place`]:
//!
//! - `Free`: on the free list, threaded through `next`; `waker` is `None`.
//! - `Linked(id)`: in exactly the list `id`; `prev`/`next` are its neighbours in that list
//!   (`NIL` at the ends) and that list's `head`/`tail` reach it.
//! - `Fired`: in no list; the timer has expired (or the driver shut down) and its waker, if
//!   any, has been handed out to be woken. The owner observes this on its next poll.
//!
//! Only the owner of a key frees its entry ([`Entries::free`]); the wheel only moves entries
//! between places. So a key stays valid until its owner gives it back.

use std::task::Waker;

/// "No entry": the end of a list, or of the free list.
pub(super) const NIL: u32 = u32::MAX;

/// Names one entry of the slab for as long as its owner holds it.
///
/// The generation changes every time an entry is freed, so a key kept after `free` no longer
/// matches and [`Entries::lookup`] refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    index: u32,
    generation: u32,
}

/// Where an entry is (see the module invariants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Free,
    Linked(u16),
    Fired,
}

/// One timer.
#[derive(Debug)]
pub(super) struct Entry {
    /// The exact deadline, in nanoseconds since the wheel's origin.
    pub(super) deadline: u64,
    /// Woken when the timer fires; `None` until first polled, and after firing.
    pub(super) waker: Option<Waker>,
    pub(super) place: Place,
    prev: u32,
    next: u32,
    generation: u32,
}

/// A doubly linked list of entries (a wheel slot, or the due list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct List {
    head: u32,
    tail: u32,
}

impl Key {
    /// The slab index this key names.
    pub(super) fn index(self) -> u32 {
        self.index
    }
}

impl List {
    pub(super) const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    pub(super) fn head(&self) -> u32 {
        self.head
    }
}

/// The slab that owns every entry.
#[derive(Debug, Default)]
pub(super) struct Entries {
    slab: Vec<Entry>,
    free_head: u32,
    live: usize,
}

impl Entries {
    pub(super) fn new() -> Entries {
        Entries {
            slab: Vec::new(),
            free_head: NIL,
            live: 0,
        }
    }

    /// Number of entries not `Free` (linked or fired).
    #[cfg(test)]
    pub(super) fn live(&self) -> usize {
        self.live
    }

    /// Takes a free entry (or grows the slab) for a timer due at `deadline`. The entry starts
    /// `Fired` (in no list): the caller links it at once.
    pub(super) fn alloc(&mut self, deadline: u64, waker: Option<Waker>) -> Key {
        self.live += 1;
        if self.free_head != NIL {
            let index = self.free_head;
            let e = &mut self.slab[index as usize];
            debug_assert_eq!(e.place, Place::Free);
            self.free_head = e.next;
            e.deadline = deadline;
            e.waker = waker;
            e.place = Place::Fired;
            e.prev = NIL;
            e.next = NIL;
            return Key {
                index,
                generation: e.generation,
            };
        }
        // NIL is reserved, so at most u32::MAX entries; reaching it would need hundreds of
        // GiB of live timers, long after the allocator gave up.
        let index = u32::try_from(self.slab.len())
            .ok()
            .filter(|&i| i != NIL)
            .expect("more than 4 billion live timers");
        self.slab.push(Entry {
            deadline,
            waker,
            place: Place::Fired,
            prev: NIL,
            next: NIL,
            generation: 0,
        });
        Key {
            index,
            generation: 0,
        }
    }

    /// The index of `key`'s entry, or `None` if the key is stale.
    pub(super) fn lookup(&self, key: Key) -> Option<u32> {
        let e = self.slab.get(key.index as usize)?;
        (e.generation == key.generation && e.place != Place::Free).then_some(key.index)
    }

    /// Returns an entry (which must be in no list) to the free list, with its waker.
    pub(super) fn free(&mut self, index: u32) -> Option<Waker> {
        let free_head = self.free_head;
        let e = &mut self.slab[index as usize];
        debug_assert_eq!(e.place, Place::Fired, "free an entry still linked");
        e.place = Place::Free;
        e.generation = e.generation.wrapping_add(1);
        e.prev = NIL;
        e.next = free_head;
        self.free_head = index;
        self.live -= 1;
        e.waker.take()
    }

    pub(super) fn get(&self, index: u32) -> &Entry {
        &self.slab[index as usize]
    }

    pub(super) fn get_mut(&mut self, index: u32) -> &mut Entry {
        &mut self.slab[index as usize]
    }

    /// The entry after `index` in its list (`NIL` at the end).
    pub(super) fn next_of(&self, index: u32) -> u32 {
        self.slab[index as usize].next
    }

    /// Appends an unlinked entry to `list` (whose id is `id`).
    pub(super) fn push_back(&mut self, list: &mut List, id: u16, index: u32) {
        let tail = list.tail;
        let e = &mut self.slab[index as usize];
        debug_assert!(!matches!(e.place, Place::Linked(_) | Place::Free));
        e.place = Place::Linked(id);
        e.prev = tail;
        e.next = NIL;
        if tail == NIL {
            list.head = index;
        } else {
            self.slab[tail as usize].next = index;
        }
        list.tail = index;
    }

    /// Removes `index` from `list`, which must be the list it is linked in; it becomes `Fired`
    /// (in no list) until the caller places it again.
    pub(super) fn unlink(&mut self, list: &mut List, index: u32) {
        let e = &mut self.slab[index as usize];
        debug_assert!(matches!(e.place, Place::Linked(_)));
        let (prev, next) = (e.prev, e.next);
        e.place = Place::Fired;
        e.prev = NIL;
        e.next = NIL;
        if prev == NIL {
            list.head = next;
        } else {
            self.slab[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.slab[next as usize].prev = prev;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(entries: &Entries, list: &List) -> Vec<u32> {
        let mut out = Vec::new();
        let mut i = list.head();
        while i != NIL {
            out.push(i);
            i = entries.next_of(i);
        }
        out
    }

    #[test]
    fn link_unlink_keeps_both_directions() {
        let mut e = Entries::new();
        let mut list = List::EMPTY;
        let keys: Vec<Key> = (0..4).map(|d| e.alloc(d, None)).collect();
        for k in &keys {
            e.push_back(&mut list, 7, k.index);
        }
        assert_eq!(collect(&e, &list), vec![0, 1, 2, 3]);
        e.unlink(&mut list, 2); // middle
        e.unlink(&mut list, 0); // head
        e.unlink(&mut list, 3); // tail
        assert_eq!(collect(&e, &list), vec![1]);
        assert_eq!(list.tail, 1);
        e.unlink(&mut list, 1);
        assert!(list.is_empty());
        assert_eq!(list.tail, NIL);
    }

    #[test]
    fn free_bumps_generation_and_reuses_the_slot() {
        let mut e = Entries::new();
        let a = e.alloc(5, None);
        assert_eq!(e.live(), 1);
        e.free(a.index);
        assert_eq!(e.live(), 0);
        assert_eq!(e.lookup(a), None, "a freed key must be stale");
        let b = e.alloc(6, None);
        assert_eq!(b.index, a.index, "the free slot is reused");
        assert_ne!(b.generation, a.generation);
        assert_eq!(e.lookup(b), Some(b.index));
        assert_eq!(e.get(b.index).deadline, 6);
    }
}
