//! [`WaiterList`]: the intrusive doubly-linked list of [`Readiness`](crate::Readiness) futures
//! waiting on one [`ScheduledIo`](crate::ScheduledIo).
//!
//! *Intrusive*: each node ([`Waiter`]) lives inside the future that waits, not in a heap
//! allocation owned by the list, so waiting allocates nothing and any number of tasks can wait
//! on one source. The price is raw pointers, and so the invariants below.
//!
//! # Invariants (what makes every `unsafe` block here sound)
//!
//! 1. **Locked.** A `WaiterList` lives only inside the `ScheduledIo`'s waiter mutex, and every
//!    node's link fields and payload are read or written only while that mutex is held (so a
//!    `&mut WaiterList` implies exclusive access to every node in it).
//! 2. **Alive and pinned while linked.** A node is linked by [`WaiterList::push_back`] from a
//!    `Pin<&mut Readiness>`: it cannot move, and the future's drop unlinks it (under the lock)
//!    before its memory is released. So every pointer in the list points to a live node.
//! 3. **Linked at most once.** `is_ready == false` on a `Waiting` future ⇔ linked. The waking
//!    side sets `is_ready = true` in the same critical section in which it unlinks the node,
//!    so neither side unlinks twice.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use crate::ready::Ready;
use crate::wake_list::WakeList;

/// One waiting [`Readiness`](crate::Readiness) future's node.
#[derive(Debug)]
pub(crate) struct Waiter {
    prev: Option<NonNull<Waiter>>,
    next: Option<NonNull<Waiter>>,
    /// The task to wake; taken by the waking side.
    pub(crate) waker: Option<Waker>,
    /// The flags this waiter is woken by ([`Ready::from_interest`]).
    pub(crate) mask: Ready,
    /// Set by the waking side when it unlinks this node (readiness arrived, or shutdown).
    pub(crate) is_ready: bool,
    /// Linked nodes are pointed to: they must never move.
    _pin: PhantomPinned,
}

