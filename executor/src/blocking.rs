//! The blocking pool: threads for closures that block (file I/O, CPU-heavy work, FFI).
//!
//! `spawn_blocking` queues the closure as a task and hands it to an idle pool thread, or
//! starts a new thread while fewer than `max_blocking_threads` exist; past the cap, closures
//! wait in the queue for a busy thread to finish. An idle thread exits after `keep_alive`
//! without work, so a burst does not leave hundreds of threads behind.
//!
//! Shutdown refuses new closures (their `JoinHandle` yields a cancelled error at once), lets
//! the pool threads run every closure already spawned — queued ones included, as tokio does —
//! and waits, for as long as the caller allows, for the threads to exit. A running closure
//! cannot be interrupted; `Runtime::shutdown_timeout` therefore gives up waiting at its
//! deadline and leaves the busy threads detached (they finish the queue, then exit).

use crate::context;
use crate::loom::{lock, Condvar, Mutex};
use crate::runtime::builder::ThreadConfig;
use crate::scheduler;
use crate::scheduler::spin::spin_until;
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

thread_local! {
    /// The pool whose thread this is (null elsewhere); compared, never dereferenced.
    static POOL: Cell<*const Inner> = const { Cell::new(ptr::null()) };
}

/// The pool; the runtime owns it and shuts it down last.
pub(crate) struct BlockingPool {
    spawner: Spawner,
}

/// Queues closures onto the pool; held by the runtime handle.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Idle threads wait here for work.
    work: Condvar,
    /// `shutdown` waits here for the last thread to exit.
    exited: Condvar,
    threads: ThreadConfig,
    thread_cap: usize,
    keep_alive: Duration,
    /// Mirrors of `Shared` counts for lock-free metrics reads.
    num_threads: AtomicUsize,
    num_idle: AtomicUsize,
    queue_depth: AtomicUsize,
    /// Set by a spawner that handed its closure to the spinning thread: the spinner's hint to
    /// stop spinning early. Only a hint; who runs what is decided under the lock.
    spinner_claimed: AtomicBool,
}

struct Shared {
    queue: VecDeque<Notified<BlockingSchedule>>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet taken (an idle thread that times out must
    /// not exit if one is meant for it).
    num_notify: usize,
    /// One idle thread (counted in `num_idle`) that has just finished a closure and, for up
    /// to [`SPIN`], polls for the next one instead of sleeping on the condvar. A spawner that
    /// finds it claims it (clears this) and queues without a wake-up syscall.
    spinner: bool,
    shutdown: bool,
}

/// How long a pool thread that just finished a closure stays awake for the next one.
///
/// A task awaiting one pool job after another (`fs::read` of many small files) spawns the
/// next job about 10 µs after the previous one woke it. Sleeping on the condvar in that gap
/// costs a futex wake on the spawner's side and a thread wake-up (tens of microseconds on an
/// idle core) on the pool's; staying awake costs a few `sched_yield`s, which give the core
/// away whenever something else wants it.
const SPIN: Duration = Duration::from_micros(50);

/// Blocking tasks are never woken (their only poll completes), so the scheduler is a stub —
/// but for one job: holding a paused clock's auto-advance back while the task runs.
pub(crate) struct BlockingSchedule {
    /// Dropped in [`release`](Schedule::release), which the harness calls only after the
    /// task's output is stored and its `JoinHandle` woken: released any earlier (when the
    /// closure returns), the driver could find nothing to run in the gap and jump the clock
    /// past a timeout the output was about to beat. `None` unless the clock was paused.
    #[cfg(not(loom))]
    inhibit: std::sync::Mutex<Option<corium_reactor::AutoAdvanceGuard>>,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified<Self>) {
        // Unreachable by construction (see above); dropping the entry is the safe response.
        drop(task);
    }

    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        #[cfg(not(loom))]
        drop(
            self.inhibit
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        None
    }
}

/// A closure as a future that completes on its first poll.
struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self
            .func
            .take()
            .expect("blocking task polled after completion");
        Poll::Ready(func())
    }
}

