//! [`JoinHandle`] and [`AbortHandle`]: the owner's side of a spawned task.

use super::error::JoinError;
use super::raw::RawTask;
use super::Id;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// An owned permission to await (or abort) a spawned task.
///
/// Awaiting it yields the task's output, or a [`JoinError`] if the task panicked or was
/// cancelled. Dropping it *detaches* the task: the task keeps running and its output is
/// dropped when it finishes.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// let answer = rt.block_on(async { corium_executor::spawn(async { 6 * 7 }).await.unwrap() });
/// assert_eq!(answer, 42);
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    /// `Send` and `Sync` exactly when `T: Send` (as tokio's): the output moves to whoever
    /// awaits the handle, and a shared `&JoinHandle` only reads the task's state
    /// (`is_finished`, `abort`, ...), never the output. A `Mutex<T>` has those auto traits.
    _output: PhantomData<std::sync::Mutex<T>>,
}

impl<T> UnwindSafe for JoinHandle<T> {}
impl<T> RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes over the JoinHandle reference of `raw`.
    pub(super) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Cancels the task: its future is dropped (on a runtime thread) the next time a worker
    /// reaches it, and awaiting this handle then returns a cancelled [`JoinError`] — unless
    /// the task completed first, in which case its output is kept. Aborting a finished or
    /// already aborted task does nothing; a running `spawn_blocking` closure cannot be stopped.
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// `true` once the task has completed, been cancelled, or panicked.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// A handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }

    /// The output if the task is complete; otherwise `waker` becomes the join waker. Spends
    /// no coop budget (a `JoinSet` charges once per output itself).
    pub(crate) fn poll_output(&mut self, waker: &Waker) -> Poll<Result<T, JoinError>> {
        let mut ret: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `ret` has the task's output type (this JoinHandle was created for it) and we
        // are the JoinHandle.
        unsafe {
            self.raw.try_read_output(
                (&mut ret as *mut Poll<Result<T, JoinError>>).cast::<()>(),
                waker,
            )
        };
        ret
    }
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Awaiting finished handles in a loop must not starve the worker either.
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let ret = self.poll_output(cx.waker());
        if ret.is_ready() {
            coop.made_progress();
        }
        ret
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: dropped once; gives up the JoinHandle's reference.
        unsafe { self.raw.drop_join_handle() }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Aborts a task without owning its output (see [`JoinHandle::abort_handle`]).
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// Same as [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Same as [`JoinHandle::is_finished`].
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        // SAFETY: each AbortHandle owns one reference (taken in `abort_handle`/`clone`).
        unsafe { self.raw.drop_reference() }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

impl UnwindSafe for AbortHandle {}
impl RefUnwindSafe for AbortHandle {}
