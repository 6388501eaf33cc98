//! [`List`]: the intrusive FIFO of waiting futures every primitive in this crate queues on, and
//! [`WakeBatch`], the wakers taken under a lock and woken after it.
//!
//! *Intrusive*: each node ([`Node`]) lives inside the future that waits, not in an allocation
//! owned by the list, so waiting allocates nothing and any number of tasks can wait. The price
//! is raw pointers, and so the invariants below. The reactor's `waiter_list.rs` is the same
//! idea specialised to readiness masks; this one is generic over the payload `T` (a semaphore
//! waiter carries the permits it still needs, a `Notify` waiter its notification), and keeps
//! every mutable field in an `UnsafeCell` or an atomic so that the list, the waking side and
//! the owning future only ever hold *shared* references to a node.
//!
//! # Invariants (what makes every `unsafe` block here and in the users sound)
//!
//! 1. **Locked.** A `List` lives inside a [`Mutex`](crate::loom::Mutex). A node's links are read
//!    or written only while that mutex is held; so is every non-atomic field of its payload
//!    while the node is linked.
//! 2. **Alive and pinned while linked.** A node is linked only from a pinned future, and that
//!    future's `Drop` unlinks it (taking the lock) before its memory is released. The waking
//!    side may instead unlink it and then *publish* that it did (an atomic store in the payload
//!    with `Release`); after that store the waking side never touches the node again, and the
//!    owner, having seen the store with `Acquire`, may free it without locking.
//! 3. **Linked at most once, into one list.** Each user keeps a flag (or a payload state)
//!    saying whether its node is linked, changed only under the lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::task::Waker;

/// The links of one node; touched only under the owning list's lock (invariant 1).
struct Links<T> {
    prev: Option<NonNull<Node<T>>>,
    next: Option<NonNull<Node<T>>>,
}

/// One waiting future's node: links plus the payload `T`.
pub(crate) struct Node<T> {
    links: UnsafeCell<Links<T>>,
    /// The payload: the waker and whatever the primitive hands over (atomics and cells).
    pub(crate) value: T,
    /// Linked nodes are pointed to: they must never move.
    _pin: PhantomPinned,
}

// SAFETY: the links are only touched under the list's lock (invariant 1), so sharing a node
// between the owner's thread and the waking thread is sound when the payload itself is.
unsafe impl<T: Sync> Sync for Node<T> {}
// SAFETY: moving a node to another thread moves its payload; the links are plain pointers
// that are only followed under the list's lock.
unsafe impl<T: Send> Send for Node<T> {}

impl<T> Node<T> {
    pub(crate) const fn new(value: T) -> Node<T> {
        Node {
            links: UnsafeCell::new(Links {
                prev: None,
                next: None,
            }),
            value,
            _pin: PhantomPinned,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Node<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node").field("value", &self.value).finish()
    }
}

/// An intrusive doubly-linked list of [`Node`]s, oldest at the head.
pub(crate) struct List<T> {
    head: Option<NonNull<Node<T>>>,
    tail: Option<NonNull<Node<T>>>,
}

// SAFETY: the list holds pointers to nodes inside futures that may live on other threads. By
// invariant 1 they are only followed by whoever holds the mutex that owns the list, one thread
// at a time, and the payload is `Send`.
unsafe impl<T: Send> Send for List<T> {}

impl<T> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("List")
            .field("is_empty", &self.is_empty())
            .finish()
    }
}