impl BlockingPool {
    pub(crate) fn new(
        threads: ThreadConfig,
        thread_cap: usize,
        keep_alive: Duration,
    ) -> BlockingPool {
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(Inner {
                    shared: Mutex::new(Shared {
                        queue: VecDeque::new(),
                        num_threads: 0,
                        num_idle: 0,
                        num_notify: 0,
                        spinner: false,
                        shutdown: false,
                    }),
                    work: Condvar::new(),
                    exited: Condvar::new(),
                    threads,
                    thread_cap,
                    keep_alive,
                    num_threads: AtomicUsize::new(0),
                    num_idle: AtomicUsize::new(0),
                    queue_depth: AtomicUsize::new(0),
                    spinner_claimed: AtomicBool::new(false),
                }),
            },
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Refuses new closures and waits until every pool thread has run the queue and exited,
    /// or `deadline` passes. `true` if all exited. Called from one of the pool's own threads
    /// (a closure dropping its runtime), it does not wait for that thread.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) -> bool {
        let inner = &self.spawner.inner;
        let mut shared = lock(&inner.shared);
        shared.shutdown = true;
        inner.work.notify_all();
        let me = usize::from(POOL.try_with(Cell::get).is_ok_and(|p| ptr::eq(p, &**inner)));
        while shared.num_threads > me {
            match deadline {
                None => shared = inner.exited.wait(shared).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    shared = inner
                        .exited
                        .wait_timeout(shared, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        true
    }
}

impl Spawner {
    /// Queues `func`; `rt` becomes the current runtime on the thread that runs it.
    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let id = Id::next();
        crate::trace::spawn(id, true);
        // A paused clock must not jump ahead of work that takes real time on another thread:
        // the task holds the reactor's auto-advance back until it has completed *and* woken
        // its JoinHandle (see `BlockingSchedule::release`).
        #[cfg(not(loom))]
        let schedule = BlockingSchedule {
            inhibit: std::sync::Mutex::new(rt.driver().inhibit_auto_advance()),
        };
        #[cfg(loom)]
        let schedule = {
            let _ = rt;
            BlockingSchedule {}
        };
        let (task, join) = task::unowned(BlockingTask { func: Some(func) }, schedule, id);
        let inner = &self.inner;
        let mut shared = lock(&inner.shared);
        if shared.shutdown {
            drop(shared);
            task.shutdown();
            return join;
        }
        shared.queue.push_back(task);
        inner.queue_depth.store(shared.queue.len(), Relaxed);
        if shared.spinner {
            // The thread that just finished a job is still awake: it takes this one.
            shared.spinner = false;
            shared.num_idle -= 1;
            inner.num_idle.store(shared.num_idle, Relaxed);
            drop(shared);
            inner.spinner_claimed.store(true, Relaxed);
            return join;
        }
        if shared.num_idle > 0 {
            shared.num_idle -= 1;
            inner.num_idle.store(shared.num_idle, Relaxed);
            shared.num_notify += 1;
            // Woken after the lock is released, so the idle thread does not wake only to
            // block on the lock we still hold (two futex calls per job on a quiet machine).
            // The wake-up is already counted in `num_notify`, so it cannot be lost.
            drop(shared);
            inner.work.notify_one();
            return join;
        }
        if shared.num_threads >= inner.thread_cap {
            // At the cap: a busy thread takes it when it finishes.
            return join;
        }
        shared.num_threads += 1;
        inner.num_threads.store(shared.num_threads, Relaxed);
        drop(shared);
        if let Err(err) = self.spawn_thread(rt) {
            let mut shared = lock(&inner.shared);
            shared.num_threads -= 1;
            inner.num_threads.store(shared.num_threads, Relaxed);
            if shared.num_threads == 0 {
                // No thread will ever run the queue: fail its closures rather than hang them.
                let queued = std::mem::take(&mut shared.queue);
                inner.queue_depth.store(0, Relaxed);
                drop(shared);
                for task in queued {
                    task.shutdown();
                }
            }
            // Reported through the JoinHandle (cancelled); there is no other channel here.
            let _ = err;
        }
        join
    }

    fn spawn_thread(&self, rt: &scheduler::Handle) -> std::io::Result<()> {
        let inner = self.inner.clone();
        let rt = rt.clone();
        self.inner.threads.builder().spawn(move || {
            POOL.with(|p| p.set(Arc::as_ptr(&inner)));
            if let Some(f) = &inner.threads.on_start {
                f();
            }
            {
                // Blocking closures may use `Handle::current` and spawn, and may even
                // `block_on` (they are not on a runtime thread).
                let _current = context::set_current(&rt);
                let _reactor = rt.driver().enter();
                inner.run();
            }
            drop(rt);
            if let Some(f) = &inner.threads.on_stop {
                f();
            }
            let mut shared = lock(&inner.shared);
            shared.num_threads -= 1;
            inner.num_threads.store(shared.num_threads, Relaxed);
            drop(shared);
            inner.exited.notify_all();
        })?;
        Ok(())
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.inner.num_threads.load(Relaxed)
    }

    pub(crate) fn num_idle_threads(&self) -> usize {
        self.inner.num_idle.load(Relaxed)
    }

    pub(crate) fn queue_depth(&self) -> usize {
        self.inner.queue_depth.load(Relaxed)
    }
}

impl Inner {
    /// Stays awake for up to [`SPIN`] or until a spawner claims this thread.
    fn spin(&self) {
        let budget = u64::try_from(SPIN.as_nanos()).unwrap_or(u64::MAX);
        spin_until(budget, || self.spinner_claimed.load(Relaxed));
    }

