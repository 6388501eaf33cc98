//! Tasks that are not `Send`: [`LocalSet`] and [`spawn_local`].
//!
//! # Why a task may be `!Send`
//!
//! [`spawn`](super::spawn) hands a future to whichever worker is free, so the future must be
//! `Send`. A future that holds an `Rc`, a `RefCell` borrow across an `.await`, or a handle of a
//! library that is bound to one thread cannot move; it can still be a task if every poll of it,
//! and its destructor, happen on the thread that spawned it. A [`LocalSet`] is that promise: a
//! group of tasks that only the thread owning the set runs.
//!
//! # How a set schedules
//!
//! The set keeps a plain `VecDeque` run queue, reachable only from its own thread, and a
//! mutex-protected *remote* queue. A set runs its tasks when it is polled — as the future
//! [`LocalSet::run_until`] returns, as a future itself, or through [`LocalSet::block_on`] — for
//! at most 61 tasks per poll, then wakes itself so the runtime around it gets a turn.
//!
//! While a poll of the set is on the stack, the thread-local [`CURRENT`] names the set, so
//! [`spawn_local`] finds it and a wake on this thread pushes straight onto the local queue.
//!
//! # Wakes from other threads
//!
//! A task's `Waker` is `Send` even when the task is not: an I/O driver, a timer or a channel
//! on another thread may wake it. Such a wake must never poll the task there, so it only
//! pushes the task onto the set's remote queue and wakes whoever polls the set — the waker the
//! set registered at its last poll, i.e. the `block_on` thread's or the enclosing task's — which
//! unparks the owning thread. The owner registers that waker *before* it looks at the remote
//! queue, and both happen under the queue's lock on the other side, so a wake either finds
//! the waker or is seen by the owner's next look; none is lost (the loom model
//! `local_set_remote_wake` checks every interleaving).
//!
//! Dropping a set cancels its tasks on the owning thread (their destructors run with the set
//! current), then closes the remote queue: a later wake from elsewhere drops its entry, whose
//! future is already gone.

use super::list::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::coop;
use crate::loom::{lock, Arc, Mutex};
use crate::trace::Dest;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};

type LocalNotified = Notified<Arc<Shared>>;

/// Tasks one poll of a set runs before it yields to the runtime around it.
const MAX_TASKS_PER_TICK: u32 = 61;

/// Every this many tasks the remote queue is looked at before the local one, so tasks woken
/// from other threads are not starved by a busy local queue.
const REMOTE_FIRST_INTERVAL: u32 = 31;

/// The message of a [`spawn_local`] outside any local context.
pub(crate) const SPAWN_LOCAL_OUTSIDE: &str = "`spawn_local` called from outside of a \
     `task::LocalSet` or `LocalRuntime`: call it inside `LocalSet::run_until`, \
     `LocalSet::block_on`, a task of a LocalSet, a `LocalSet::enter` guard or a LocalRuntime \
     (or use `LocalSet::spawn_local`, or `spawn` for a `Send` future)";

#[cfg(not(loom))]
std::thread_local! {
    /// The set a poll of which is on this thread's stack (or that was entered).
    static CURRENT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

// Loom runs its threads on one OS thread: a std thread-local would be shared between them.
#[cfg(loom)]
loom::thread_local! {
    static CURRENT: RefCell<Option<Rc<Context>>> = RefCell::new(None);
}

/// A set of `!Send` tasks, all run on the thread that owns the set.
///
/// Tasks are added with [`spawn_local`](LocalSet::spawn_local) (or the free [`spawn_local`]
/// from inside the set) and run while the set is polled: by [`run_until`](LocalSet::run_until),
/// by [`block_on`](LocalSet::block_on), or by awaiting the set itself, which completes once
/// every task is done. Dropping the set cancels the tasks that are left; their destructors run
/// on the owning thread, with the set current.
///
/// # Examples
/// ```
/// use std::rc::Rc;
/// use corium_executor::task::{self, LocalSet};
///
/// let rt = corium_executor::runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let shared = Rc::new(41); // `Rc` is not `Send`: `spawn` would refuse this task.
/// let n = local.block_on(&rt, async move {
///     let shared2 = shared.clone();
///     task::spawn_local(async move { *shared2 + 1 }).await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
pub struct LocalSet {
    context: Rc<Context>,
}

/// The owner-thread half of a set. Never leaves its thread (`Rc`).
struct Context {
    shared: Arc<Shared>,
    /// Runnable tasks, scheduled on this thread.
    queue: RefCell<VecDeque<LocalNotified>>,
    /// A poll of this set is on the stack and will run what is queued now: no wake needed.
    polling: Cell<bool>,
    /// Tasks until the remote queue is checked first.
    remote_first_in: Cell<u32>,
}

/// The half other threads reach through a task's scheduler handle.
pub(crate) struct Shared {
    owned: OwnedTasks<Arc<Shared>>,
    /// Tasks woken on other threads; `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<LocalNotified>>>,
    /// Whoever polled the set last; taken by the wake that uses it.
    waker: Mutex<Option<Waker>>,
}

/// Keeps a [`LocalSet`] current on this thread (see [`LocalSet::enter`]); restores the
/// previous one when dropped.
#[must_use = "the set is current only while the guard lives"]
pub struct LocalEnterGuard<'a> {
    prev: Option<Rc<Context>>,
    _set: std::marker::PhantomData<&'a LocalSet>,
}

