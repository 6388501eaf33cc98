//! The current-thread scheduler: all tasks run on the thread inside `block_on`.
//!
//! The runtime has one [`Core`] (the local run queue, the driver, the parker). A `block_on`
//! call takes it and runs a loop: poll the `block_on` future when it was woken, then run up to
//! `event_interval` tasks, then poll the driver without blocking; with nothing to run it parks
//! in the driver (`turn(None)`), which also serves I/O and timers.
//!
//! Wakes on the driving thread push straight onto the local queue. Wakes from any other thread
//! push onto a mutex-protected *remote queue* and unpark the driving thread. Every
//! `global_queue_interval` ticks the remote queue is checked first, so remote tasks are not
//! starved by a busy local queue. If a second thread calls `block_on` while the core is taken,
//! it polls its own future on its own thread and takes the core over when it is released.
//!
//! # Where the local queue lives
//!
//! A wake has to find the queue from nothing but the task's scheduler handle, so while a
//! thread drives the runtime the queue sits in that thread's [`LOCAL`] slot, tagged with the
//! address of the runtime it belongs to. A wake compares the tag with its own runtime and
//! pushes; everything else stays in the loop's own variables (the driver and the parker never
//! move during a `block_on`). [`CoreGuard`] installs the queue when the loop starts and puts it
//! back into the [`Core`] when the loop ends, even by a panic of the `block_on` future.

use crate::blocking;
use crate::coop;
use crate::driver::{Driver, DriverHandle};
use crate::loom::atomic::{
    AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Release, Ordering::SeqCst,
};
use crate::loom::{lock, Mutex};
use crate::scheduler::block_on::ThreadParker;
use crate::scheduler::local::Tagged;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::stats::{CachePadded, WorkerMetrics};
use crate::scheduler::Config;
use crate::task::{self, Id, JoinHandle, Schedule, Task};
use crate::trace::{self, Dest};

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};

type Notified = task::Notified<Arc<Handle>>;

/// Shared state of a current-thread runtime; tasks hold an `Arc` of it as their scheduler.
pub(crate) struct Handle {
    shared: Shared,
    pub(crate) driver: DriverHandle,
    pub(crate) blocking: blocking::Spawner,
    pub(crate) config: Config,
}

struct Shared {
    /// Tasks scheduled from other threads; `None` once shut down.
    remote: Mutex<Option<VecDeque<Notified>>>,
    /// Length of `remote`, read without the lock on every tick.
    remote_len: AtomicUsize,
    owned: task::list::OwnedTasks<Arc<Handle>>,
    /// The `block_on` future was woken and must be polled.
    woken: AtomicBool,
    /// A task woke itself during its own poll (`yield_now`, or out of coop budget) since the
    /// run loop last looked. Only the driving thread touches it.
    yielded: AtomicBool,
    /// Wakes whichever thread holds the core.
    unpark: Unparker,
    /// The core, while no `block_on` holds it.
    core: Mutex<Option<Box<Core>>>,
    /// Threads waiting in `block_on` for the core.
    core_waiters: Mutex<Vec<Waker>>,
    metrics: CachePadded<WorkerMetrics>,
}

/// What the driving thread owns.
struct Core {
    /// The local run queue. Empty while a thread drives the runtime: the queue itself is then
    /// in that thread's [`LOCAL`].
    tasks: VecDeque<Notified>,
    /// Ticks left until the remote queue is checked before the local one (counting down
    /// instead of taking `tick % global_queue_interval` saves a division per tick).
    remote_first_in: u32,
    /// `None` only after shutdown.
    driver: Option<Driver>,
    park: Parker,
}

/// The local run queue of the runtime this thread drives, where wakes on this thread go. Its
/// owner is set by the [`CoreGuard`], which borrows the handle and resets it when dropped.
type Local = Tagged<Handle, VecDeque<Notified>>;

thread_local! {
    static LOCAL: Local = const { Tagged::new(VecDeque::new()) };
}