    /// A pool thread: run queued closures; idle up to `keep_alive`; exit on shutdown once the
    /// queue is empty.
    fn run(&self) {
        let mut shared = lock(&self.shared);
        'work: loop {
            while let Some(task) = shared.queue.pop_front() {
                self.queue_depth.store(shared.queue.len(), Relaxed);
                drop(shared);
                task.run();
                shared = lock(&self.shared);
            }
            if shared.shutdown {
                return;
            }
            shared.num_idle += 1;
            self.num_idle.store(shared.num_idle, Relaxed);
            let deadline = Instant::now() + self.keep_alive;
            if !shared.spinner && !SPIN.is_zero() {
                shared.spinner = true;
                self.spinner_claimed.store(false, Relaxed);
                drop(shared);
                self.spin();
                shared = lock(&self.shared);
                if shared.spinner {
                    // Nobody came: sleep like any idle thread (still counted in `num_idle`),
                    // unless shutdown began meanwhile (its wake-up went to the sleepers).
                    shared.spinner = false;
                    if shared.shutdown {
                        shared.num_idle -= 1;
                        self.num_idle.store(shared.num_idle, Relaxed);
                        continue 'work;
                    }
                } else {
                    // A spawner claimed us and counted us busy; its closure is queued (or
                    // shutdown began and the queue is what is left to run).
                    continue 'work;
                }
            }
            loop {
                let now = Instant::now();
                let timeout = deadline.saturating_duration_since(now);
                shared = self
                    .work
                    .wait_timeout(shared, timeout)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                if shared.num_notify > 0 {
                    // The notifier already counted us as busy.
                    shared.num_notify -= 1;
                    continue 'work;
                }
                if shared.shutdown {
                    shared.num_idle -= 1;
                    self.num_idle.store(shared.num_idle, Relaxed);
                    // Closures queued before the shutdown are still run (by this thread,
                    // if no busy one gets to them first); then it exits.
                    continue 'work;
                }
                if Instant::now() >= deadline {
                    shared.num_idle -= 1;
                    self.num_idle.store(shared.num_idle, Relaxed);
                    return;
                }
                // Spurious wake-up: keep waiting for the rest of the keep-alive.
            }
        }
    }
}
