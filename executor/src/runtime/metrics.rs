//! [`RuntimeMetrics`]: counters of a running runtime.

use super::Handle;
use crate::scheduler::{self, stats::WorkerMetrics};
use std::fmt;
use std::time::Duration;

/// Reads a runtime's counters; cheap to create and to call (relaxed loads of per-worker,
/// cache-padded counters that the workers update without atomic read-modify-writes).
///
/// Worker indices run from `0` to [`num_workers`](RuntimeMetrics::num_workers)` - 1`; a
/// current-thread runtime has one "worker", the thread in `block_on`. The per-worker counters
/// only grow, so a test or a dashboard compares two readings.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async { corium_executor::spawn(async {}).await.unwrap() });
/// let m = rt.metrics();
/// let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
/// assert!(polls >= 1);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    #[track_caller]
    fn worker(&self, worker: usize) -> &WorkerMetrics {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => {
                assert!(
                    worker == 0,
                    "worker index {worker} out of range: a current-thread runtime has 1 worker"
                );
                h.metrics()
            }
            scheduler::Handle::MultiThread(h) => {
                let n = h.num_workers();
                assert!(
                    worker < n,
                    "worker index {worker} out of range: the runtime has {n} workers"
                );
                h.worker_metrics(worker)
            }
        }
    }

    /// Number of worker threads (1 for a current-thread runtime).
    pub fn num_workers(&self) -> usize {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(_) => 1,
            scheduler::Handle::MultiThread(h) => h.num_workers(),
        }
    }

    /// Tasks spawned and not yet completed. A task leaves this count when the runtime releases
    /// it, just *after* its `JoinHandle` is woken: read right after awaiting the handle, the
    /// finished task may still be counted for a moment (as in tokio).
    pub fn num_alive_tasks(&self) -> usize {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => h.num_alive_tasks(),
            scheduler::Handle::MultiThread(h) => h.num_alive_tasks(),
        }
    }

    /// Task polls run by `worker`.
    ///
    /// # Panics
    /// If `worker >= num_workers()` (as every `worker_*` method).
    #[track_caller]
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker(worker).polls.get()
    }

    /// Successful steal operations by `worker` (from a sibling or the injection queue).
    #[track_caller]
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker(worker).steal_operations.get()
    }

    /// Tasks `worker` obtained by stealing.
    #[track_caller]
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker(worker).stolen_tasks.get()
    }

    /// Times `worker` parked (went to sleep).
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).parks.get()
    }

    /// Times `worker` woke from a park.
    #[track_caller]
    pub fn worker_unpark_count(&self, worker: usize) -> u64 {
        self.worker(worker).unparks.get()
    }

    /// Times `worker` parked plus times it woke: tokio's combined count, odd while the worker
    /// is parked (the park is counted as it begins, the wake as it ends).
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        let w = self.worker(worker);
        // Wake read first: read the other way round, a wake landing in between could show an
        // odd count for a worker that is running.
        let unparks = w.unparks.get();
        w.parks.get() + unparks
    }

    /// Tasks in `worker`'s local queue. Multi-thread: right now. Current-thread: as of the
    /// last time the thread driving the runtime took a task from its queue (or a task
    /// yielded) — as with tokio, wakes are not counted one by one, so tasks woken since then
    /// show up at the next task the runtime runs.
    #[track_caller]
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(_) => self
                .worker(worker)
                .local_queue_depth
                .load(std::sync::atomic::Ordering::Relaxed),
            scheduler::Handle::MultiThread(h) => {
                let _ = self.worker(worker);
                h.worker_local_queue_depth(worker)
            }
        }
    }

    /// Tasks `worker` ran from its LIFO slot.
    #[track_caller]
    pub fn worker_lifo_hits(&self, worker: usize) -> u64 {
        self.worker(worker).lifo_hits.get()
    }

    /// Polls on `worker` that ended because the cooperative budget ran out.
    #[track_caller]
    pub fn worker_budget_forced_yield_count(&self, worker: usize) -> u64 {
        self.worker(worker).budget_forced_yields.get()
    }

    /// Tasks `worker` moved to the injection queue because its local queue was full.
    #[track_caller]
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        self.worker(worker).overflows.get()
    }

    /// Tasks in the global queue: tokio's name for
    /// [`injection_queue_depth`](RuntimeMetrics::injection_queue_depth).
    pub fn global_queue_depth(&self) -> usize {
        self.injection_queue_depth()
    }

    /// Time `worker` spent not parked (running tasks, polling the driver without blocking,
    /// searching for work), summed over its finished busy stretches: a stretch still running
    /// is counted when the worker next parks.
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy.total()
    }

    /// Tasks in the global injection queue (the remote queue of a current-thread runtime).
    pub fn injection_queue_depth(&self) -> usize {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => h.remote_queue_depth(),
            scheduler::Handle::MultiThread(h) => h.injection_queue_depth(),
        }
    }

    /// Threads in the blocking pool (busy or idle).
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking_spawner().num_threads()
    }

    /// Blocking-pool threads waiting for work.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking_spawner().num_idle_threads()
    }

    /// Blocking closures queued and not yet started.
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.inner.blocking_spawner().queue_depth()
    }

    /// File descriptors registered with the reactor.
    pub fn io_registered_fds(&self) -> u64 {
        self.handle.inner.driver().metrics().registered_fds
    }

    /// Reactor turns (selector polls) so far.
    pub fn io_driver_turns(&self) -> u64 {
        self.handle.inner.driver().metrics().turns
    }

    /// I/O events the reactor delivered.
    pub fn io_ready_events(&self) -> u64 {
        self.handle.inner.driver().metrics().events
    }

    /// Times the reactor was woken from its poll by an unpark.
    pub fn io_driver_wakes(&self) -> u64 {
        self.handle.inner.driver().metrics().wakes
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}