impl LocalSet {
    /// An empty set, owned by the calling thread.
    pub fn new() -> LocalSet {
        LocalSet {
            context: Rc::new(Context {
                shared: Arc::new(Shared {
                    owned: OwnedTasks::new(1),
                    remote: Mutex::new(Some(VecDeque::new())),
                    waker: Mutex::new(None),
                }),
                queue: RefCell::new(VecDeque::new()),
                polling: Cell::new(false),
                remote_first_in: Cell::new(REMOTE_FIRST_INTERVAL),
            }),
        }
    }

    /// Adds a task to the set. It runs when the set is next polled (by
    /// [`run_until`](LocalSet::run_until), [`block_on`](LocalSet::block_on), or awaiting the
    /// set), on this thread.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future)
    }

    /// Runs `future` on `rt` with this set's tasks running beside it, until `future` completes.
    ///
    /// # Panics
    /// As [`Runtime::block_on`](crate::runtime::Runtime::block_on): inside an async context.
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Drives `future` to completion, running this set's tasks whenever it is polled. Tasks
    /// left unfinished when `future` completes stay in the set.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil { set: self, future }.await
    }

    /// Makes this set current on this thread until the guard drops, so [`spawn_local`] adds
    /// tasks to it (they run when the set is next polled).
    pub fn enter(&self) -> LocalEnterGuard<'_> {
        LocalEnterGuard {
            prev: set_current(Some(self.context.clone())),
            _set: std::marker::PhantomData,
        }
    }
}

impl LocalSet {
    /// [`enter`](LocalSet::enter) for a guard that must stay `Sync` (the runtime's
    /// `EnterGuard`, as tokio's is): the previous set waits on a thread-local stack instead of
    /// inside the guard, which then holds no `Rc`.
    pub(crate) fn enter_saved(&self) -> SavedLocal {
        let prev = set_current(Some(self.context.clone()));
        // During thread teardown there is no stack: nothing to restore later either.
        let _ = SAVED.try_with(|saved| saved.borrow_mut().push(prev));
        SavedLocal(())
    }
}

#[cfg(not(loom))]
std::thread_local! {
    /// The sets [`SavedLocal`] guards replaced, innermost last.
    static SAVED: RefCell<Vec<Option<Rc<Context>>>> = const { RefCell::new(Vec::new()) };
}

#[cfg(loom)]
loom::thread_local! {
    static SAVED: RefCell<Vec<Option<Rc<Context>>>> = RefCell::new(Vec::new());
}

/// From [`LocalSet::enter_saved`]: restores the previous set when dropped. Guards nest; the
/// runtime's `EnterGuard`, which holds this, already panics when dropped out of order.
pub(crate) struct SavedLocal(());

impl Drop for SavedLocal {
    fn drop(&mut self) {
        let prev = SAVED
            .try_with(|saved| saved.borrow_mut().pop())
            .ok()
            .flatten()
            .flatten();
        set_current(prev);
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

/// Replaces the current set, returning the previous one.
fn set_current(context: Option<Rc<Context>>) -> Option<Rc<Context>> {
    // During thread teardown there is no slot any more, and nothing to restore.
    CURRENT.try_with(|c| c.replace(context)).ok().flatten()
}

impl Drop for LocalEnterGuard<'_> {
    fn drop(&mut self) {
        set_current(self.prev.take());
    }
}

impl fmt::Debug for LocalEnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

/// Spawns a `!Send` future onto the current [`LocalSet`] (or local runtime).
///
/// The task runs on this thread, whenever the set is polled.
///
/// # Panics
/// Outside a local context: inside [`LocalSet::run_until`] / [`LocalSet::block_on`], a task
/// of a set, a [`LocalSet::enter`] guard, or a local runtime
/// ([`Builder::build_local`](crate::runtime::Builder::build_local)).
///
/// # Examples
/// ```
/// use corium_executor::task::{self, LocalSet};
///
/// let rt = corium_executor::runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// local.block_on(&rt, async {
///     let cell = std::rc::Rc::new(std::cell::Cell::new(1));
///     let c = cell.clone();
///     task::spawn_local(async move { c.set(2) }).await.unwrap();
///     assert_eq!(cell.get(), 2);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let current = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten();
    match current {
        Some(context) => context.spawn(future),
        None => panic!("{SPAWN_LOCAL_OUTSIDE}"),
    }
}

