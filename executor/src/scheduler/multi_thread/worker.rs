//! One worker thread: its run loop, the state its workers share, and how tasks get scheduled
//! onto it. The worker's own queues and stealing are in [`core`](super::core).
//!
//! The loop, once per *tick*:
//!
//! 1. every `event_interval` ticks, *maintenance*: poll the driver without blocking (if no one
//!    is parked on it) and check for shutdown. The count restarts whenever the worker sleeps,
//!    so only a worker that has been busy that long pays for the extra poll;
//! 2. take a task: the LIFO slot, then the local queue, then a batch from the injector (every
//!    `global_queue_interval` ticks the injector goes first);
//! 3. otherwise *search*: steal half a sibling's queue, or a batch of the injector;
//! 4. otherwise *park* until a producer, the driver or shutdown wakes the worker.
//!
//! A task runs inside one coop budget together with the (at most
//! [`MAX_LIFO_POLLS_PER_TICK`]) LIFO tasks it wakes.
//!
//! The worker's [`Core`] stays in the thread-local [`LOCAL`] for the life of the thread,
//! tagged with the address of its runtime: a wake on a worker thread compares the tag and
//! queues locally, with no lookup and nothing moved in or out around each task or driver turn.
//! The one exception is `block_in_place` ([`handoff`](super::handoff)), which moves the core to
//! a new thread; the loop then finds its slot empty after the task's poll and the thread exits.

use super::core::Core;
use super::idle::Idle;
use super::Handle;
use crate::coop;
use crate::driver::{Driver, DriverHandle};
use crate::loom::atomic::{AtomicBool, Ordering::SeqCst};
use crate::loom::{lock, Condvar, Mutex};
use crate::runtime::builder::ThreadConfig;
use crate::scheduler;
use crate::scheduler::local::Tagged;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::stats::{CachePadded, WorkerMetrics};
use crate::trace::{self, Dest};
use crate::{context, task};
use crossbeam_deque::{Injector, Steal, Stealer, Worker as LocalQueue};
use std::cell::RefMut;
use std::sync::Arc;
use std::time::Instant;

pub(super) type Notified = task::Notified<Arc<Handle>>;

/// LIFO-slot polls allowed back to back after one task; the next one goes to the back of the
/// local queue, so a ping-pong pair cannot monopolise the worker.
pub(crate) const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// State shared by all workers of one runtime.
pub(crate) struct Shared {
    pub(super) remotes: Box<[Remote]>,
    pub(super) inject: Injector<Notified>,
    pub(super) idle: Idle,
    pub(super) owned: task::list::OwnedTasks<Arc<Handle>>,
    shutdown: AtomicBool,
    /// The reactor driver; an idle worker parks in it if it wins the `try_lock`.
    driver: Mutex<Option<Driver>>,
    pub(super) metrics: Box<[CachePadded<WorkerMetrics>]>,
    /// Workers still running, and whether the last one finished the cleanup.
    exit: Mutex<ExitState>,
    exited: Condvar,
}

struct ExitState {
    live: usize,
    done: bool,
    /// The worker threads, joined once `done`: a worker drops its last references to the
    /// runtime (and with them the reactor's fds) after counting itself out.
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// What other threads may touch of a worker.
pub(super) struct Remote {
    pub(super) steal: Stealer<Notified>,
    unpark: Unparker,
}

/// The worker this thread runs, where wakes on this thread go (`Some` while the thread runs
/// a worker; owner: this runtime's [`Handle`]).
///
/// A wake whose handle matches the owner queues the task in the core right here. The worker
/// loop borrows the core only for stretches that run no task code and do not turn the driver,
/// so a wake from a task or from the driver always finds it free; anything else (another
/// thread, another runtime, a wake during shutdown) goes through the injector. [`Installed`]
/// resets the owner before the worker's `Arc<Handle>` is dropped.
pub(super) type Local = Tagged<Handle, Option<Core>>;

thread_local! {
    pub(super) static LOCAL: Local = const { Tagged::new(None) };
}

/// The worker loop's view of its thread: the runtime, and this thread's [`Local`].
struct Context<'a> {
    handle: &'a Handle,
    local: &'a Local,
    metrics: &'a WorkerMetrics,
}

