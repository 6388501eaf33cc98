//! The work-stealing scheduler: N worker threads, each with its own run queue.
//!
//! # Queues
//!
//! Every worker owns a bounded FIFO *local queue* (a `crossbeam_deque::Worker`, capacity
//! [`LOCAL_QUEUE_CAPACITY`](self::core::LOCAL_QUEUE_CAPACITY), of which the owner pops the front
//! and thieves steal about half) and a one-task *LIFO slot*. A task woken or spawned by a task
//! running on the worker goes into the LIFO slot and runs right after the current task, while
//! its data is still in cache — the pattern of a request handler waking the task that answers
//! it. The slot's previous occupant moves to the back of the local queue. At most
//! [`MAX_LIFO_POLLS_PER_TICK`](worker::MAX_LIFO_POLLS_PER_TICK) LIFO polls run back to back, all
//! within the first task's coop budget, so two tasks waking each other cannot starve the queue.
//!
//! Tasks scheduled from outside any worker (another runtime, a foreign thread, a `block_on`
//! thread) go to the global *injector*, as do half of a local queue that overflows. Workers
//! take from the injector in batches when their own queue is empty, and every
//! `global_queue_interval` ticks they look at it first, so injected tasks cannot be starved by
//! a busy local queue.
//!
//! # Searching and parking
//!
//! A worker with nothing to do becomes a *searcher* and steals from a random sibling, then from
//! the injector (the rules that keep this cheap are in [`idle`]). If that fails it parks: one
//! idle worker parks inside the reactor driver so I/O and timers are still served, the others
//! on a condvar ([`super::park`]). Every `event_interval` ticks a busy worker polls the driver
//! without blocking if no one is parked on it, so I/O is not starved by a CPU-bound queue.

mod core;
pub(crate) mod handoff;
mod idle;
#[cfg(all(test, not(loom)))]
mod tests;
pub(crate) mod worker;

use self::worker::Shared;
use crate::blocking;
use crate::driver::{Driver, DriverHandle};
use crate::runtime::builder::ThreadConfig;
use crate::scheduler::Config;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Instant;

/// Shared state of a multi-thread runtime; tasks hold an `Arc` of it as their scheduler.
pub(crate) struct Handle {
    pub(super) shared: Shared,
    pub(crate) driver: DriverHandle,
    pub(crate) blocking: blocking::Spawner,
    pub(crate) config: Config,
    /// How worker threads are made (again, by `block_in_place`).
    pub(super) threads: ThreadConfig,
}

impl Handle {
    /// Builds the scheduler and starts `num_workers` threads.
    ///
    /// # Errors
    /// If a thread cannot be spawned; the threads already started are shut down.
    pub(crate) fn launch(
        num_workers: usize,
        driver: Driver,
        blocking: blocking::Spawner,
        config: Config,
        threads: &ThreadConfig,
    ) -> io::Result<Arc<Handle>> {
        let driver_handle = driver.handle();
        let (shared, cores) = Shared::new(num_workers, driver, driver_handle.clone(), &config);
        let handle = Arc::new(Handle {
            shared,
            driver: driver_handle,
            blocking,
            config,
            threads: threads.clone(),
        });
        let total = cores.len();
        for (started, core) in cores.into_iter().enumerate() {
            if let Err(err) = worker::spawn_worker(&handle, core, threads) {
                // This worker and the ones after it never run: count them out before asking
                // the started ones to stop.
                handle.shared.workers_failed_to_start(total - started);
                handle.shutdown();
                return Err(io::Error::new(
                    err.kind(),
                    format!("failed to spawn a runtime worker thread: {err}"),
                ));
            }
        }
        Ok(handle)
    }

    /// Spawns a future onto the workers.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.shared.owned.bind(future, self.clone(), id);
        if let Some(task) = notified {
            self.schedule_task(task, false);
        }
        join
    }

    /// Asks every worker to stop: they cancel all tasks, drain their queues and exit; the
    /// last one shuts the reactor down. Returns at once.
    pub(crate) fn shutdown(&self) {
        self.shared.signal_shutdown();
    }

    /// Waits until every worker has exited (and the reactor is shut down), or until
    /// `deadline`. `true` if they all exited.
    pub(crate) fn wait_for_workers(&self, deadline: Option<Instant>) -> bool {
        self.shared.wait_for_workers(deadline)
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.shared.num_workers()
    }

    pub(crate) fn worker_metrics(&self, worker: usize) -> &crate::scheduler::stats::WorkerMetrics {
        self.shared.metrics(worker)
    }

    pub(crate) fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.shared.local_queue_depth(worker)
    }

    pub(crate) fn injection_queue_depth(&self) -> usize {
        self.shared.injection_queue_depth()
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }
}