impl Context {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = Id::next();
        crate::trace::spawn(id, false);
        // SAFETY: the task's scheduler is this set's `Shared`. Tasks are run only by `tick`,
        // which is reached only through this `Context` — an `Rc`, so on the thread that made
        // the set, which is this one (`spawn` is a method of the same `Context`); they are
        // cancelled only by the set's `Drop`, on the same thread. A wake on another thread
        // only pushes onto `remote`, which only `tick` pops, and which the set's `Drop` closes
        // after every future is gone.
        let (join, notified) = unsafe {
            self.shared
                .owned
                .bind_local(future, self.shared.clone(), id)
        };
        if let Some(task) = notified {
            self.push(task);
        }
        join
    }

    /// Queues a task scheduled on the owning thread; wakes the set unless a poll of it is on
    /// the stack (it runs the queue before returning).
    fn push(&self, task: LocalNotified) {
        crate::trace::schedule(task.id(), None, Dest::Local);
        self.queue.borrow_mut().push_back(task);
        if !self.polling.get() {
            self.shared.wake_set();
        }
    }

    /// Runs up to [`MAX_TASKS_PER_TICK`] tasks; `true` if there may be more to run.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            let Some(task) = self.next_task() else {
                return false;
            };
            let ((), _) = coop::budget(|| task.run());
        }
        true
    }

    fn next_task(&self) -> Option<LocalNotified> {
        let left = self.remote_first_in.get() - 1;
        if left == 0 {
            self.remote_first_in.set(REMOTE_FIRST_INTERVAL);
            self.shared.pop_remote().or_else(|| self.pop_local())
        } else {
            self.remote_first_in.set(left);
            self.pop_local().or_else(|| self.shared.pop_remote())
        }
    }

    fn pop_local(&self) -> Option<LocalNotified> {
        // Statement-long borrow: no task code runs while the queue is borrowed.
        self.queue.borrow_mut().pop_front()
    }

    /// Runs `f` with this set current and marked as being polled.
    fn polling<R>(self: &Rc<Self>, f: impl FnOnce() -> R) -> R {
        struct Reset<'a> {
            context: &'a Context,
            prev: Option<Rc<Context>>,
            was_polling: bool,
        }
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.context.polling.set(self.was_polling);
                set_current(self.prev.take());
            }
        }
        let _reset = Reset {
            context: self,
            prev: set_current(Some(self.clone())),
            was_polling: self.polling.replace(true),
        };
        f()
    }

    /// One poll of the set: register `cx`'s waker, then run tasks; `true` if more are ready.
    fn poll_tick(self: &Rc<Self>, cx: &TaskContext<'_>) -> bool {
        // Registered before the remote queue is read, so a wake after the read finds it.
        self.shared.register(cx.waker());
        self.polling(|| self.tick())
    }
}

