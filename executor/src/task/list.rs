//! [`OwnedTasks`]: every live task of one runtime, so shutdown can cancel them all.
//!
//! The list is sharded by task id (`id & mask`) to keep spawns on different workers off each
//! other's locks. Each shard is a slab: a `Vec` of slots plus a free list, and the task
//! remembers its slot index in its header, so removal is O(1) without intrusive pointers.
//!
//! The list holds one reference to each task. It is released when the task completes
//! (`release`, called by the completer) or when shutdown pops the task to cancel it.

use super::raw::RawTask;
use super::state::INITIAL_STATE;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::loom::atomic::{AtomicBool, Ordering::SeqCst};
use crate::loom::{lock, Mutex};
use std::future::Future;

/// All live tasks of one runtime.
pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[Mutex<Shard<S>>]>,
    mask: usize,
    /// Set once by `close_and_shutdown_all`; read under a shard lock by `bind`, which is what
    /// makes "spawned after close" and "seen by the closer" exclusive.
    closed: AtomicBool,
}

struct Shard<S: 'static> {
    slots: Vec<Option<Task<S>>>,
    free: Vec<usize>,
    len: usize,
}

impl<S: Schedule> OwnedTasks<S> {
    /// A list with at least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks<S> {
        let n = shards.clamp(1, 1 << 12).next_power_of_two();
        let shards = (0..n)
            .map(|_| {
                Mutex::new(Shard {
                    slots: Vec::new(),
                    free: Vec::new(),
                    len: 0,
                })
            })
            .collect();
        OwnedTasks {
            shards,
            mask: n - 1,
            closed: AtomicBool::new(false),
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard<S>> {
        // Truncation is the point: the low bits pick the shard.
        &self.shards[(id.0 as usize) & self.mask]
    }

    /// Creates a task, records it, and returns its JoinHandle and the Notified to schedule.
    /// If the list is closed (the runtime is shutting down) the task is cancelled at once and
    /// no Notified is returned; awaiting the handle yields a cancelled `JoinError`.
    pub(crate) fn bind<F>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // SAFETY: `F` and its output are `Send`, so any thread may poll, cancel or drop them.
        unsafe { self.bind_local(future, scheduler, id) }
    }

    /// [`bind`](Self::bind) for a future that need not be `Send` (a `LocalSet` task).
    ///
    /// # Safety
    /// As [`RawTask::new_local`]: `scheduler` runs and cancels the task only on this thread.
    pub(crate) unsafe fn bind_local<F>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: forwarded caller contract.
        let raw = unsafe { RawTask::new_local(future, scheduler, id, INITIAL_STATE) };
        let (task, notified, join) = super::new_task::<S, F::Output>(raw);
        let mut shard = lock(self.shard(id));
        if self.closed.load(SeqCst) {
            drop(shard);
            drop(notified);
            task.shutdown();
            return (join, None);
        }
        let index = match shard.free.pop() {
            Some(i) => i,
            None => {
                shard.slots.push(None);
                shard.slots.len() - 1
            }
        };
        task.header().set_owned_index(index);
        shard.slots[index] = Some(task);
        shard.len += 1;
        (join, Some(notified))
    }

    /// Removes `task` if it is still listed, returning the list's reference.
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let mut shard = lock(self.shard(task.header().id()));
        let index = task.header().owned_index();
        let slot = shard.slots.get_mut(index)?;
        if slot.as_ref().map(Task::raw) != Some(task.raw()) {
            // Popped by shutdown already (or never listed: spawned after close).
            return None;
        }
        let listed = slot.take();
        shard.free.push(index);
        shard.len -= 1;
        listed
    }

    /// Closes the list and cancels every task in it. Idempotent; any number of threads may
    /// call it at once (each cancels the tasks it pops). A task that is being polled
    /// elsewhere is only marked and is cancelled by its poller.
    pub(crate) fn close_and_shutdown_all(&self) {
        self.closed.store(true, SeqCst);
        for shard in self.shards.iter() {
            // Take the whole shard at once (no spawn can add to it any more), then cancel
            // without the lock: cancelling drops user futures and re-enters `remove`.
            let tasks: Vec<Task<S>> = {
                let mut shard = lock(shard);
                shard.free.clear();
                shard.len = 0;
                shard.slots.iter_mut().filter_map(Option::take).collect()
            };
            for task in tasks {
                task.shutdown();
            }
        }
    }

    /// `true` once `close_and_shutdown_all` has started.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(SeqCst)
    }

    /// Number of live (not yet completed) tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len).sum()
    }
}

impl<S: 'static> std::fmt::Debug for OwnedTasks<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks")
            .field("shards", &self.shards.len())
            .finish()
    }
}