impl Handle {
    pub(crate) fn new(driver: Driver, blocking: blocking::Spawner, config: Config) -> Arc<Handle> {
        let driver_handle = driver.handle();
        let park = Parker::for_worker(Some(driver_handle.clone()), 0);
        let unpark = park.unparker();
        let core = Box::new(Core {
            tasks: VecDeque::new(),
            remote_first_in: config.global_queue_interval,
            driver: Some(driver),
            park,
        });
        Arc::new(Handle {
            shared: Shared {
                remote: Mutex::new(Some(VecDeque::new())),
                remote_len: AtomicUsize::new(0),
                owned: task::list::OwnedTasks::new(4),
                woken: AtomicBool::new(false),
                yielded: AtomicBool::new(false),
                unpark,
                core: Mutex::new(Some(core)),
                core_waiters: Mutex::new(Vec::new()),
                metrics: CachePadded::default(),
            },
            driver: driver_handle,
            blocking,
            config,
        })
    }

    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.shared.owned.bind(future, self.clone(), id);
        if let Some(task) = notified {
            self.schedule(task);
        }
        join
    }

    pub(crate) fn metrics(&self) -> &WorkerMetrics {
        &self.shared.metrics
    }

    pub(crate) fn remote_queue_depth(&self) -> usize {
        self.shared.remote_len.load(Relaxed)
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }

    fn take_core(&self) -> Option<Box<Core>> {
        lock(&self.shared.core).take()
    }

    fn release_core(&self, core: Box<Core>) {
        *lock(&self.shared.core) = Some(core);
        let waiters = std::mem::take(&mut *lock(&self.shared.core_waiters));
        for waker in waiters {
            waker.wake();
        }
    }

    /// Runs `future` to completion, driving the runtime's tasks meanwhile (if this thread gets
    /// the core).
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut waiting: Option<ThreadParker> = None;
        loop {
            if let Some(core) = self.take_core() {
                return self.run_with_core(core, future.as_mut());
            }
            // Another thread drives the runtime. Poll our future here, and wake up when it is
            // woken or when the core is released.
            let parker = waiting.get_or_insert_with(ThreadParker::new);
            {
                let mut waiters = lock(&self.shared.core_waiters);
                if !waiters.iter().any(|w| w.will_wake(parker.waker())) {
                    waiters.push(parker.waker().clone());
                }
            }
            if let Some(core) = self.take_core() {
                return self.run_with_core(core, future.as_mut());
            }
            let waker = parker.waker().clone();
            if let (Poll::Ready(out), _) =
                coop::budget(|| future.as_mut().poll(&mut TaskContext::from_waker(&waker)))
            {
                return out;
            }
            parker.park();
        }
    }

    fn run_with_core<F: Future>(
        self: &Arc<Self>,
        core: Box<Core>,
        mut future: Pin<&mut F>,
    ) -> F::Output {
        // Puts the core back (and the previous LOCAL) even if a poll of `future` panics.
        let mut guard = CoreGuard::install(self, core);
        self.shared.metrics.busy.start();
        let core = guard.core();
        let waker = Waker::from(self.clone());
        let mut task_cx = TaskContext::from_waker(&waker);
        let woken = &self.shared.woken;
        woken.store(true, SeqCst);
        let interval = self.config.event_interval;
        // Polls (of tasks and of the `block_on` future alike) left before the driver must be
        // turned without blocking. It survives the trips back to the top of the loop: a
        // `block_on` future that yields in a loop (`while !ready { yield_now().await }`)
        // with no task to run never parks, so only this count lets the driver fire the timer
        // or deliver the readiness it is waiting for.
        let mut until_driver = interval;
        loop {
            // A plain load first, so the swap (a locked instruction) runs only when there is a
            // wake to take. A wake that lands after the load also unparks this thread, so the
            // park below returns at once and the loop comes back here.
            if woken.load(SeqCst) && woken.swap(false, SeqCst) {
                if let (Poll::Ready(out), _) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                    return out;
                }
                // Saturating: a yield may have sent us here with the count already at 0, which
                // the inner loop then serves first.
                until_driver = until_driver.saturating_sub(1);
            }
            loop {
                if until_driver == 0 {
                    // A full interval of polls: let the driver deliver I/O and fire timers
                    // without blocking, then look at the `block_on` future again (tasks that
                    // keep waking each other must not starve it).
                    if let Some(driver) = core.driver.as_mut() {
                        core.park.poll_driver(driver);
                    }
                    until_driver = interval;
                    break;
                }
                let Some(task) = self.next_task(core) else {
                    if self.park(core) {
                        until_driver = interval;
                    }
                    break;
                };
                self.run_task(task);
                until_driver -= 1;
                // A yield puts the task behind everything else that can run — the `block_on`
                // future included, if it is woken. Without this, a task looping on
                // `yield_now` would run a whole interval of times before `block_on` saw its
                // wake-up (tokio gets the same order by deferring yielded tasks).
                if self.shared.yielded.load(Relaxed) {
                    self.shared.yielded.store(false, Relaxed);
                    if !woken.load(SeqCst) && self.only_one_task_queued() {
                        // The task that yielded is all there is to run: whatever it waits
                        // for can only come from the driver (I/O, a timer, a wake from another
                        // thread), so turn it now without blocking rather than spin an
                        // interval first. With other tasks queued a yield stays syscall-free.
                        if let Some(driver) = core.driver.as_mut() {
                            core.park.poll_driver(driver);
                        }
                        until_driver = interval;
                    }
                    if woken.load(SeqCst) {
                        break;
                    }
                }
            }
        }
    }

    /// Cancels every task on the calling thread and shuts the reactor down. If another thread
    /// is inside `block_on` with the core, its tasks are still cancelled (from here) and the
    /// reactor is shut down; that thread simply finds nothing left to run.
    pub(crate) fn shutdown(self: &Arc<Self>) {
        let core = self.take_core();
        let _runtime =
            crate::context::set_current(&crate::scheduler::Handle::CurrentThread(self.clone()));
        let _reactor = self.driver.enter();
        // With the core, wakes from task destructors land in its queue; without it (another
        // thread is inside `block_on`), in the remote queue. Both are emptied below.
        let mut guard = core.map(|core| CoreGuard::install(self, core));
        // Task destructors run here, with this runtime current: a `spawn` from a destructor
        // gets a cancelled task instead of a panic.
        self.shared.owned.close_and_shutdown_all();
        let remote = lock(&self.shared.remote).take();
        drop(remote);
        self.shared.remote_len.store(0, Relaxed);
        let driver = guard.as_mut().and_then(|guard| {
            // Taken out before it is dropped: dropping an entry may wake another task, which
            // pushes onto the queue again.
            let tasks = LOCAL.try_with(|l| l.value().take());
            drop(tasks);
            // Not installed when the thread-local was already destroyed (a runtime dropped by
            // another thread-local's destructor): then the queue is still in the core.
            let tasks = std::mem::take(&mut guard.core().tasks);
            drop(tasks);
            guard.core().driver.take()
        });
        self.driver.shutdown();
        drop(driver);
    }

    #[cold]
    fn schedule_remote(&self, task: Notified) {
        trace::schedule(task.id(), None, Dest::Inject);
        let rejected = {
            let mut remote = lock(&self.shared.remote);
            match remote.as_mut() {
                Some(queue) => {
                    queue.push_back(task);
                    self.shared.remote_len.fetch_add(1, Release);
                    None
                }
                None => Some(task),
            }
        };
        match rejected {
            // Shut down: the task was cancelled already; drop this stale entry.
            Some(task) => drop(task),
            None => self.shared.unpark.unpark(),
        }
    }

    #[inline]
    fn pop_remote(&self) -> Option<Notified> {
        if self.shared.remote_len.load(Acquire) == 0 {
            return None;
        }
        self.pop_remote_slow()
    }

    #[cold]
    fn pop_remote_slow(&self) -> Option<Notified> {
        let mut remote = lock(&self.shared.remote);
        let task = remote.as_mut()?.pop_front()?;
        self.shared.remote_len.fetch_sub(1, Release);
        Some(task)
    }

    /// Front of the local queue (installed in [`LOCAL`] by the caller's [`CoreGuard`]).
    #[inline]
    fn pop_local(&self) -> Option<Notified> {
        LOCAL.with(|l| {
            // No borrow of the queue outlives the statement that takes it, and none is taken
            // around user code, so this one cannot conflict.
            let mut tasks = l.value().borrow_mut();
            let task = tasks.pop_front();
            self.shared
                .metrics
                .local_queue_depth
                .store(tasks.len(), Relaxed);
            task
        })
    }

    /// Whether exactly one task is queued (locally, none remotely): after a yield, the yielder.
    #[inline]
    fn only_one_task_queued(&self) -> bool {
        self.shared.metrics.local_queue_depth.load(Relaxed) == 1
            && self.shared.remote_len.load(Acquire) == 0
    }

    /// One tick: the next task to run, from the local queue or (first, every
    /// `global_queue_interval` ticks) from the remote one.
    #[inline]
    fn next_task(&self, core: &mut Core) -> Option<Notified> {
        core.remote_first_in -= 1;
        if core.remote_first_in == 0 {
            core.remote_first_in = self.config.global_queue_interval;
            self.pop_remote().or_else(|| self.pop_local())
        } else {
            self.pop_local().or_else(|| self.pop_remote())
        }
    }

    #[inline]
    fn run_task(&self, task: Notified) {
        let metrics = &self.shared.metrics;
        metrics.polls.incr();
        let ((), exhausted) = coop::budget(|| task.run());
        if exhausted {
            metrics.budget_forced_yields.incr();
        }
    }

    /// Sleeps in the driver (or on the condvar without one) until a wake. Called right after
    /// [`next_task`](Self::next_task) found both queues empty, with no task code run since:
    /// only the `block_on` future can be pending. A task pushed from another thread meanwhile
    /// has unparked us already, so the park returns at once.
    ///
    /// Returns whether it parked (and so turned the driver, if there is one): `false` when the
    /// `block_on` future is already woken and must be polled first.
    #[inline]
    fn park(&self, core: &mut Core) -> bool {
        let shared = &self.shared;
        if shared.woken.load(SeqCst) {
            return false;
        }
        shared.metrics.parks.incr();
        self.config.before_park();
        shared.metrics.busy.stop();
        core.park.park(core.driver.as_mut());
        shared.metrics.busy.start();
        self.config.after_unpark();
        shared.metrics.unparks.incr();
        true
    }
}