impl Shared {
    fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        match slot.as_ref() {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Wakes whoever polls the set (outside the lock).
    fn wake_set(&self) {
        let waker = lock(&self.waker).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn pop_remote(&self) -> Option<LocalNotified> {
        lock(&self.remote).as_mut()?.pop_front()
    }

    #[cold]
    fn schedule_remote(&self, task: LocalNotified) {
        crate::trace::schedule(task.id(), None, Dest::Inject);
        let rejected = match lock(&self.remote).as_mut() {
            Some(queue) => {
                queue.push_back(task);
                None
            }
            None => Some(task),
        };
        match rejected {
            None => self.wake_set(),
            // The set is gone and its tasks were cancelled on its thread: a stale entry.
            Some(task) => drop(task),
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: LocalNotified) {
        let mut task = Some(task);
        let pushed = CURRENT.try_with(|current| {
            let current = current.borrow();
            match current.as_deref() {
                Some(context) if Arc::ptr_eq(&context.shared, self) => {
                    // On the owning thread, inside the set: the local queue.
                    // The queue is never borrowed across task code; should it be, the remote
                    // queue takes the task instead.
                    let mut queue = context.queue.try_borrow_mut().ok()?;
                    let t = task.take()?;
                    crate::trace::schedule(t.id(), None, Dest::Local);
                    queue.push_back(t);
                    Some(!context.polling.get())
                }
                _ => None,
            }
        });
        match (pushed, task) {
            (Ok(Some(true)), _) => self.wake_set(),
            (Ok(Some(false)), _) => {}
            // Another thread, another set, or this thread outside the set: the remote queue.
            (_, Some(task)) => self.schedule_remote(task),
            (_, None) => unreachable!("a task that was not queued locally is still here"),
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

pin_project_lite::pin_project! {
    /// The future of [`LocalSet::run_until`].
    struct RunUntil<'a, F> {
        set: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let (context, future) = (&this.set.context, this.future);
        context.shared.register(cx.waker());
        context.polling(|| {
            if let Poll::Ready(out) = future.poll(cx) {
                return Poll::Ready(out);
            }
            if context.tick() {
                // More is ready: come back after the runtime had its turn.
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }
}

/// Runs until every task of the set has completed.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.context.poll_tick(cx) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.context.shared.owned.len() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let context = &self.context;
        // Task destructors run here, with the set current: a `spawn_local` from one gets a
        // cancelled task instead of a panic.
        context.polling(|| {
            context.shared.owned.close_and_shutdown_all();
            // One entry at a time: dropping one can wake (and queue) another.
            while let Some(task) = context.pop_local() {
                drop(task);
            }
            let remote = lock(&context.shared.remote).take();
            drop(remote);
        });
        let waker = lock(&context.shared.waker).take();
        drop(waker);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    //! Runtime-free tests (they need no reactor, so they also run under Miri).

    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::mpsc;
    use std::task::Wake;

    /// Unparks the thread that polls.
    struct Unpark(std::thread::Thread);

    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
        let mut cx = TaskContext::from_waker(&waker);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    #[test]
    fn rc_tasks_run_and_join() {
        let local = LocalSet::new();
        let rc = Rc::new(Cell::new(0));
        let out = block_on(local.run_until(async {
            let mut handles = Vec::new();
            for i in 1..=4 {
                let rc = rc.clone();
                handles.push(spawn_local(async move {
                    rc.set(rc.get() + i);
                    Rc::new(i)
                }));
            }
            let mut sum = 0;
            for h in handles {
                sum += *h.await.unwrap();
            }
            sum
        }));
        assert_eq!(out, 10);
        assert_eq!(rc.get(), 10);
    }

    #[test]
    fn a_wake_from_another_thread_is_run_by_the_owner() {
        let local = LocalSet::new();
        let (tx, rx) = mpsc::channel::<Waker>();
        let ready = std::sync::Arc::new(AtomicBool::new(false));
        let seen = ready.clone();
        let task = local.spawn_local(std::future::poll_fn(move |cx| {
            if seen.load(SeqCst) {
                return Poll::Ready(Rc::new(3));
            }
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        }));
        let other = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            ready.store(true, SeqCst);
            waker.wake();
        });
        assert_eq!(*block_on(local.run_until(task)).unwrap(), 3);
        other.join().unwrap();
    }

    #[test]
    fn dropping_the_set_drops_pending_futures_and_later_wakes_are_harmless() {
        struct Count(std::sync::Arc<AtomicUsize>);
        impl Drop for Count {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Waker>();
        let local = LocalSet::new();
        let guard = Count(drops.clone());
        let task = local.spawn_local(std::future::poll_fn(move |cx| {
            let _keep = (&guard, Rc::new(()));
            tx.send(cx.waker().clone()).unwrap();
            Poll::<()>::Pending
        }));
        // One yield of the run_until future lets the set run the task once.
        block_on(local.run_until(crate::task::yield_now()));
        let waker = rx.recv().unwrap();
        drop(local);
        assert_eq!(drops.load(SeqCst), 1);
        // The remote queue is closed: the wake drops its entry on this other thread.
        std::thread::spawn(move || waker.wake()).join().unwrap();
        assert!(block_on(task).unwrap_err().is_cancelled());
    }

    #[test]
    fn awaiting_the_set_runs_until_every_task_is_done() {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        for _ in 0..3 {
            let done = done.clone();
            local.spawn_local(async move {
                crate::task::yield_now().await;
                done.set(done.get() + 1);
            });
        }
        block_on(local);
        assert_eq!(done.get(), 3);
    }
}
