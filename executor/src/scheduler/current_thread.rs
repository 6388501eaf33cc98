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

use crate::blocking;
use crate::coop;
use crate::driver::{Driver, DriverHandle};
use crate::loom::atomic::{
    AtomicBool, AtomicUsize, Ordering::Acquire, Ordering::Release, Ordering::SeqCst,
};
use crate::loom::{lock, Mutex};
use crate::scheduler::block_on::ThreadParker;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::stats::{CachePadded, WorkerMetrics};
use crate::scheduler::Config;
use crate::task::{self, Id, JoinHandle, Schedule, Task};
use crate::trace::{self, Dest};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

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
    tasks: VecDeque<Notified>,
    tick: u32,
    driver: Option<Driver>,
    park: Option<Parker>,
}

/// The driving thread's view; reachable from task code through [`CURRENT`].
struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

impl Handle {
    pub(crate) fn new(driver: Driver, blocking: blocking::Spawner, config: Config) -> Arc<Handle> {
        let driver_handle = driver.handle();
        let park = Parker::for_worker(Some(driver_handle.clone()), 0);
        let unpark = park.unparker();
        let core = Box::new(Core {
            tasks: VecDeque::new(),
            tick: 0,
            driver: Some(driver),
            park: Some(park),
        });
        Arc::new(Handle {
            shared: Shared {
                remote: Mutex::new(Some(VecDeque::new())),
                remote_len: AtomicUsize::new(0),
                owned: task::list::OwnedTasks::new(4),
                woken: AtomicBool::new(false),
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
        let cx = Rc::new(Context {
            handle: self.clone(),
            core: RefCell::new(None),
        });
        let prev = CURRENT.with(|c| c.replace(Some(cx.clone())));
        // Puts the core back (and the previous context) even if a poll of `future` panics.
        let _guard = CoreGuard {
            cx: cx.clone(),
            prev: Some(prev),
        };
        let mut core = core;
        let waker = Waker::from(self.clone());
        let mut task_cx = TaskContext::from_waker(&waker);
        self.shared.woken.store(true, SeqCst);
        let interval = self.config.event_interval;
        'outer: loop {
            if self.shared.woken.swap(false, SeqCst) {
                let (c, res) = cx.enter(core, || {
                    coop::budget(|| future.as_mut().poll(&mut task_cx)).0
                });
                core = c;
                if let Poll::Ready(out) = res {
                    *cx.core.borrow_mut() = Some(core);
                    return out;
                }
            }
            for _ in 0..interval {
                core.tick = core.tick.wrapping_add(1);
                let Some(task) = core.next_task(self) else {
                    core = cx.park(core);
                    continue 'outer;
                };
                core = cx.run_task(core, task);
            }
            // A full interval of tasks: let the driver deliver I/O without blocking.
            core = cx.park_yield(core);
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
        let cx = Rc::new(Context {
            handle: self.clone(),
            core: RefCell::new(core),
        });
        let prev = CURRENT.with(|c| c.replace(Some(cx.clone())));
        let _guard = CoreGuard {
            cx: cx.clone(),
            prev: Some(prev),
        };
        // Task destructors run here, with this runtime current: a `spawn` from a destructor
        // gets a cancelled task instead of a panic.
        self.shared.owned.close_and_shutdown_all();
        let remote = lock(&self.shared.remote).take();
        drop(remote);
        self.shared.remote_len.store(0, Relaxed);
        let driver = {
            let mut slot = cx.core.borrow_mut();
            match slot.as_mut() {
                Some(core) => {
                    let tasks = std::mem::take(&mut core.tasks);
                    drop(slot);
                    drop(tasks);
                    cx.core
                        .borrow_mut()
                        .as_mut()
                        .and_then(|core| core.driver.take())
                }
                None => None,
            }
        };
        self.driver.shutdown();
        drop(driver);
    }

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

    fn pop_remote(&self) -> Option<Notified> {
        if self.shared.remote_len.load(Acquire) == 0 {
            return None;
        }
        let mut remote = lock(&self.shared.remote);
        let task = remote.as_mut()?.pop_front()?;
        self.shared.remote_len.fetch_sub(1, Release);
        Some(task)
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

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified) {
        let rejected = CURRENT.try_with(|current| {
            let current = current.borrow();
            let Some(cx) = current.as_ref().filter(|cx| Arc::ptr_eq(&cx.handle, self)) else {
                return Some(task);
            };
            let Ok(mut slot) = cx.core.try_borrow_mut() else {
                return Some(task);
            };
            match slot.as_mut() {
                Some(core) => {
                    trace::schedule(task.id(), Some(0), Dest::Local);
                    core.tasks.push_back(task);
                    self.shared
                        .metrics
                        .local_queue_depth
                        .store(core.tasks.len(), Relaxed);
                    None
                }
                None => Some(task),
            }
        });
        match rejected {
            Ok(None) => {}
            Ok(Some(task)) => self.schedule_remote(task),
            // Thread exiting: the task was moved into the closure and dropped with it.
            Err(_) => {}
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }
}

impl Context {
    /// Runs `f` with the core stored in the context (so wakes and spawns go local).
    fn enter<R>(&self, core: Box<Core>, f: impl FnOnce() -> R) -> (Box<Core>, R) {
        *self.core.borrow_mut() = Some(core);
        let r = f();
        let core = self
            .core
            .borrow_mut()
            .take()
            .expect("core present after a poll");
        (core, r)
    }

    fn run_task(&self, core: Box<Core>, task: Notified) -> Box<Core> {
        let metrics = &self.handle.shared.metrics;
        metrics.polls.incr();
        let (core, ((), exhausted)) = self.enter(core, || coop::budget(|| task.run()));
        if exhausted {
            metrics.budget_forced_yields.incr();
        }
        core
    }

    /// Sleeps in the driver (or on the condvar without one) until a wake.
    fn park(&self, core: Box<Core>) -> Box<Core> {
        let shared = &self.handle.shared;
        if shared.woken.load(SeqCst)
            || !core.tasks.is_empty()
            || shared.remote_len.load(Acquire) != 0
        {
            return core;
        }
        shared.metrics.parks.incr();
        let core = self.park_inner(core, None);
        shared.metrics.unparks.incr();
        core
    }

    /// One non-blocking driver poll.
    fn park_yield(&self, core: Box<Core>) -> Box<Core> {
        self.park_inner(core, Some(Duration::ZERO))
    }

    fn park_inner(&self, mut core: Box<Core>, timeout: Option<Duration>) -> Box<Core> {
        let mut park = core.park.take().expect("parker present");
        let mut driver = core.driver.take();
        let (mut core, ()) = self.enter(core, || match (timeout, driver.as_mut()) {
            (Some(_), Some(d)) => park.poll_driver(d),
            (Some(_), None) => {}
            (None, d) => park.park(d),
        });
        core.driver = driver;
        core.park = Some(park);
        core
    }
}

impl Core {
    fn next_task(&mut self, handle: &Handle) -> Option<Notified> {
        let task = if self.tick % handle.config.global_queue_interval == 0 {
            handle.pop_remote().or_else(|| self.tasks.pop_front())
        } else {
            self.tasks.pop_front().or_else(|| handle.pop_remote())
        };
        handle
            .shared
            .metrics
            .local_queue_depth
            .store(self.tasks.len(), Relaxed);
        task
    }
}

/// Returns the core to the runtime and restores the previous context.
struct CoreGuard {
    cx: Rc<Context>,
    prev: Option<Option<Rc<Context>>>,
}

impl Drop for CoreGuard {
    fn drop(&mut self) {
        let prev = self.prev.take().flatten();
        let _ = CURRENT.try_with(|c| c.replace(prev));
        if let Some(core) = self.cx.core.borrow_mut().take() {
            self.cx.handle.release_core(core);
        }
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("current_thread::Handle")
            .finish_non_exhaustive()
    }
}