/// The `block_on` future's waker.
impl Wake for Handle {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.woken.store(true, SeqCst);
        self.shared.unpark.unpark();
    }
}

impl Handle {
    /// Queues `task` on this thread's local queue if this thread drives the runtime, else on
    /// the remote one. `record_depth`: also refresh the queue-depth mirror now (the yield path
    /// reads it right away; otherwise the next pop refreshes it, which keeps a store off every
    /// wake).
    #[inline]
    fn schedule_task(self: &Arc<Self>, task: Notified, record_depth: bool) {
        let this = Arc::as_ptr(self);
        let rejected = LOCAL.try_with(|l| {
            let Some(mut tasks) = l.borrow_for(this) else {
                return Some(task);
            };
            trace::schedule(task.id(), Some(0), Dest::Local);
            tasks.push_back(task);
            if record_depth {
                self.shared
                    .metrics
                    .local_queue_depth
                    .store(tasks.len(), Relaxed);
            }
            None
        });
        match rejected {
            Ok(None) => {}
            Ok(Some(task)) => self.schedule_remote(task),
            // Thread exiting: the task was moved into the closure and dropped with it.
            Err(_) => {}
        }
    }
}

impl Schedule for Arc<Handle> {
    #[inline]
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
        self.shared.yielded.store(true, Relaxed);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }
}