impl<T> List<T> {
    pub(crate) const fn new() -> List<T> {
        List {
            head: None,
            tail: None,
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// The oldest node.
    pub(crate) fn front(&self) -> Option<&Node<T>> {
        // SAFETY: a linked node is alive (invariant 2) and the borrow of the list keeps it
        // linked: unlinking needs `&mut List`, i.e. the same lock.
        self.head.map(|n| unsafe { &*n.as_ptr() })
    }

    /// Links `node` at the tail.
    ///
    /// # Safety
    /// `node` is not linked in any list, and stays at its address and alive until it is
    /// unlinked (invariant 2).
    pub(crate) unsafe fn push_back(&mut self, node: &Node<T>) {
        let ptr = NonNull::from(node);
        // SAFETY: we hold the lock (`&mut self`), and `node` is in no list, so nobody else
        // reads its links now.
        let links = unsafe { &mut *node.links.get() };
        links.prev = self.tail;
        links.next = None;
        match self.tail {
            // SAFETY: `tail` is linked, hence alive (invariant 2); lock held.
            Some(tail) => unsafe { (*tail.as_ref().links.get()).next = Some(ptr) },
            None => self.head = Some(ptr),
        }
        self.tail = Some(ptr);
    }

    /// Unlinks `node`.
    ///
    /// # Safety
    /// `node` is currently linked in *this* list.
    pub(crate) unsafe fn remove(&mut self, node: &Node<T>) {
        // SAFETY: the node is linked here (caller) and we hold the lock (`&mut self`).
        let links = unsafe { &mut *node.links.get() };
        match links.prev {
            // SAFETY: a linked node's neighbours are linked, hence alive; lock held.
            Some(prev) => unsafe { (*prev.as_ref().links.get()).next = links.next },
            None => self.head = links.next,
        }
        match links.next {
            // SAFETY: as above.
            Some(next) => unsafe { (*next.as_ref().links.get()).prev = links.prev },
            None => self.tail = links.prev,
        }
        links.prev = None;
        links.next = None;
    }

    /// Unlinks and returns the oldest node.
    ///
    /// The node stays alive only until the caller publishes to its owner that it was unlinked
    /// (invariant 2): that publication must be the caller's last use of the reference.
    pub(crate) fn pop_front(&mut self) -> Option<&Node<T>> {
        let head = self.head?;
        // SAFETY: `head` is linked, hence alive (invariant 2); its owner cannot free it before
        // it learns it was unlinked, which the caller publishes only after its last use.
        let node = unsafe { &*head.as_ptr() };
        // SAFETY: `node` is linked in this list (it is the head).
        unsafe { self.remove(node) };
        Some(node)
    }

    /// Unlinks and returns the newest node; see [`pop_front`](List::pop_front).
    pub(crate) fn pop_back(&mut self) -> Option<&Node<T>> {
        let tail = self.tail?;
        // SAFETY: as in `pop_front`, for the tail.
        let node = unsafe { &*tail.as_ptr() };
        // SAFETY: `node` is linked in this list (it is the tail).
        unsafe { self.remove(node) };
        Some(node)
    }
}

/// A waiting future's `Waker`, stored in its node: set by the owner, taken by the waking side,
/// both under the list's lock (invariant 1).
pub(crate) struct WakerSlot(UnsafeCell<Option<Waker>>);

// SAFETY: the slot is only read or written under the list's lock (each method's contract), so
// two threads never touch it at once; `Waker` is `Send + Sync`.
unsafe impl Sync for WakerSlot {}

impl WakerSlot {
    pub(crate) const fn new() -> WakerSlot {
        WakerSlot(UnsafeCell::new(None))
    }

    /// Stores `waker` unless the stored one already wakes the same task.
    ///
    /// # Safety
    /// The caller holds the lock of the list the node belongs to, or the node is in no list and
    /// only the caller can reach it.
    pub(crate) unsafe fn register(&self, waker: &Waker) {
        // SAFETY: exclusive access by the caller's contract.
        let slot = unsafe { &mut *self.0.get() };
        match slot {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Takes the stored waker.
    ///
    /// # Safety
    /// As for [`register`](WakerSlot::register).
    pub(crate) unsafe fn take(&self) -> Option<Waker> {
        // SAFETY: exclusive access by the caller's contract.
        unsafe { (*self.0.get()).take() }
    }
}

impl fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WakerSlot")
    }
}

/// How many wakers one [`WakeBatch`] holds.
const BATCH: usize = 32;

/// Wakers taken under a lock, woken once it is released.
///
/// `Waker::wake` runs arbitrary code (an executor's schedule, or the drop of a task that drops
/// one of our futures, which takes our lock again), so no waker is woken with a lock held.
/// The batch is fixed-size: when it is full the caller releases the lock, wakes it, re-locks
/// and continues.
///
/// Invariant: `wakers[..len]` are initialised and owned by the batch, `wakers[len..]` are not.
/// The slots are `MaybeUninit` so that making a batch costs nothing: a release usually wakes
/// one waiter, and building and dropping 32 `Option`s would cost more than that wake.
pub(crate) struct WakeBatch {
    wakers: [MaybeUninit<Waker>; BATCH],
    len: usize,
}

impl WakeBatch {
    #[inline]
    pub(crate) fn new() -> WakeBatch {
        WakeBatch {
            wakers: [const { MaybeUninit::uninit() }; BATCH],
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == BATCH
    }

    /// Adds `waker` if there is one; the caller checked [`is_full`](WakeBatch::is_full).
    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            // Indexing checks the bound: a push on a full batch panics instead of writing past
            // the array. Slot `len` is uninitialised (invariant): nothing is overwritten.
            self.wakers[self.len].write(waker);
            self.len += 1;
        }
    }

    /// Wakes and empties the batch.
    #[inline]
    pub(crate) fn wake_all(&mut self) {
        let len = std::mem::replace(&mut self.len, 0);
        for slot in &self.wakers[..len] {
            // SAFETY: slots below the old `len` are initialised (invariant); `len` is already 0,
            // so each is read out exactly once, and a panicking `wake` cannot make our `Drop`
            // read the rest again (they leak instead).
            unsafe { slot.assume_init_read() }.wake();
        }
    }
}

impl Drop for WakeBatch {
    fn drop(&mut self) {
        // Unwinding with wakers still queued: wake them rather than lose them.
        self.wake_all();
    }
}

/// Test support shared by the primitives' unit tests: a waker that counts its wakes.
#[cfg(all(test, not(loom)))]
pub(crate) mod test_waker {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    /// Counts the wakes of the wakers made from it.
    #[derive(Default)]
    pub(crate) struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A waker and the counter of its wakes.
    pub(crate) fn counting() -> (Waker, Arc<Counter>) {
        let counter = Arc::new(Counter::default());
        (Waker::from(counter.clone()), counter)
    }

