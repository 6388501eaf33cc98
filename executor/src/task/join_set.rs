//! [`JoinSet`]: a collection of tasks whose outputs come back in the order they finish.
//!
//! # O(1) per completion
//!
//! Each handle sits in a slot of a slab, and each slot has its own `Waker` (an `Arc` reused
//! by every task that occupies the slot). That waker is the handle's *join waker*: when the
//! task completes, it pushes the slot's index onto the set's *ready list* (once: an atomic flag
//! deduplicates) and wakes whoever awaits the set. `join_next` pops indices from the list and
//! polls only those handles, so finding a finished task never scans the others. A freshly
//! spawned handle is polled once (from the set's private `fresh` list) to install the slot's
//! waker; a stale index (its slot emptied or reused meanwhile) costs one spurious poll.
//!
//! The list and the set's waker share one lock; `join_next` registers its waker under that
//! lock when it finds the list empty, so a completion either is seen or wakes it (loom model
//! `loom_join_set_completion_vs_join_next`).

use super::{AbortHandle, Id, JoinError, JoinHandle, LocalSet};
use crate::coop;
use crate::loom::atomic::{AtomicBool, Ordering::AcqRel, Ordering::Release};
use crate::loom::{lock, Mutex};
use crate::runtime::Handle;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A set of tasks, spawned through it, whose outputs are taken in completion order.
///
/// All tasks must have the same output type `T`. Dropping the set aborts every task still in
/// it; [`detach_all`](JoinSet::detach_all) lets them run on instead.
///
/// # Examples
/// ```
/// use corium_executor::task::JoinSet;
///
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..10 {
///         set.spawn(async move { i });
///     }
///     let mut seen = [false; 10];
///     while let Some(res) = set.join_next().await {
///         seen[res.unwrap()] = true;
///     }
///     assert!(seen.iter().all(|&s| s));
/// });
/// ```
pub struct JoinSet<T> {
    slots: Vec<Slot<T>>,
    /// Empty slots, reused before the slab grows.
    free: Vec<usize>,
    /// Slots whose handle has not been polled yet (so its join waker is not the slot's).
    fresh: VecDeque<usize>,
    /// Notified slots taken from the ready list in one batch (one lock per batch).
    notified: VecDeque<usize>,
    len: usize,
    ready: Arc<Ready>,
    /// Handles polled so far (the O(1) test counts them).
    #[cfg(test)]
    slot_polls: usize,
}

struct Slot<T> {
    handle: Option<JoinHandle<T>>,
    notify: Arc<SlotWaker>,
    waker: Waker,
}

/// The ready list and the waker of whoever awaits the set.
struct Ready {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    indices: VecDeque<usize>,
    waker: Option<Waker>,
}

/// The join waker of one slot.
struct SlotWaker {
    index: usize,
    /// The index is in (or about to be pushed onto) the ready list.
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, AcqRel) {
            return;
        }
        let waker = {
            let mut inner = lock(&self.ready.inner);
            inner.indices.push_back(self.index);
            inner.waker.take()
        };
        // Outside the lock: a waker may run arbitrary code.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            fresh: VecDeque::new(),
            notified: VecDeque::new(),
            len: 0,
            ready: Arc::new(Ready {
                inner: Mutex::new(ReadyInner {
                    indices: VecDeque::new(),
                    waker: None,
                }),
            }),
            #[cfg(test)]
            slot_polls: 0,
        }
    }

    /// Number of tasks in the set (finished ones included, until they are joined).
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a spawned task's handle; returns an abort handle for it.
    pub(crate) fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let notify = Arc::new(SlotWaker {
                    index: self.slots.len(),
                    queued: AtomicBool::new(false),
                    ready: self.ready.clone(),
                });
                let waker = Waker::from(notify.clone());
                self.slots.push(Slot {
                    handle: None,
                    notify,
                    waker,
                });
                self.slots.len() - 1
            }
        };
        self.slots[index].handle = Some(handle);
        self.fresh.push_back(index);
        self.len += 1;
        abort
    }

    /// Spawns `future` onto the current runtime as a member of the set.
    ///
    /// # Panics
    /// Outside a runtime context, as [`spawn`](super::spawn).
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.insert(super::spawn(future))
    }

    /// Spawns `future` onto `handle`'s runtime as a member of the set.
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Spawns a `!Send` `future` onto the current [`LocalSet`] as a member of the set.
    ///
    /// # Panics
    /// Outside a local context, as [`spawn_local`](super::spawn_local).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(super::spawn_local(future))
    }

    /// Spawns a `!Send` `future` onto `local_set` as a member of the set.
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.insert(local_set.spawn_local(future))
    }

    /// Runs `func` on the current runtime's blocking pool as a member of the set.
    ///
    /// # Panics
    /// Outside a runtime context, as [`spawn_blocking`](super::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, func: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.insert(super::spawn_blocking(func))
    }

    /// Runs `func` on `handle`'s blocking pool as a member of the set.
    pub fn spawn_blocking_on<F>(&mut self, func: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.insert(handle.spawn_blocking(func))
    }

    /// Waits for the next task to finish and returns its output; `None` once the set is
    /// empty. Cancel-safe: dropping the future loses no output.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// As [`join_next`](JoinSet::join_next), with the finished task's id.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The output of a task that has already finished, if any; never waits.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|res| res.map(|(_, out)| out))
    }

    /// As [`try_join_next`](JoinSet::try_join_next), with the finished task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        loop {
            let index = self.next_candidate()?;
            if let Poll::Ready(res) = self.poll_slot(index) {
                return Some(res);
            }
        }
    }

    /// Polls for the next finished task: `Ready(None)` if the set is empty, `Pending` (with
    /// `cx` woken later) if no task has finished.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|res| res.map(|res| res.map(|(_, out)| out)))
    }

    /// As [`poll_join_next`](JoinSet::poll_join_next), with the finished task's id.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        // One budget unit per output, like awaiting a JoinHandle.
        let coop = std::task::ready!(coop::poll_proceed(cx));
        loop {
            let Some(index) = self.next_candidate_or_register(cx.waker()) else {
                return if self.len == 0 {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                };
            };
            if let Poll::Ready(res) = self.poll_slot(index) {
                coop.made_progress();
                return Poll::Ready(Some(res));
            }
        }
    }

    /// The next slot worth polling: a notified one, else a fresh one.
    fn next_candidate(&mut self) -> Option<usize> {
        if let Some(index) = self.notified.pop_front() {
            return Some(index);
        }
        self.take_notified();
        self.notified.pop_front().or_else(|| self.fresh.pop_front())
    }

    /// Moves the whole ready list into `notified`, under one lock.
    fn take_notified(&mut self) {
        let mut inner = lock(&self.ready.inner);
        std::mem::swap(&mut inner.indices, &mut self.notified);
    }

    /// As [`next_candidate`](Self::next_candidate); with none, `waker` is registered (under
    /// the list's lock) for the next completion.
    fn next_candidate_or_register(&mut self, waker: &Waker) -> Option<usize> {
        if let Some(index) = self.notified.pop_front() {
            return Some(index);
        }
        {
            let mut inner = lock(&self.ready.inner);
            if !inner.indices.is_empty() {
                // `notified` is empty: swapping hands the list's buffer over, and ours back.
                std::mem::swap(&mut inner.indices, &mut self.notified);
                drop(inner);
                return self.notified.pop_front();
            }
            if self.fresh.is_empty() {
                match &inner.waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => inner.waker = Some(waker.clone()),
                }
                return None;
            }
        }
        self.fresh.pop_front()
    }

    /// Polls the handle in `index` with the slot's waker; on completion empties the slot.
    fn poll_slot(&mut self, index: usize) -> Poll<Result<(Id, T), JoinError>> {
        let slot = &mut self.slots[index];
        // Cleared before the poll: a completion from now on queues the index again.
        slot.notify.queued.store(false, Release);
        let Some(handle) = slot.handle.as_mut() else {
            // A stale notification: the slot was emptied.
            return Poll::Pending;
        };
        #[cfg(test)]
        {
            self.slot_polls += 1;
        }
        let res = std::task::ready!(handle.poll_output(&slot.waker));
        let id = handle.id();
        slot.handle = None;
        self.free.push(index);
        self.len -= 1;
        Poll::Ready(res.map(|out| (id, out)))
    }

    /// Waits for every task and returns their outputs, in completion order.
    ///
    /// # Panics
    /// If a task panicked, its panic resumes here; if one was cancelled, a panic says so.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => out.push(value),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("{err}"),
            }
        }
        out
    }

    /// Aborts every task in the set. They stay in it: [`join_next`](JoinSet::join_next)
    /// returns their (mostly cancelled) results.
    pub fn abort_all(&mut self) {
        for handle in self.slots.iter().filter_map(|s| s.handle.as_ref()) {
            handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they run on, detached.
    pub fn detach_all(&mut self) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.handle.take().is_some() {
                self.free.push(index);
            }
        }
        // Indices already notified stay queued: their flags are set, and a later task in the
        // same slot is only notified again once that stale entry has been polled.
        self.fresh.clear();
        self.len = 0;
    }

    /// Aborts every task and waits until all have stopped, discarding their results.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