/// The core, held by the thread that drives the runtime. Installing it moves its queue into
/// [`LOCAL`]; dropping it (also when the `block_on` future panics) moves the queue back,
/// restores what `LOCAL` held before (guards nest) and releases the core to the runtime.
struct CoreGuard<'a> {
    handle: &'a Arc<Handle>,
    /// Always `Some` until the guard drops.
    core: Option<Box<Core>>,
    prev_owner: *const Handle,
    prev_tasks: VecDeque<Notified>,
}

impl<'a> CoreGuard<'a> {
    /// Installs the queue in [`LOCAL`]; if the thread-local is already destroyed (thread
    /// exit), the queue stays in the core and wakes on this thread take the remote path.
    fn install(handle: &'a Arc<Handle>, mut core: Box<Core>) -> CoreGuard<'a> {
        let installed = LOCAL.try_with(|l| {
            let tasks = std::mem::take(&mut core.tasks);
            (
                l.set_owner(Arc::as_ptr(handle)),
                // Never borrowed here: queue borrows are statement-long and take no user code.
                l.value().replace(tasks),
            )
        });
        let (prev_owner, prev_tasks) = installed.unwrap_or((std::ptr::null(), VecDeque::new()));
        CoreGuard {
            handle,
            core: Some(core),
            prev_owner,
            prev_tasks,
        }
    }

    fn core(&mut self) -> &mut Core {
        self.core
            .as_mut()
            .expect("the core is held until the guard drops")
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let Some(mut core) = self.core.take() else {
            return;
        };
        self.handle.shared.metrics.busy.stop();
        let prev_tasks = std::mem::take(&mut self.prev_tasks);
        // On thread exit the slot may already be gone (and the queue dropped with it).
        if let Ok(tasks) = LOCAL.try_with(|l| {
            l.set_owner(self.prev_owner);
            l.value().replace(prev_tasks)
        }) {
            core.tasks = tasks;
        }
        self.handle.release_core(core);
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("current_thread::Handle")
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::runtime::{Builder, Runtime};
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;

    fn current_thread() -> Runtime {
        Builder::new_current_thread().build().unwrap()
    }

    /// Sets its flag when dropped.
    struct DropFlag(Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }

    #[test]
    fn a_panic_in_block_on_gives_the_core_back_with_its_queue() {
        let rt = current_thread();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async move {
                // Queued on this thread's local queue, and never run: the panic comes first.
                drop(crate::spawn(async move { flag.store(true, SeqCst) }));
                panic!("the block_on future panics");
            })
        }));
        assert!(res.is_err());
        assert!(!ran.load(SeqCst));
        // The next `block_on` gets the core back, queue included, and runs the task.
        rt.block_on(async {
            for _ in 0..10 {
                if ran.load(SeqCst) {
                    break;
                }
                crate::task::yield_now().await;
            }
        });
        assert!(ran.load(SeqCst), "the queued task was lost with the panic");
    }

    #[test]
    fn shutting_another_runtime_down_inside_block_on_keeps_this_ones_queue() {
        let outer = current_thread();
        let inner = current_thread();
        let ran = Arc::new(AtomicBool::new(false));
        let inner_task_dropped = Arc::new(AtomicBool::new(false));
        let (flag, dropped) = (ran.clone(), inner_task_dropped.clone());
        outer.block_on(async move {
            // Queued on the outer runtime's local queue, which this thread holds.
            let task = crate::spawn(async move { flag.store(true, SeqCst) });
            let guard = DropFlag(dropped.clone());
            drop(inner.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }));
            // The inner runtime's shutdown runs here, with its own queue installed on this
            // thread for the time being (in the background: a plain drop inside async code
            // panics, as it could deadlock).
            inner.shutdown_background();
            assert!(
                dropped.load(SeqCst),
                "the inner runtime's task was not cancelled"
            );
            for _ in 0..10 {
                if task.is_finished() {
                    break;
                }
                crate::task::yield_now().await;
            }
            assert!(task.is_finished(), "the outer runtime's queue was lost");
            task.await.unwrap();
        });
        assert!(ran.load(SeqCst));
        assert!(inner_task_dropped.load(SeqCst));
    }

    #[test]
    fn a_wake_from_another_thread_reaches_the_driving_thread() {
        let rt = current_thread();
        let out = rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
            let woken = Arc::new(AtomicBool::new(false));
            let seen = woken.clone();
            let task = crate::spawn(std::future::poll_fn(move |cx| {
                if seen.load(SeqCst) {
                    return std::task::Poll::Ready(7);
                }
                let _ = tx.send(cx.waker().clone());
                std::task::Poll::Pending
            }));
            let waker = crate::task::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            // Woken from a thread that does not drive the runtime: through the remote queue.
            std::thread::spawn(move || {
                woken.store(true, SeqCst);
                waker.wake();
            })
            .join()
            .unwrap();
            task.await.unwrap()
        });
        assert_eq!(out, 7);
    }
}
