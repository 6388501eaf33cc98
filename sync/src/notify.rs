//! [`Notify`]: wake one task, or all waiting tasks, without sending data.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use corium_reactor::coop;

use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering::*};
use crate::waiter_list::{List, Node, WakeBatch, WakerSlot};

// The low two bits of `Notify::state`. Changes away from WAITING happen only under the lock;
// EMPTY ⇄ NOTIFIED may also change without it (notify_one's and poll's fast paths).
/// Nobody waits and no permit is stored.
const EMPTY: usize = 0;
/// At least one `Notified` is queued (the list is non-empty).
const WAITING: usize = 1;
/// A `notify_one` permit is stored for the next `Notified`.
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 3;
/// The rest of the word counts `notify_waiters` calls (wrapping), in steps of this.
const ONE_CALL: usize = 4;

// A waiter's `state`. The owner moves INIT → WAITING (under the lock) and anything → DONE;
// the notifier moves WAITING → ONE/LAST/ALL (under the lock, as its last touch of the node).
const INIT: usize = 0;
const QUEUED: usize = 1;
const GOT_ONE: usize = 2;
const GOT_LAST: usize = 3;
const GOT_ALL: usize = 4;
const DONE: usize = 5;

/// Notifies a single task, or every waiting task, to wake up.
///
/// `Notify` carries no data: it is the bare "something changed" signal the other primitives
/// are made of. [`notify_one`](Notify::notify_one) wakes the oldest waiting task, or, if none
/// waits, stores **one permit** that the next [`notified`](Notify::notified)`.await` consumes
/// at once (calls do not accumulate: at most one permit is stored), so a notification sent
/// just before the receiver starts waiting is never lost.
/// [`notify_waiters`](Notify::notify_waiters) wakes every `Notified` future created before the
/// call (polled yet or not), and stores no permit.
///
/// Every completed `notified().await` spends one unit of the task's coop budget.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use corium_sync::Notify;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let notify = Arc::new(Notify::new());
/// let waiter = {
///     let notify = notify.clone();
///     corium_executor::spawn(async move { notify.notified().await; "woken" })
/// };
/// notify.notify_one(); // before or after the waiter waits: either way it completes
/// assert_eq!(waiter.await.unwrap(), "woken");
/// # });
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<List<Waiter>>,
}

/// A queued `Notified`'s node payload.
#[derive(Debug)]
struct Waiter {
    waker: WakerSlot,
    /// INIT / QUEUED / GOT_* / DONE (see the constants).
    state: AtomicUsize,
    /// The `notify_waiters` count when the node was queued, so a `notify_waiters` that is
    /// waking in batches never wakes a node queued after it started. Written under the lock.
    calls: AtomicUsize,
}

/// The future of [`Notify::notified`].
///
/// It is fused: once it has completed, polling it again returns `Ready` at once. Dropping it
/// after a `notify_one`/`notify_last` chose it but before it completed passes that
/// notification on (to the next waiter, or back as the stored permit), so none is lost.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// The `notify_waiters` count at creation: any later call completes this future.
    calls: usize,
    node: Node<Waiter>,
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("state", &(self.state.load(Relaxed) & STATE_MASK))
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