/// Spawns every future of the iterator onto the current runtime.
///
/// # Panics
/// Outside a runtime context.
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns every future of the iterator onto the current runtime.
///
/// # Panics
/// Outside a runtime context.
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    //! Runtime-free (a `LocalSet` runs the tasks), so they also run under Miri.

    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// Polls `set` once, running its tasks.
    fn run_once(set: &LocalSet) {
        let mut cx = Context::from_waker(Waker::noop());
        let _ = std::pin::pin!(set.run_until(crate::task::yield_now())).poll(&mut cx);
        let _ = std::pin::pin!(set.run_until(async {})).poll(&mut cx);
    }

    #[test]
    fn a_completion_costs_one_handle_poll_not_a_scan() {
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        let wakers: Rc<std::cell::RefCell<Vec<Option<Waker>>>> = Default::default();
        let flags: Vec<Rc<Cell<bool>>> = (0..100).map(|_| Rc::default()).collect();
        for (i, flag) in flags.iter().enumerate() {
            let (flag, wakers) = (flag.clone(), wakers.clone());
            wakers.borrow_mut().push(None);
            set.spawn_local_on(
                std::future::poll_fn(move |cx| {
                    if flag.get() {
                        return Poll::Ready(i);
                    }
                    wakers.borrow_mut()[i] = Some(cx.waker().clone());
                    Poll::Pending
                }),
                &local,
            );
        }
        run_once(&local);
        // Every fresh handle is polled once, to install its slot's waker.
        assert!(set.try_join_next().is_none());
        assert_eq!(set.slot_polls, 100);
        flags[57].set(true);
        let waker = wakers.borrow_mut()[57].take().unwrap();
        waker.wake();
        run_once(&local);
        let before = set.slot_polls;
        assert_eq!(set.try_join_next().unwrap().unwrap(), 57);
        assert_eq!(
            set.slot_polls - before,
            1,
            "join polled more than the finished handle"
        );
        assert_eq!(set.len(), 99);
        // And nothing else is ready.
        assert!(set.try_join_next().is_none());
        assert_eq!(set.slot_polls - before, 1);
    }

    #[test]
    fn slots_are_reused_and_stale_notifications_are_harmless() {
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        for round in 0..3 {
            for i in 0..4 {
                set.spawn_local_on(async move { round * 10 + i }, &local);
            }
            run_once(&local);
            let mut got = Vec::new();
            while let Some(res) = set.try_join_next() {
                got.push(res.unwrap());
            }
            got.sort();
            assert_eq!(got, (0..4).map(|i| round * 10 + i).collect::<Vec<_>>());
            assert_eq!(set.slots.len(), 4, "slots are reused, not grown");
        }
        set.detach_all();
        assert!(set.is_empty());
    }
}
