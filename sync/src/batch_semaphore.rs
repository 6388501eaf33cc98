//! The fair batch semaphore every lock in this crate (and the bounded `mpsc` channel) is built
//! on: FIFO, acquire any number of permits at once, cancel-safe.
//!
//! # Internal API (for `Mutex`, `RwLock`, `OnceCell`, `Semaphore` and the channels)
//!
//! * [`Semaphore::new(permits)`](Semaphore::new) (`const`), [`MAX_PERMITS`].
//! * [`Semaphore::acquire(n)`](Semaphore::acquire) → [`Acquire<'_>`](Acquire), a future of
//!   `Result<(), AcquireError>`: waits in FIFO order for `n` permits. Dropping it while pending
//!   gives back its place in the queue *and* every permit already assigned to it. It spends one
//!   unit of the coop budget when it completes.
//! * [`Semaphore::try_acquire(n)`](Semaphore::try_acquire) → `Result<(), TryAcquireError>`;
//!   never barges past a queued waiter.
//! * [`Semaphore::release(n)`](Semaphore::release): gives permits back (to the queue first).
//! * [`Semaphore::close`], [`Semaphore::is_closed`], [`Semaphore::available_permits`],
//!   [`Semaphore::forget_permits`].
//!
//! # The state word
//!
//! `state = permits << 2 | WAITERS | CLOSED`, and one mutex around the waiter [`List`].
//!
//! * `CLOSED` (bit 0): set once, under the lock, by [`close`](Semaphore::close). Acquires fail
//!   from then on; released permits are still counted.
//! * `WAITERS` (bit 1): set exactly while the list is non-empty; changed only under the lock.
//!
//! **Invariant: while `WAITERS` is set (and the semaphore is open), the word holds 0
//! permits.** Permits released while someone waits go to the oldest waiter first (a waiter
//! needing more than is free takes what there is and keeps its place); only what is left when
//! the queue empties goes back into the word. This one rule gives fairness (a newcomer sees 0
//! permits, so it cannot barge: it queues) and lets both hot paths skip the lock: an acquire
//! with enough permits is one CAS, and a release with `WAITERS` clear is one CAS.
//!
//! # A waiter's `remaining` (the hand-over)
//!
//! Each waiting [`Acquire`] owns a [`Node`] whose `remaining` counts the permits it still
//! lacks: [`IDLE`] (not queued), `1..=MAX_PERMITS` (queued, written only under the lock), `0`
//! (every permit assigned and the node unlinked) or [`CLOSED_OUT`] (unlinked by `close`, its
//! assigned permits already given back). The releasing side stores `0`/`CLOSED_OUT` with
//! `Release` as its *last* touch of the node; the owner reads it with `Acquire`, so a completed
//! waiter needs no lock to notice, and may free its node at once (waiter-list invariant 2).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_reactor::coop;

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering::*};
use crate::semaphore::{AcquireError, TryAcquireError};
use crate::waiter_list::{List, Node, WakeBatch, WakerSlot};

/// The most permits a semaphore can hold (tokio's limit: `usize::MAX >> 3`).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

const CLOSED: usize = 1;
const WAITERS: usize = 2;
const SHIFT: u32 = 2;

/// `remaining` of a node that is not queued (before the first poll, and after completion).
const IDLE: usize = usize::MAX;
/// `remaining` of a node that `close` unlinked.
const CLOSED_OUT: usize = usize::MAX - 1;

/// A fair, cancel-safe counting semaphore (see the module docs).
#[derive(Debug)]
pub(crate) struct Semaphore {
    state: AtomicUsize,
    waiters: Mutex<List<Waiter>>,
}

/// The payload of a queued [`Acquire`]'s node.
#[derive(Debug)]
struct Waiter {
    waker: WakerSlot,
    /// Permits still lacking; see the module docs for its values.
    remaining: AtomicUsize,
    /// How many permits this acquire asked for (fixed).
    requested: usize,
}