/// Keeps a core installed in [`LOCAL`]; dropping it (also by a panic of the loop, a bug)
/// takes the core out and forgets the owner, so no wake on this thread can reach it later.
struct Installed<'a> {
    local: &'a Local,
}

impl<'a> Installed<'a> {
    fn new(local: &'a Local, handle: &Handle, core: Core) -> Installed<'a> {
        local.set_owner(handle);
        *local.value().borrow_mut() = Some(core);
        Installed { local }
    }
}

impl Drop for Installed<'_> {
    fn drop(&mut self) {
        self.local.set_owner(std::ptr::null());
        // Taken out first, dropped after the borrow ends: dropping queue entries can run task
        // destructors, whose wakes must not find the cell borrowed.
        let core = self
            .local
            .value()
            .try_borrow_mut()
            .ok()
            .and_then(|mut core| core.take());
        drop(core);
    }
}

impl Shared {
    pub(super) fn new(
        num_workers: usize,
        driver: Driver,
        driver_handle: DriverHandle,
        config: &scheduler::Config,
    ) -> (Shared, Vec<Core>) {
        let mut remotes = Vec::with_capacity(num_workers);
        let mut cores = Vec::with_capacity(num_workers);
        for index in 0..num_workers {
            let run_queue = LocalQueue::new_fifo();
            let park = Parker::for_worker(Some(driver_handle.clone()), index);
            remotes.push(Remote {
                steal: run_queue.stealer(),
                unpark: park.unparker(),
            });
            cores.push(Core::new(index, run_queue, park, config));
        }
        let shared = Shared {
            remotes: remotes.into_boxed_slice(),
            inject: Injector::new(),
            idle: Idle::new(num_workers),
            owned: task::list::OwnedTasks::new(num_workers * 4),
            shutdown: AtomicBool::new(false),
            driver: Mutex::new(Some(driver)),
            metrics: (0..num_workers).map(|_| CachePadded::default()).collect(),
            exit: Mutex::new(ExitState {
                live: num_workers,
                done: false,
                threads: Vec::with_capacity(num_workers),
            }),
            exited: Condvar::new(),
        };
        (shared, cores)
    }

    pub(super) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    pub(super) fn metrics(&self, worker: usize) -> &WorkerMetrics {
        &self.metrics[worker]
    }

    pub(super) fn local_queue_depth(&self, worker: usize) -> usize {
        self.remotes[worker].steal.len()
    }

    pub(super) fn injection_queue_depth(&self) -> usize {
        self.inject.len()
    }