impl Waiter {
    pub(crate) fn new(mask: Ready) -> Waiter {
        Waiter {
            prev: None,
            next: None,
            waker: None,
            mask,
            is_ready: false,
            _pin: PhantomPinned,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct WaiterList {
    head: Option<NonNull<Waiter>>,
    tail: Option<NonNull<Waiter>>,
    len: usize,
}

// SAFETY: the list holds pointers to nodes inside futures that may live on other threads. By
// invariant 1 they are only dereferenced by whoever holds the waiter mutex that owns the list,
// one thread at a time, and a node's payload (a `Waker`, a `Ready`, a `bool`) is `Send`.
unsafe impl Send for WaiterList {}

impl WaiterList {
    /// How many waiters are linked (tests check that dropped futures unlink).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no waiter is linked (the wake path skips its batch then).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Links `node` at the tail.
    ///
    /// # Safety
    /// `node` points to a live `Waiter` that is not linked in any list, and the caller
    /// guarantees invariant 2: it stays at this address and alive until it is unlinked.
    pub(crate) unsafe fn push_back(&mut self, node: NonNull<Waiter>) {
        // SAFETY: the caller gives us a live node nobody else links; we hold the lock
        // (`&mut self`), so no other thread reads it now.
        let waiter = unsafe { &mut *node.as_ptr() };
        waiter.prev = self.tail;
        waiter.next = None;
        match self.tail {
            // SAFETY: `tail` is linked, hence live (invariant 2), and we hold the lock.
            Some(tail) => unsafe { (*tail.as_ptr()).next = Some(node) },
            None => self.head = Some(node),
        }
        self.tail = Some(node);
        self.len += 1;
    }

    /// Unlinks `node`.
    ///
    /// # Safety
    /// `node` is currently linked in *this* list.
    pub(crate) unsafe fn remove(&mut self, node: NonNull<Waiter>) {
        // SAFETY: the node is linked here (caller), hence live (invariant 2); lock held.
        let waiter = unsafe { &mut *node.as_ptr() };
        match waiter.prev {
            // SAFETY: a linked node's neighbours are linked, hence live; lock held.
            Some(prev) => unsafe { (*prev.as_ptr()).next = waiter.next },
            None => self.head = waiter.next,
        }
        match waiter.next {
            // SAFETY: as above.
            Some(next) => unsafe { (*next.as_ptr()).prev = waiter.prev },
            None => self.tail = waiter.prev,
        }
        waiter.prev = None;
        waiter.next = None;
        self.len -= 1;
    }

    /// Unlinks every waiter whose mask meets `ready`, marks it ready and moves its waker into
    /// `wakers`, until `wakers` is full.
    ///
    /// Returns `true` if it stopped because the batch filled (the caller wakes the batch with
    /// the lock released, re-locks and calls again). Woken nodes are unlinked, so the next call
    /// starts from the head without seeing them again; only non-matching nodes are re-scanned.
    pub(crate) fn drain_matching(&mut self, ready: Ready, wakers: &mut WakeList) -> bool {
        let mut cursor = self.head;
        while let Some(node) = cursor {
            if !wakers.can_push() {
                return true;
            }
            // SAFETY: `node` is linked (reached from `head` through links), hence live by
            // invariant 2; `&mut self` means the lock is held (invariant 1). The shared
            // references end within this statement, before `remove` writes to the node.
            let (next, mask) = unsafe { (node.as_ref().next, node.as_ref().mask) };
            cursor = next;
            if mask.intersection(ready).is_empty() {
                continue;
            }
            // SAFETY: `node` is linked in this list (we just reached it from `head`).
            unsafe { self.remove(node) };
            // SAFETY: unlinked but still alive — its future cannot be freed without taking the
            // lock we hold (invariant 2) — and no other reference to it exists now.
            let waiter = unsafe { &mut *node.as_ptr() };
            // Same critical section as the unlink: invariant 3.
            waiter.is_ready = true;
            if let Some(waker) = waiter.waker.take() {
                wakers.push(waker);
            }
        }
        false
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn push_remove_drain_keep_links_consistent() {
        // Leaked boxes: each node has a stable address until freed at the end (invariant 2),
        // and is reached only through these pointers.
        let ptrs: Vec<NonNull<Waiter>> = (0..5)
            .map(|i| {
                let mask = if i % 2 == 0 {
                    Ready::READABLE
                } else {
                    Ready::WRITABLE
                };
                NonNull::from(Box::leak(Box::new(Waiter::new(mask))))
            })
            .collect();
        // SAFETY: the node is live (freed only at the end) and not being written.
        let is_ready = |i: usize| unsafe { ptrs[i].as_ref().is_ready };
        let mut list = WaiterList::default();
        for &p in &ptrs {
            // SAFETY: each node is live, unlinked, and outlives the list's use of it.
            unsafe { list.push_back(p) };
        }
        assert_eq!(list.len(), 5);
        // SAFETY: node 2 was linked above and not removed since.
        unsafe { list.remove(ptrs[2]) };
        assert_eq!(list.len(), 4);

        let mut wakers = WakeList::new();
        assert!(!list.drain_matching(Ready::READABLE, &mut wakers));
        // Nodes 0 and 4 were readable waiters; 1 and 3 stay linked.
        assert_eq!(list.len(), 2);
        assert!(is_ready(0) && is_ready(4));
        assert!(!is_ready(1) && !is_ready(3) && !is_ready(2));
        assert!(!list.drain_matching(Ready::ALL, &mut wakers));
        assert_eq!(list.len(), 0);
        assert!(list.head.is_none() && list.tail.is_none());
        for p in ptrs {
            // SAFETY: every node is unlinked and came from `Box::leak` above; freed once.
            drop(unsafe { Box::from_raw(p.as_ptr()) });
        }
    }
}