impl Semaphore {
    /// A semaphore holding `permits`.
    ///
    /// # Panics
    /// If `permits > MAX_PERMITS`.
    #[cfg(not(all(loom, test)))]
    #[track_caller]
    pub(crate) const fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(List::new()),
        }
    }

    /// A semaphore holding `permits` (loom's atomics are not `const`).
    #[cfg(all(loom, test))]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert!(permits <= MAX_PERMITS);
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(List::new()),
        }
    }

    /// Permits free right now.
    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Acquire) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    /// Waits for `n` permits, in FIFO order.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            node: Node::new(Waiter {
                waker: WakerSlot::new(),
                remaining: AtomicUsize::new(IDLE),
                requested: n,
            }),
        }
    }

    /// Takes `n` permits if they are free now; never barges past a queued waiter (there are
    /// no free permits while one waits).
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if cur >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Removes up to `n` free permits for good; returns how many it removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut cur = self.state.load(Acquire);
        loop {
            let take = (cur >> SHIFT).min(n);
            match self
                .state
                .compare_exchange_weak(cur, cur - (take << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return take,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Adds `n` permits: to the oldest waiters first, the rest to the free count.
    ///
    /// # Panics
    /// If the free count would exceed [`MAX_PERMITS`] (after waking whom it served).
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut cur = self.state.load(Acquire);
        // Fast path: nobody waits, so the permits go straight into the word.
        while cur & WAITERS == 0 {
            assert_room(cur, n);
            match self
                .state
                .compare_exchange_weak(cur, cur + (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let list = self.waiters.lock();
        self.release_locked(n, list);
    }

    /// Hands `n` permits to the queue (oldest first), then puts what is left into the word and
    /// clears `WAITERS` if the queue is empty. Wakes whom it served with the lock released.
    #[track_caller]
    fn release_locked<'a>(&'a self, mut n: usize, mut list: MutexGuard<'a, List<Waiter>>) {
        let mut batch = WakeBatch::new();
        while n > 0 {
            // CLOSED is set under the lock, so this read is stable while we hold it; a closed
            // semaphore serves nobody (`close` is draining the queue).
            if self.state.load(Acquire) & CLOSED != 0 {
                break;
            }
            let Some(front) = list.front() else { break };
            // Linked, so `remaining` is in 1..=MAX_PERMITS and only changes under our lock.
            let need = front.value.remaining.load(Relaxed);
            if need > n {
                front.value.remaining.store(need - n, Relaxed);
                n = 0;
                break;
            }
            if batch.is_full() {
                // Wake this batch without the lock, then continue from the (new) head.
                drop(list);
                batch.wake_all();
                list = self.waiters.lock();
                continue;
            }
            n -= need;
            let Some(node) = list.pop_front() else { break };
            // SAFETY: we hold the lock of the list `node` was linked in (waiter-list inv. 1).
            batch.push(unsafe { node.value.waker.take() });
            // The hand-over: our last touch of the node (waiter-list invariant 2).
            node.value.remaining.store(0, Release);
        }
        if n > 0 || list.is_empty() {
            let mut cur = self.state.load(Acquire);
            loop {
                if cur >> SHIFT > MAX_PERMITS - n {
                    // Serve whom we already unlinked before failing, or they would hang.
                    drop(list);
                    batch.wake_all();
                    assert_room(cur, n);
                    unreachable!();
                }
                let mut new = cur + (n << SHIFT);
                if list.is_empty() {
                    new &= !WAITERS;
                }
                match self.state.compare_exchange_weak(cur, new, AcqRel, Acquire) {
                    Ok(_) => break,
                    Err(actual) => cur = actual,
                }
            }
        }
        drop(list);
        batch.wake_all();
    }

    /// Closes the semaphore: every queued and future acquire fails; the permits assigned to
    /// the queued ones go back to the free count.
    pub(crate) fn close(&self) {
        let mut list = self.waiters.lock();
        self.state.fetch_or(CLOSED, Release);
        let mut returned = 0;
        let mut batch = WakeBatch::new();
        loop {
            while !batch.is_full() {
                let Some(node) = list.pop_front() else { break };
                let waiter = &node.value;
                returned += waiter.requested - waiter.remaining.load(Relaxed);
                // SAFETY: we hold the lock of the list `node` was linked in.
                batch.push(unsafe { waiter.waker.take() });
                // The hand-over: our last touch of the node.
                waiter.remaining.store(CLOSED_OUT, Release);
            }
            if list.is_empty() {
                break;
            }
            drop(list);
            batch.wake_all();
            list = self.waiters.lock();
        }
        // The queue is empty and stays so (acquires see CLOSED under the lock).
        self.release_locked(returned, list);
        batch.wake_all();
    }

    /// One poll of `node`'s acquire.
    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        node: Pin<&Node<Waiter>>,
    ) -> Poll<Result<(), AcquireError>> {
        let waiter = &node.value;
        let n = waiter.requested;
        if waiter.remaining.load(Acquire) != IDLE {
            return self.poll_queued(cx, waiter);
        }
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError::new()));
            }
            if cur >> SHIFT < n {
                break;
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(actual) => cur = actual,
            }
        }
        // Slow path: under the lock, take what is free and queue for the rest.
        let mut list = self.waiters.lock();
        let mut cur = self.state.load(Acquire);
        let taken = loop {
            if cur & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError::new()));
            }
            let free = cur >> SHIFT;
            let (new, taken) = if free >= n {
                (cur - (n << SHIFT), n)
            } else {
                ((cur & CLOSED) | WAITERS, free)
            };
            match self.state.compare_exchange_weak(cur, new, AcqRel, Acquire) {
                Ok(_) if taken == n => return Poll::Ready(Ok(())),
                Ok(_) => break taken,
                Err(actual) => cur = actual,
            }
        };
        waiter.remaining.store(n - taken, Relaxed);
        // SAFETY: the node is in no list (`remaining` was IDLE) and we hold the lock.
        unsafe { waiter.waker.register(cx.waker()) };
        // SAFETY: the node is unlinked (IDLE), pinned inside its `Acquire` (we got it through
        // `Pin`), and `Acquire`'s drop unlinks it under this lock before it is freed.
        unsafe { list.push_back(node.get_ref()) };
        Poll::Pending
    }

    /// A poll of an acquire that is (or was) queued.
    fn poll_queued(&self, cx: &mut Context<'_>, waiter: &Waiter) -> Poll<Result<(), AcquireError>> {
        let done = |remaining: usize| match remaining {
            0 => Some(Ok(())),
            CLOSED_OUT => Some(Err(AcquireError::new())),
            _ => None,
        };
        // Completed without our lock: the releaser published it (module docs).
        if let Some(result) = done(waiter.remaining.load(Acquire)) {
            waiter.remaining.store(IDLE, Relaxed);
            return Poll::Ready(result);
        }
        let list = self.waiters.lock();
        if let Some(result) = done(waiter.remaining.load(Acquire)) {
            drop(list);
            waiter.remaining.store(IDLE, Relaxed);
            return Poll::Ready(result);
        }
        // SAFETY: the node is linked (remaining is a count) and we hold the list's lock.
        unsafe { waiter.waker.register(cx.waker()) };
        drop(list);
        Poll::Pending
    }
}

