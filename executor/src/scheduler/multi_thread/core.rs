//! A worker's private half: its local run queue, its LIFO slot, and how it steals.
//!
//! [`Core`] is what only the worker thread touches (its queue is stolen from only through the
//! [`Stealer`](crossbeam_deque::Stealer) the runtime keeps for it). The worker loop in
//! [`worker`](super::worker) decides *when* to run, search or park; this file decides *where*
//! a task comes from and goes to:
//!
//! - the **LIFO slot** holds the task most recently woken by the running task, so it runs
//!   next while its data is still in cache; the slot's previous occupant goes to the back of
//!   the local queue;
//! - the **local queue** is a FIFO of at most [`LOCAL_QUEUE_CAPACITY`] tasks. When it is full,
//!   its older half moves to the global injector, so one busy worker cannot hoard a burst;
//! - an idle worker **steals** from a random sibling (up to half of that sibling's queue, so
//!   both keep work and neither has to steal straight back), and then from the injector, in
//!   batches shared out evenly among the workers.
//!
//! The searching and parked transitions live here too: they hinge on whether this core still
//! holds tasks and on its `is_searching` flag.

use super::worker::Notified;
use super::Handle;
use crate::scheduler::park::Parker;
use crate::scheduler::spin::Spin;
use crate::scheduler::{self, rand::FastRand};
use crate::trace::{self, Dest};
use crossbeam_deque::{Steal, Worker as LocalQueue};

/// Tasks a local queue holds before half of it overflows into the injector. crossbeam's deque
/// is unbounded, so the bound is enforced here, on push.
pub(crate) const LOCAL_QUEUE_CAPACITY: usize = 256;

/// Most tasks one steal takes from a sibling (crossbeam never takes more than half).
const STEAL_BATCH_LIMIT: usize = LOCAL_QUEUE_CAPACITY / 2;

/// What only the worker thread touches. It lives in the thread-local `LOCAL` of
/// [`worker`](super::worker) for the whole life of the worker, so a wake on this thread finds
/// the queues without a lookup.
pub(crate) struct Core {
    pub(super) index: usize,
    /// Ticks left until the next maintenance (counting down instead of taking
    /// `tick % event_interval` saves a division per tick).
    pub(super) maintenance_in: u32,
    /// Ticks left until the injector is checked before the local queue.
    inject_first_in: u32,
    pub(super) lifo_slot: Option<Notified>,
    pub(super) run_queue: LocalQueue<Notified>,
    is_searching: bool,
    pub(super) is_shutdown: bool,
    /// `None` while the worker is parked (wakes during a driver turn then do not notify).
    pub(super) park: Option<Parker>,
    /// Whether the last park was short (see [`spin`](crate::scheduler::spin)).
    pub(super) spin: Spin,
    /// This worker took a task from the injector since it last parked: its work comes from
    /// outside the workers (a `block_on` thread, a blocking-pool thread), which is what an
    /// idle spin can catch. Work that comes from the driver (I/O, timers) arrives in whichever
    /// worker sleeps in the driver, so a spinning worker would only burn its core.
    pub(super) fed_by_injector: bool,
    rand: FastRand,
}

impl Core {
    /// The core of worker `index`, owning `run_queue` (whose stealer the runtime keeps) and
    /// `park`.
    pub(super) fn new(
        index: usize,
        run_queue: LocalQueue<Notified>,
        park: Parker,
        config: &scheduler::Config,
    ) -> Core {
        Core {
            index,
            maintenance_in: config.event_interval,
            inject_first_in: config.global_queue_interval,
            lifo_slot: None,
            run_queue,
            is_searching: false,
            is_shutdown: false,
            park: Some(park),
            spin: Spin::default(),
            fed_by_injector: false,
            rand: FastRand::new(),
        }
    }

    fn next_local_task(&mut self) -> Option<Notified> {
        self.lifo_slot.take().or_else(|| self.run_queue.pop())
    }

    pub(super) fn next_task(&mut self, handle: &Handle) -> Option<Notified> {
        self.inject_first_in -= 1;
        if self.inject_first_in == 0 {
            self.inject_first_in = handle.config.global_queue_interval;
            // Fairness: injected tasks must not wait behind an endless local queue.
            return self.next_task_inject_first(handle);
        }
        if let Some(task) = self.next_local_task() {
            return Some(task);
        }
        self.steal_from_inject(handle)
    }

    /// Every `global_queue_interval` ticks: the injector before the local queue. Out of line,
    /// so the common tick stays small.
    #[inline(never)]
    fn next_task_inject_first(&mut self, handle: &Handle) -> Option<Notified> {
        if let Some(task) = handle.shared.pop_inject() {
            self.fed_by_injector = true;
            return Some(task);
        }
        self.next_local_task()
    }

    /// Moves a batch of the injector into the (empty) local queue and returns one task.
    #[inline]
    fn steal_from_inject(&mut self, handle: &Handle) -> Option<Notified> {
        // Checked inline: an idle worker asks twice per tick, and usually finds it empty.
        if handle.shared.inject.is_empty() {
            return None;
        }
        self.steal_batch_from_inject(handle)
    }