impl Notify {
    /// A `Notify` with no stored permit.
    #[cfg(not(all(loom, test)))]
    pub const fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(List::new()),
        }
    }

    /// A `Notify` with no stored permit (loom's atomics are not `const`).
    #[cfg(all(loom, test))]
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(List::new()),
        }
    }

    /// A `Notify` usable in a `static`.
    ///
    /// ```
    /// use corium_sync::Notify;
    /// static READY: Notify = Notify::const_new();
    /// READY.notify_one();
    /// ```
    #[cfg(not(all(loom, test)))]
    pub const fn const_new() -> Notify {
        Notify::new()
    }

    /// A future that completes when this `Notify` is notified: by a stored permit, a
    /// `notify_one`/`notify_last` that picks it, or any `notify_waiters` after this call.
    ///
    /// It joins the queue when first polled (or [`enable`](Notified::enable)d), not here; but
    /// `notify_waiters` counts from here.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            calls: self.state.load(SeqCst) / ONE_CALL,
            node: Node::new(Waiter {
                waker: WakerSlot::new(),
                state: AtomicUsize::new(INIT),
                calls: AtomicUsize::new(0),
            }),
        }
    }

    /// Wakes the oldest waiting task; if none waits, stores a permit for the next
    /// `notified().await` (at most one is stored).
    pub fn notify_one(&self) {
        self.notify(GOT_ONE);
    }

    /// Like [`notify_one`](Notify::notify_one), but wakes the *newest* waiting task.
    pub fn notify_last(&self) {
        self.notify(GOT_LAST);
    }

    fn notify(&self, how: usize) {
        let mut cur = self.state.load(SeqCst);
        // Fast path: nobody queued, so the notification becomes the stored permit.
        while cur & STATE_MASK != WAITING {
            let new = (cur & !STATE_MASK) | NOTIFIED;
            match self.state.compare_exchange(cur, new, SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let mut list = self.waiters.lock();
        let waker = self.notify_locked(&mut list, how);
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Gives one notification (`how`: GOT_ONE or GOT_LAST) to a queued waiter, or stores the
    /// permit if none is queued. Returns the waker to wake once the lock is released.
    fn notify_locked(&self, list: &mut List<Waiter>, how: usize) -> Option<Waker> {
        let mut cur = self.state.load(SeqCst);
        loop {
            if cur & STATE_MASK != WAITING {
                let new = (cur & !STATE_MASK) | NOTIFIED;
                match self.state.compare_exchange(cur, new, SeqCst, SeqCst) {
                    Ok(_) => return None,
                    Err(actual) => cur = actual,
                }
                continue;
            }
            // WAITING: the list is non-empty, and nothing but lock holders changes the word.
            let node = if how == GOT_LAST {
                list.pop_back()
            } else {
                list.pop_front()
            }?;
            // SAFETY: we hold the lock of the list `node` was linked in.
            let waker = unsafe { node.value.waker.take() };
            // The hand-over: our last touch of the node.
            node.value.state.store(how, Release);
            if list.is_empty() {
                self.state.store(cur & !STATE_MASK, SeqCst);
            }
            return waker;
        }
    }

    /// Wakes every `Notified` created before this call, queued or not yet polled. Stores no
    /// permit: a `Notified` created afterwards waits for the next notification.
    pub fn notify_waiters(&self) {
        let mut list = self.waiters.lock();
        // Counting the call makes every existing, not yet queued `Notified` complete on its
        // first poll; the queued ones (queued at an older count) are woken below.
        let cur = self.state.fetch_add(ONE_CALL, SeqCst);
        if cur & STATE_MASK != WAITING {
            return;
        }
        let now = cur / ONE_CALL + 1;
        let mut batch = WakeBatch::new();
        loop {
            let mut finished = true;
            while let Some(front) = list.front() {
                // Queued after this call started (while we woke a batch unlocked): not ours.
                if !calls_before(front.value.calls.load(Relaxed), now) {
                    break;
                }
                if batch.is_full() {
                    finished = false;
                    break;
                }
                let Some(node) = list.pop_front() else { break };
                // SAFETY: we hold the lock of the list `node` was linked in.
                batch.push(unsafe { node.value.waker.take() });
                // The hand-over: our last touch of the node.
                node.value.state.store(GOT_ALL, Release);
            }
            if list.is_empty() {
                // WAITING → EMPTY: no one else changes the word while it is WAITING.
                self.state.fetch_and(!STATE_MASK, SeqCst);
            }
            if finished {
                break;
            }
            drop(list);
            batch.wake_all();
            list = self.waiters.lock();
        }
        drop(list);
        batch.wake_all();
    }
}

/// Whether call count `a` precedes `b`, on the wrapping counter (62 bits on 64-bit targets).
fn calls_before(a: usize, b: usize) -> bool {
    const HALF: usize = (usize::MAX / ONE_CALL).div_ceil(2);
    let diff = b.wrapping_sub(a) & (usize::MAX / ONE_CALL);
    diff != 0 && diff < HALF
}

impl Notified<'_> {
    /// Joins the queue now, without a waker, so a `notify_one` sent before the first poll
    /// picks this future (in queue order). Returns `true` if it is already notified (it will
    /// then complete on its next poll). It changes nothing for `notify_waiters`, which counts
    /// from the future's creation.
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.into_ref().poll_notified(None).is_ready()
    }

    fn node(self: Pin<&Self>) -> Pin<&Node<Waiter>> {
        // SAFETY: structural pinning: `node` is never moved out of `Notified`, which has no
        // `Unpin` impl (the node is `!Unpin`).
        unsafe { self.map_unchecked(|n| &n.node) }
    }

    fn poll_notified(self: Pin<&Self>, waker: Option<&Waker>) -> Poll<()> {
        let notify = self.notify;
        let waiter = &self.node.value;
        match waiter.state.load(Acquire) {
            INIT => {}
            QUEUED => return self.poll_queued(waker),
            GOT_ONE | GOT_LAST | GOT_ALL | DONE => {
                waiter.state.store(DONE, Relaxed);
                return Poll::Ready(());
            }
            _ => unreachable!("invalid Notified state"),
        }
        // First poll: a notify_waiters since creation, or a stored permit, completes it.
        let mut cur = notify.state.load(SeqCst);
        let mut list: Option<MutexGuard<'_, List<Waiter>>> = None;
        loop {
            if cur / ONE_CALL != self.calls {
                waiter.state.store(DONE, Relaxed);
                return Poll::Ready(());
            }
            let new = match cur & STATE_MASK {
                NOTIFIED => (cur & !STATE_MASK) | EMPTY,
                // Queue (WAITING), under the lock: take it and look again.
                EMPTY if list.is_some() => (cur & !STATE_MASK) | WAITING,
                WAITING if list.is_some() => break,
                _ => {
                    list = Some(notify.waiters.lock());
                    cur = notify.state.load(SeqCst);
                    continue;
                }
            };
            match notify.state.compare_exchange(cur, new, SeqCst, SeqCst) {
                Ok(_) if new & STATE_MASK == EMPTY => {
                    waiter.state.store(DONE, Relaxed);
                    return Poll::Ready(());
                }
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let Some(mut list) = list else {
            unreachable!("queueing happens under the lock")
        };
        waiter.calls.store(self.calls, Relaxed);
        if let Some(waker) = waker {
            // SAFETY: the node is in no list (INIT) and we hold the lock.
            unsafe { waiter.waker.register(waker) };
        }
        waiter.state.store(QUEUED, Relaxed);
        // SAFETY: the node is unlinked (INIT), pinned inside its `Notified` (we reached it
        // through `Pin`), and `Notified`'s drop unlinks it under this lock before it is freed.
        unsafe { list.push_back(self.node().get_ref()) };
        Poll::Pending
    }

    fn poll_queued(self: Pin<&Self>, waker: Option<&Waker>) -> Poll<()> {
        let waiter = &self.node.value;
        let list = self.notify.waiters.lock();
        if waiter.state.load(Acquire) != QUEUED {
            drop(list);
            waiter.state.store(DONE, Relaxed);
            return Poll::Ready(());
        }
        if let Some(waker) = waker {
            // SAFETY: the node is linked (QUEUED) and we hold its list's lock.
            unsafe { waiter.waker.register(waker) };
        }
        Poll::Pending
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        ready!(self.into_ref().poll_notified(Some(cx.waker())));
        // Spend only on completion (waiting costs the others nothing). With the budget spent
        // we yield; the future is already DONE, so its next poll completes at once.
        coop::poll_spend(cx)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let notify = self.notify;
        let waiter = &self.node.value;
        if matches!(waiter.state.load(Acquire), INIT | GOT_ALL | DONE) {
            return;
        }
        let mut list = notify.waiters.lock();
        // Under the lock the state is stable.
        let waker = match waiter.state.load(Acquire) {
            QUEUED => {
                // SAFETY: QUEUED under the lock: the node is linked in this list.
                unsafe { list.remove(&self.node) };
                if list.is_empty() {
                    // We were the last waiter: WAITING → EMPTY (only lock holders change it).
                    notify.state.fetch_and(!STATE_MASK, SeqCst);
                }
                None
            }
            // A notify_one/notify_last picked us, but we never completed: pass it on.
            how @ (GOT_ONE | GOT_LAST) => notify.notify_locked(&mut list, how),
            _ => None,
        };
        drop(list);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

#[cfg(all(test, not(loom)))]
#[path = "notify_tests.rs"]
mod tests;

#[cfg(all(test, loom))]
#[path = "notify_loom.rs"]
mod loom_tests;