/// Panics (tokio's message) if `n` more permits would exceed [`MAX_PERMITS`].
#[track_caller]
fn assert_room(state: usize, n: usize) {
    let free = state >> SHIFT;
    assert!(
        n <= MAX_PERMITS - free,
        "number of added permits ({n}) would overflow MAX_PERMITS ({MAX_PERMITS})"
    );
}

/// The future of [`Semaphore::acquire`]: waits for its permits in FIFO order.
///
/// Dropping it while it waits gives back its place and every permit already assigned to it.
/// Once it has returned `Ready(Ok(()))` the permits belong to the caller, who must
/// [`release`](Semaphore::release) them.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    node: Node<Waiter>,
}

impl Acquire<'_> {
    /// The node, pinned with its future.
    fn node(self: Pin<&Self>) -> Pin<&Node<Waiter>> {
        // SAFETY: structural pinning of `node`: it is never moved out of `Acquire`, and
        // `Acquire` has no `Unpin` impl (the node is `!Unpin`).
        unsafe { self.map_unchecked(|a| &a.node) }
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Spend *before* looking (unlike `Notified`, which checks first): a task told to yield
        // after taking its permits would sit in the run queue holding them, stalling every
        // waiter behind it (measured: 6x slower with 8 tasks contending for a Mutex).
        let coop = ready!(coop::poll_proceed(cx));
        let this = self.into_ref();
        let result = this.semaphore.poll_acquire(cx, this.node());
        if result.is_ready() {
            coop.made_progress();
        }
        result
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let waiter = &self.node.value;
        match waiter.remaining.load(Acquire) {
            IDLE | CLOSED_OUT => return,
            // Every permit was handed over but never returned to the caller: give them back.
            0 => return self.semaphore.release(waiter.requested),
            _ => {}
        }
        let mut list = self.semaphore.waiters.lock();
        // Under the lock `remaining` is stable.
        match waiter.remaining.load(Acquire) {
            CLOSED_OUT => {}
            0 => {
                drop(list);
                self.semaphore.release(waiter.requested);
            }
            remaining => {
                // SAFETY: `remaining` is a count, so the node is linked in this list; lock held.
                unsafe { list.remove(&self.node) };
                // Give back what was assigned; this also clears WAITERS if we were the last.
                self.semaphore
                    .release_locked(waiter.requested - remaining, list);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
#[path = "batch_semaphore_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
#[path = "batch_semaphore_loom.rs"]
mod loom_tests;
