//! Tasks: one heap allocation per spawned future, and the handles that point into it.
//!
//! # Anatomy of a task
//!
//! A task is a single allocation (`core.rs`): a header (the atomic state word of `state.rs`,
//! a vtable pointer, the task id, its owned-list slot), then the scheduler handle and the
//! *stage* (the future while it runs, then its output), then the *join waker* of whoever awaits
//! the [`JoinHandle`]. Everything that points at a task — a run-queue entry (`Notified`), the
//! runtime's list of live tasks (`list.rs`), a `Waker`, the [`JoinHandle`], an [`AbortHandle`] —
//! is a type-erased pointer to the header that owns one count of the reference count packed in
//! the state word. The last one frees the allocation.
//!
//! # Life cycle
//!
//! ```text
//!            spawn                 pop + transition_to_running
//!   (new) ──────────▶ NOTIFIED ───────────────────────────────▶ RUNNING ──Ready/panic──▶ COMPLETE
//!                        ▲                                        │
//!                        │ wake (submits a Notified)              │ Pending
//!                        └──────────────── idle ◀─────────────────┘
//! ```
//!
//! A wake while the task is `RUNNING` only sets `NOTIFIED`; the poller sees it when the poll
//! returns `Pending` and puts the task at the *back* of the run queue (this is how
//! [`yield_now`] works). [`JoinHandle::abort`] and runtime shutdown set `CANCELLED`; the next
//! thread to own the task drops the future instead of polling it. Every user callback (poll,
//! the future's destructor, the output's destructor, the join waker) runs under
//! `catch_unwind`, so a panicking task is reported through [`JoinError`] and never takes a
//! worker down.
//!
//! `harness.rs` holds the typed code; `raw.rs` the vtable; `waker.rs` the `RawWakerVTable`;
//! `join.rs` the owner-side handles; `list.rs` the owned-task list used by shutdown.

mod block_in_place;
pub mod coop;
mod core;
mod error;
mod harness;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
pub(crate) mod local;
mod raw;
pub(crate) mod state;
mod task_local;
mod waker;
mod yield_now;

pub use self::block_in_place::block_in_place;
pub use self::coop::{consume_budget, unconstrained, Unconstrained};
pub use self::error::JoinError;
pub use self::id::{id, try_id, Id};
pub use self::join::{AbortHandle, JoinHandle};
pub use self::join_set::JoinSet;
pub use self::local::{spawn_local, LocalEnterGuard, LocalSet};
pub use self::task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use self::yield_now::yield_now;
#[doc(inline)]
pub use crate::task_local;

pub(crate) use self::core::Header;
use self::raw::RawTask;
use self::state::INITIAL_STATE_UNOWNED;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

/// Spawns a task onto the current runtime; it starts running in the background at once.
///
/// The [`JoinHandle`] awaits the output; dropping it detaches the task.
///
/// # Panics
/// Outside a runtime context (`Runtime::block_on`, a spawned task, a `spawn_blocking` closure,
/// or an `enter` guard).
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handles: Vec<_> = (0..4).map(|i| corium_executor::task::spawn(async move { i * 2 })).collect();
///     let mut sum = 0;
///     for h in handles {
///         sum += h.await.unwrap();
///     }
///     assert_eq!(sum, 12);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match crate::context::with_current(|handle| handle.spawn(future)) {
        Ok(join) => join,
        Err(_) => panic!("{}", crate::context::NO_RUNTIME),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool.
///
/// # Panics
/// Outside a runtime context, as [`spawn`].
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// let n = rt.block_on(async {
///     corium_executor::task::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0))
///         .await
///         .unwrap()
/// });
/// assert!(n > 0);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match crate::context::with_current(|handle| {
        handle.blocking_spawner().spawn_blocking(handle, func)
    }) {
        Ok(join) => join,
        Err(_) => panic!("{}", crate::context::NO_RUNTIME),
    }
}

/// Size of the type-erased task header in bytes (for the benchmark's memory report).
#[doc(hidden)]
pub fn __header_size() -> usize {
    std::mem::size_of::<Header>()
}

/// What a task needs from the scheduler that runs it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// A wake made the task runnable: queue it.
    fn schedule(&self, task: Notified<Self>);

    /// The task woke itself during its own poll: queue it *behind* the waiting tasks.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// The task completed: take it off the owned-task list, returning the list's reference.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;
}

/// One owned reference to a task (the owned-list entry, or the inside of a [`Notified`]).
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

/// A task that is runnable: it sits (or is about to sit) in a run queue. Owns one reference.
pub(crate) struct Notified<S: 'static>(Task<S>);

impl<S: 'static> Task<S> {
    /// Takes over one reference held in `raw`.
    fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _scheduler: PhantomData,
        }
    }

    fn raw(&self) -> RawTask {
        self.raw
    }

    pub(crate) fn header(&self) -> &Header {
        self.raw.header()
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id()
    }

    /// Cancels the task now if nobody is polling it; gives up this reference.
    pub(crate) fn shutdown(self) {
        let raw = ManuallyDrop::new(self).raw;
        // SAFETY: our reference is handed over to `shutdown`, and `ManuallyDrop` keeps `Drop`
        // from releasing it a second time.
        unsafe { raw.shutdown() }
    }
}

impl<S: 'static> Notified<S> {
    /// Polls the task once (or cancels it, if aborted), consuming this queue entry.
    pub(crate) fn run(self) {
        let raw = ManuallyDrop::new(self.0).raw;
        // SAFETY: a Notified owns the reference `poll` consumes; ManuallyDrop prevents a
        // second release.
        unsafe { raw.poll() }
    }

    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }

    /// Cancels the task instead of running it (a queue being drained at shutdown).
    pub(crate) fn shutdown(self) {
        self.0.shutdown();
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        // SAFETY: each Task owns exactly one reference.
        unsafe { self.raw.drop_reference() }
    }
}

impl<S: 'static> fmt::Debug for Task<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task({})", self.id())
    }
}

impl<S: 'static> fmt::Debug for Notified<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Notified({})", self.id())
    }
}

/// Splits a task allocated with `INITIAL_STATE` into its three owners: the owned list's
/// reference, the first Notified, the handle.
fn new_task<S: Schedule, T>(raw: RawTask) -> (Task<S>, Notified<S>, JoinHandle<T>) {
    (
        Task::from_raw(raw),
        Notified(Task::from_raw(raw)),
        JoinHandle::new(raw),
    )
}

/// Allocates a task that no owned list tracks (blocking-pool tasks): the first Notified and
/// the handle. Its scheduler's `release` must return `None`.
pub(crate) fn unowned<F, S>(future: F, scheduler: S, id: Id) -> (Notified<S>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, id, INITIAL_STATE_UNOWNED);
    (Notified(Task::from_raw(raw)), JoinHandle::new(raw))
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

#[cfg(all(test, loom))]
mod loom_local;

#[cfg(all(test, loom))]
mod loom_join_set;