    impl Counter {
        pub(crate) fn wakes(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn order(list: &mut List<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(node) = list.pop_front() {
            out.push(node.value);
        }
        out
    }

    #[test]
    fn fifo_remove_and_both_ends() {
        let nodes: Vec<Node<u32>> = (0..5).map(Node::new).collect();
        let mut list = List::new();
        assert!(list.is_empty());
        for n in &nodes {
            // SAFETY: each node is unlinked and outlives the list's use of it (it lives in
            // `nodes`, which is neither moved nor dropped before the list is emptied).
            unsafe { list.push_back(n) };
        }
        assert_eq!(list.front().map(|n| n.value), Some(0));
        // SAFETY: node 2 is linked in `list`.
        unsafe { list.remove(&nodes[2]) };
        assert_eq!(list.pop_back().map(|n| n.value), Some(4));
        assert_eq!(order(&mut list), [0, 1, 3]);
        assert!(list.is_empty() && list.tail.is_none());
        // Re-linking after removal works (links were reset).
        // SAFETY: as above; nodes 2 and 0 are unlinked now.
        unsafe {
            list.push_back(&nodes[2]);
            list.push_back(&nodes[0]);
        }
        assert_eq!(order(&mut list), [2, 0]);
    }

    #[test]
    fn wake_batch_wakes_each_once() {
        let (waker, count) = test_waker::counting();
        let mut batch = WakeBatch::new();
        while !batch.is_full() {
            batch.push(Some(waker.clone()));
        }
        batch.push(None);
        batch.wake_all();
        batch.wake_all();
        assert_eq!(count.wakes(), BATCH);
        assert!(!batch.is_full());
    }
}