    fn steal_batch_from_inject(&mut self, handle: &Handle) -> Option<Notified> {
        let inject = &handle.shared.inject;
        let room = LOCAL_QUEUE_CAPACITY
            .saturating_sub(self.run_queue.len())
            .min(LOCAL_QUEUE_CAPACITY / 2);
        // An even share per worker, so one worker does not swallow a burst the others could run.
        let limit = (inject.len() / handle.shared.num_workers() + 1)
            .min(room)
            .max(1);
        let before = self.run_queue.len();
        loop {
            match inject.steal_batch_with_limit_and_pop(&self.run_queue, limit) {
                Steal::Success(task) => {
                    self.fed_by_injector = true;
                    let count = self.run_queue.len() - before + 1;
                    let m = &handle.shared.metrics[self.index];
                    m.steal_operations.incr();
                    m.stolen_tasks.add(count as u64);
                    trace::steal(self.index, None, count);
                    return Some(task);
                }
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// Searching: steal from a random sibling, then from the injector.
    #[inline]
    pub(super) fn steal_work(&mut self, handle: &Handle) -> Option<Notified> {
        if !self.transition_to_searching(handle) {
            return None;
        }
        let n = handle.shared.num_workers();
        let start = self.rand.next_n(n);
        for i in 0..n {
            // `start + i` is below `2 * n`: one subtraction instead of a division.
            let mut victim = start + i;
            if victim >= n {
                victim -= n;
            }
            if victim == self.index {
                continue;
            }
            if let Some(task) = self.steal_from(handle, victim) {
                return Some(task);
            }
        }
        self.steal_from_inject(handle)
    }

    fn steal_from(&mut self, handle: &Handle, victim: usize) -> Option<Notified> {
        let stealer = &handle.shared.remotes[victim].steal;
        // A racy look, as a steal's own `Empty` is: skipping an empty queue here saves the
        // epoch pin a steal attempt costs, on every search of an idle worker.
        if stealer.is_empty() {
            return None;
        }
        let before = self.run_queue.len();
        let limit = STEAL_BATCH_LIMIT.min(LOCAL_QUEUE_CAPACITY - before);
        // Retry is contention with the owner or another thief: a few more tries, then move on.
        for _ in 0..4 {
            match stealer.steal_batch_with_limit_and_pop(&self.run_queue, limit) {
                Steal::Success(task) => {
                    let count = self.run_queue.len() - before + 1;
                    let m = &handle.shared.metrics[self.index];
                    m.steal_operations.incr();
                    m.stolen_tasks.add(count as u64);
                    trace::steal(self.index, Some(victim), count);
                    return Some(task);
                }
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
        None
    }

    /// Back of the local queue; if full, the older half goes to the injector first.
    #[inline]
    pub(super) fn push_back(&mut self, task: Notified, handle: &Handle) {
        if self.run_queue.len() >= LOCAL_QUEUE_CAPACITY {
            self.overflow(handle);
        }
        trace::schedule(task.id(), Some(self.index), Dest::Local);
        self.run_queue.push(task);
    }

    /// Moves the older half of the (full) local queue to the injector.
    #[cold]
    #[inline(never)]
    fn overflow(&mut self, handle: &Handle) {
        let mut moved = 0;
        while moved < LOCAL_QUEUE_CAPACITY / 2 {
            let Some(old) = self.run_queue.pop() else {
                break;
            };
            trace::schedule(old.id(), Some(self.index), Dest::Inject);
            handle.shared.inject.push(old);
            moved += 1;
        }
        handle.shared.metrics[self.index]
            .overflows
            .add(moved as u64);
    }

    fn has_tasks(&self) -> bool {
        self.lifo_slot.is_some() || !self.run_queue.is_empty()
    }

    pub(super) fn should_notify_others(&self) -> bool {
        // A searcher will be followed by a wake-up of its own when it finds work.
        !self.is_searching && usize::from(self.lifo_slot.is_some()) + self.run_queue.len() > 1
    }

    /// Spins for work another thread queues (see [`spin`](crate::scheduler::spin)), if the
    /// last park was short and this worker is a searcher: a searcher is what producers count
    /// on to find new work without waking anyone, so its spinning saves their system call too.
    /// The caller checks `fed_by_injector` first (inline, on the idle path). `true` if work
    /// showed up in the injector or a worker's queue (ours is empty: nothing runs here while
    /// we spin).
    #[inline(never)]
    pub(super) fn spin_for_work(&self, handle: &Handle) -> bool {
        self.is_searching && self.spin.spin(|| handle.shared.has_queued_work())
    }

    fn transition_to_searching(&mut self, handle: &Handle) -> bool {
        if !self.is_searching {
            self.is_searching = handle.shared.idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    pub(super) fn transition_from_searching(&mut self, handle: &Handle) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if handle.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: if more is queued (the rest of a
            // batch we took, another worker's backlog), hand the searching role on. If not, a
            // wake-up would only find nothing and park again, a system call each way, on
            // every task that comes in one at a time. Work queued after this check sees no
            // searcher and wakes a sleeper itself (the same argument as the last searcher's
            // re-check when it parks).
            handle.notify_if_work_pending();
        }
    }

    #[inline]
    pub(super) fn transition_to_parked(&mut self, handle: &Handle) -> bool {
        if self.has_tasks() {
            return false;
        }
        let was_last_searcher = handle
            .shared
            .idle
            .transition_worker_to_parked(self.index, self.is_searching);
        self.is_searching = false;
        // Counted again from the next wake-up: is that work, too, from the injector?
        self.fed_by_injector = false;
        if was_last_searcher {
            handle.notify_if_work_pending();
        }
        true
    }

    pub(super) fn transition_from_parked(&mut self, handle: &Handle) -> bool {
        if self.has_tasks() {
            // The driver woke tasks onto our queue. If a producer also picked us, it counted us
            // as searching; otherwise we take ourselves off the sleeper list, not searching.
            self.is_searching = !handle.shared.idle.unpark_worker_by_id(self.index);
            return true;
        }
        if handle.shared.idle.is_parked(self.index) {
            // Spurious (a driver turn with nothing for us): keep sleeping.
            return false;
        }
        // Picked by `worker_to_notify`, which counted us as searching.
        self.is_searching = true;
        true
    }
}