    pub(super) fn signal_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        for remote in self.remotes.iter() {
            remote.unpark.unpark();
        }
    }

    /// One more thread will count itself out (a core handed to a new thread by
    /// `block_in_place`); undone with [`workers_failed_to_start`](Self::workers_failed_to_start)
    /// if that thread cannot be spawned.
    pub(super) fn worker_thread_added(&self) {
        lock(&self.exit).live += 1;
    }

    /// `count` workers will never run (their threads could not be spawned).
    pub(super) fn workers_failed_to_start(&self, count: usize) {
        let mut exit = lock(&self.exit);
        exit.live -= count;
        // If none started, no worker will run the last-out cleanup: nothing is left to await.
        if exit.live == 0 {
            exit.done = true;
        }
        drop(exit);
        self.exited.notify_all();
    }

    /// Waits until the last worker finished the shutdown, then joins the worker threads, so
    /// that no worker still holds a reference to the runtime when this returns `true`.
    pub(super) fn wait_for_workers(&self, deadline: Option<Instant>) -> bool {
        if !self.wait_for_done(deadline) {
            return false;
        }
        let threads = std::mem::take(&mut lock(&self.exit).threads);
        let me = std::thread::current().id();
        for thread in threads {
            // Past `done` a worker only drops what it holds and exits: the join is short.
            if thread.thread().id() != me {
                let _ = thread.join();
            }
        }
        true
    }

    /// Remembers a started worker thread, to join at shutdown.
    pub(super) fn add_thread(&self, thread: std::thread::JoinHandle<()>) {
        lock(&self.exit).threads.push(thread);
    }

    fn wait_for_done(&self, deadline: Option<Instant>) -> bool {
        let mut exit = lock(&self.exit);
        // `done`, not `live == 0`: the last worker out drops the driver (closing the selector's
        // fds) after counting itself out, and "the runtime is gone" must include that.
        while !exit.done {
            match deadline {
                None => exit = self.exited.wait(exit).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    exit = self
                        .exited
                        .wait_timeout(exit, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        true
    }

    /// Whether any worker's queue or the injector holds a task another worker could take.
    pub(super) fn has_queued_work(&self) -> bool {
        !self.inject.is_empty() || self.remotes.iter().any(|r| !r.steal.is_empty())
    }

    pub(super) fn pop_inject(&self) -> Option<Notified> {
        loop {
            match self.inject.steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// Drops every injected entry (shutdown). The tasks were cancelled through the owned list,
    /// so these are stale references.
    fn drain_inject(&self) {
        while let Some(task) = self.pop_inject() {
            drop(task);
        }
    }
}

impl Handle {
    /// Queues a runnable task: locally if we are on one of this runtime's workers, otherwise
    /// through the injector (waking a sleeper).
    // Not inlined: with one caller, the thread-local access is inlined into this function
    // instead of staying a call that gets its arguments through memory.
    #[inline(never)]
    pub(super) fn schedule_task(&self, task: Notified, is_yield: bool) {
        let rejected = LOCAL.try_with(move |local| {
            let Some(mut slot) = local.borrow_for(self) else {
                return Some(task);
            };
            match slot.as_mut() {
                Some(core) => {
                    self.schedule_local(core, task, is_yield);
                    None
                }
                None => Some(task),
            }
        });
        match rejected {
            Ok(None) => {}
            Ok(Some(task)) => self.schedule_remote(task),
            // Thread-local storage is gone (thread exiting): the task itself was moved into
            // the closure and dropped with it; nothing else to do.
            Err(_) => {}
        }
    }

    /// From outside this runtime's workers: the injector, and a sleeper to take it.
    #[inline(never)]
    fn schedule_remote(&self, task: Notified) {
        self.push_remote_task(task);
        self.notify_parked();
    }

    #[inline]
    fn schedule_local(&self, core: &mut Core, task: Notified, is_yield: bool) {
        if is_yield || self.config.disable_lifo_slot {
            self.push_back_local(core, task);
            return;
        }
        trace::schedule(task.id(), Some(core.index), Dest::Lifo);
        if let Some(prev) = core.lifo_slot.replace(task) {
            self.push_back_local(core, prev);
        }
    }

    /// The back of the local queue, and a sleeper woken to share it. Out of line so the
    /// common wake (into an empty LIFO slot) stays small enough to inline.
    #[inline(never)]
    fn push_back_local(&self, core: &mut Core, task: Notified) {
        core.push_back(task, self);
        // While parked (`park` is None) the worker runs these itself when the turn returns.
        if core.park.is_some() {
            self.notify_parked();
        }
    }

    fn push_remote_task(&self, task: Notified) {
        trace::schedule(task.id(), None, Dest::Inject);
        self.shared.inject.push(task);
        // Shutdown may have drained the injector before our push landed; the SeqCst flag
        // store precedes that drain, so either the drainer saw our task or we see the flag.
        if self.shared.shutdown.load(SeqCst) {
            self.shared.drain_inject();
        }
    }

    /// Wakes a sleeping worker if no one is searching.
    pub(super) fn notify_parked(&self) {
        if let Some(index) = self.shared.idle.worker_to_notify() {
            self.shared.remotes[index].unpark.unpark();
        }
    }

    /// Called by the last searcher to park: any queued work left behind gets a worker.
    pub(super) fn notify_if_work_pending(&self) {
        if self.shared.has_queued_work() {
            self.notify_parked();
        }
    }
}

/// Starts the thread of `core`.
pub(super) fn spawn_worker(
    handle: &Arc<Handle>,
    core: Core,
    threads: &ThreadConfig,
) -> std::io::Result<()> {
    spawn_thread(handle, core.index, threads, move || Some(core))
}

/// Starts a worker thread for worker `index`, which runs the core `take_core` returns (a
/// thread whose core was taken back first just counts itself out).
pub(super) fn spawn_thread(
    handle: &Arc<Handle>,
    index: usize,
    threads: &ThreadConfig,
    take_core: impl FnOnce() -> Option<Core> + Send + 'static,
) -> std::io::Result<()> {
    let handle = handle.clone();
    let on_start = threads.on_start.clone();
    let on_stop = threads.on_stop.clone();
    let shared_handle = handle.clone();
    let thread = threads.worker_builder(index).spawn(move || {
        if let Some(f) = &on_start {
            f();
        }
        run(handle, take_core, on_stop);
    })?;
    shared_handle.shared.add_thread(thread);
    Ok(())
}

/// The body of a worker thread.
fn run(
    handle: Arc<Handle>,
    take_core: impl FnOnce() -> Option<Core>,
    on_stop: Option<crate::runtime::builder::Callback>,
) {
    // Counts the worker out even if the loop panics (a bug), so shutdown never waits forever.
    let _exit = ExitGuard {
        handle: handle.clone(),
        on_stop,
    };
    let Some(core) = take_core() else {
        return;
    };
    let index = core.index;
    let _current = context::set_current(&scheduler::Handle::MultiThread(handle.clone()));
    let _entered = context::enter_runtime();
    let _reactor = handle.driver.enter();
    LOCAL.with(|local| {
        let installed = Installed::new(local, &handle, core);
        let cx = Context {
            handle: &handle,
            local,
            // Looked up once: every tick counts into it.
            metrics: &handle.shared.metrics[index],
        };
        cx.metrics.busy.start();
        let kept_core = cx.run();
        cx.metrics.busy.stop();
        // `false`: the core left with `block_in_place`; its new thread shuts it down.
        if kept_core {
            cx.shutdown_core();
        }
        drop(installed);
    });
}

/// Runs the stop hook, then counts the worker out; the last one out finishes the shutdown.
struct ExitGuard {
    handle: Arc<Handle>,
    on_stop: Option<crate::runtime::builder::Callback>,
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if let Some(f) = self.on_stop.take() {
            // `shutdown_timeout` promises the hooks ran once it reports the workers gone.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f()));
        }
        let shared = &self.handle.shared;
        let last = {
            let mut exit = lock(&shared.exit);
            exit.live -= 1;
            exit.live == 0
        };
        if last {
            // Every worker has cancelled its tasks; now the stale queue entries and the reactor.
            shared.drain_inject();
            self.handle.driver.shutdown();
            let driver = lock(&shared.driver).take();
            drop(driver);
            lock(&shared.exit).done = true;
        }
        shared.exited.notify_all();
    }
}

impl Context<'_> {
    /// The core, borrowed until the guard drops; never held across task code or a driver turn.
    #[inline]
    fn core(&self) -> RefMut<'_, Core> {
        RefMut::map(self.local.value().borrow_mut(), |core| {
            core.as_mut()
                .expect("the core is installed while the worker runs")
        })
    }

    /// The core, unless a task on this thread handed it to another thread
    /// (`block_in_place`); never held across task code or a driver turn.
    #[inline]
    fn try_core(&self) -> Option<RefMut<'_, Core>> {
        RefMut::filter_map(self.local.value().borrow_mut(), Option::as_mut).ok()
    }

    /// Runs the loop; `true` when it stopped for shutdown, `false` when the core left.
    fn run(&self) -> bool {
        let handle = self.handle;
        loop {
            let Some(mut core) = self.try_core() else {
                return false;
            };
            if core.is_shutdown {
                return true;
            }
            core.maintenance_in -= 1;
            if core.maintenance_in == 0 {
                core.maintenance_in = handle.config.event_interval;
                drop(core);
                self.maintenance();
                core = self.core();
            }
            let task = match core.next_task(handle) {
                Some(task) => task,
                None => match core.steal_work(handle) {
                    Some(task) => task,
                    // Work queued by another thread while we spun: take it as a searcher.
                    None if core.fed_by_injector && core.spin_for_work(handle) => continue,
                    None => {
                        drop(core);
                        self.park();
                        continue;
                    }
                },
            };
            core.transition_from_searching(handle);
            drop(core);
            self.run_task(task);
        }
    }

    /// Runs `task`, then up to `MAX_LIFO_POLLS_PER_TICK` tasks it leaves in the LIFO slot,
    /// all under one coop budget.
    #[inline]
    fn run_task(&self, task: Notified) {
        let metrics = self.metrics;
        let ((), exhausted) = coop::budget(|| {
            metrics.polls.incr();
            task.run();
            for lifo_polls in 0.. {
                let task = {
                    let Some(mut core) = self.try_core() else {
                        // Handed off by `block_in_place` during that poll.
                        return;
                    };
                    let Some(task) = core.lifo_slot.take() else {
                        return;
                    };
                    if lifo_polls >= MAX_LIFO_POLLS_PER_TICK || !coop::has_budget_remaining() {
                        core.push_back(task, self.handle);
                        return;
                    }
                    task
                };
                metrics.lifo_hits.incr();
                metrics.polls.incr();
                task.run();
            }
        });
        if exhausted {
            metrics.budget_forced_yields.incr();
        }
    }

    /// Non-blocking driver poll and shutdown check.
    fn maintenance(&self) {
        self.park_timeout(true);
        self.core().is_shutdown = self.handle.shared.shutdown.load(SeqCst);
    }

    fn park(&self) {
        let handle = self.handle;
        if !self.core().transition_to_parked(handle) {
            return;
        }
        loop {
            {
                let mut core = self.core();
                core.is_shutdown = handle.shared.shutdown.load(SeqCst);
                if core.is_shutdown {
                    return;
                }
            }
            self.metrics.parks.incr();
            handle.config.before_park();
            let slept_at = self.metrics.busy.stop();
            self.park_timeout(false);
            let woke_at = self.metrics.busy.start();
            handle.config.after_unpark();
            self.metrics.unparks.incr();
            let mut core = self.core();
            let unparked_at = core.park.as_ref().map_or(0, Parker::woken_at);
            core.spin.record(slept_at, woke_at, unparked_at);
            // The worker slept (in the driver, or on its condvar while another worker held
            // the driver): it is not starving I/O, so the next maintenance poll is due
            // `event_interval` busy ticks from now. Otherwise a worker that sleeps between
            // tasks would add a zero-timeout turn right after a blocking one every
            // `event_interval` wake-ups.
            core.maintenance_in = handle.config.event_interval;
            if core.transition_from_parked(handle) {
                return;
            }
        }
    }

    /// Sleeps (or, with `poll_only`, turns the driver once without blocking) with the core
    /// left free, so tasks woken by the driver land in this worker's queues. The parker is
    /// out of the core meanwhile, which tells those wakes not to notify other workers: this
    /// one looks at its queues as soon as the turn returns.
    fn park_timeout(&self, poll_only: bool) {
        let mut park = self
            .core()
            .park
            .take()
            .expect("parker present outside park");
        let shared = &self.handle.shared;
        match shared.driver.try_lock() {
            Ok(mut driver) => match driver.as_mut() {
                Some(driver) if poll_only => park.poll_driver(driver),
                Some(driver) => park.park(Some(driver)),
                None if poll_only => {}
                None => park.park(None),
            },
            // Another worker is parked in (or polling) the driver: sleep on our condvar.
            Err(_) if poll_only => {}
            Err(_) => park.park(None),
        }
        let mut core = self.core();
        core.park = Some(park);
        if core.should_notify_others() {
            self.handle.notify_parked();
        }
    }

    /// Cancels every task of the runtime and drops this worker's queue entries.
    fn shutdown_core(&self) {
        // From here on a wake on this thread goes through the injector, which shutdown
        // drains, like a wake from any other thread.
        self.local.set_owner(std::ptr::null());
        self.handle.shared.owned.close_and_shutdown_all();
        // Each entry is taken out under a short borrow and dropped after it: dropping one
        // can run a task's destructor.
        let lifo = self.core().lifo_slot.take();
        drop(lifo);
        loop {
            let task = self.core().run_queue.pop();
            match task {
                Some(task) => drop(task),
                None => break,
            }
        }
    }
}
