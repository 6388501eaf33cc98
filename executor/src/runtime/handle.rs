//! [`Handle`]: a clonable reference to a runtime.

use super::metrics::RuntimeMetrics;
use crate::context::{self, TryCurrentError};
use crate::scheduler::{self, block_on::ThreadParker};
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::num::NonZeroU64;

/// A reference to a runtime: spawn onto it, block on it, enter it, read its metrics.
///
/// Cheap to clone; keeps the runtime's shared state alive but does not keep it running
/// (dropping the [`Runtime`](super::Runtime) still shuts it down; tasks spawned afterwards are
/// cancelled at once).
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// An opaque id of a runtime, unique among the runtimes of this process
/// ([`Handle::id`]). Printed, it is a number; nothing else about it is promised. (tokio has
/// it only with `--cfg tokio_unstable`; corium's is always there.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which scheduler a runtime uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// All tasks run on the thread in `block_on`.
    CurrentThread,
    /// Work-stealing worker threads.
    MultiThread,
}

/// Keeps a runtime current on this thread; restores the previous one when dropped.
///
/// # Panics
/// Guards must be dropped in the reverse order of their creation. Dropping one while a guard
/// created after it is still alive (or inside a `block_on` that began after it) panics: it
/// would leave the wrong runtime current.
#[must_use = "the runtime is current only while the guard lives"]
pub struct EnterGuard<'a> {
    // A local runtime's set (see `LocalRuntime::enter`), left first.
    pub(super) _local: Option<crate::task::local::SavedLocal>,
    // Fields drop in order: the reactor context (entered last) is restored first.
    _reactor: crate::driver::EnterGuard,
    _current: context::SetCurrentGuard,
    // Thread-bound (it restores a thread-local) and tied to the handle's borrow.
    // `!Send` (it restores this thread's context) but `Sync`, as tokio's guard: a mutex
    // guard has exactly these auto traits.
    _marker: PhantomData<(&'a Handle, std::sync::MutexGuard<'static, ()>)>,
}

impl Handle {
    /// The runtime of the calling context.
    ///
    /// # Panics
    /// Outside `Runtime::block_on`, a runtime thread, or an [`enter`](Handle::enter) guard;
    /// see [`Handle::try_current`] for a non-panicking version.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("{err}"),
        }
    }

    /// The runtime of the calling context, if any.
    ///
    /// # Errors
    /// [`TryCurrentError`] outside any runtime context.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|inner| Handle {
            inner: inner.clone(),
        })
    }

    /// Spawns a task onto this runtime. It starts running in the background right away (on a
    /// worker, or on the `block_on` thread of a current-thread runtime); the [`JoinHandle`]
    /// awaits its output and may be dropped to detach it.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs `func` on the blocking pool; the [`JoinHandle`] yields its return value (or a
    /// [`JoinError`](crate::task::JoinError) if it panicked, or was cancelled by shutdown before
    /// it started).
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner
            .blocking_spawner()
            .spawn_blocking(&self.inner, func)
    }

    /// Runs `future` to completion on the calling thread with this runtime current.
    ///
    /// # Panics
    /// If the thread already drives a runtime (see [`Runtime::block_on`](super::Runtime::block_on)).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = context::enter_runtime();
        let _current = context::set_current(&self.inner);
        let _reactor = self.inner.driver().enter();
        match &self.inner {
            scheduler::Handle::CurrentThread(h) => h.block_on(future),
            scheduler::Handle::MultiThread(_) => ThreadParker::new().block_on(future),
        }
    }

    /// Makes this runtime current on this thread until the guard drops.
    ///
    /// # Examples
    /// ```
    /// let rt = corium_executor::runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let task = corium_executor::spawn(async { 3 });
    /// # drop(_guard);
    /// assert_eq!(rt.block_on(task).unwrap(), 3);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        let current = context::set_current(&self.inner);
        EnterGuard {
            _local: None,
            _reactor: self.inner.driver().enter(),
            _current: current,
            _marker: PhantomData,
        }
    }

    /// The runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.clone())
    }

    /// This runtime's id: unique among the runtimes of this process, equal for every handle of
    /// the same runtime.
    ///
    /// # Examples
    /// ```
    /// use corium_executor::runtime::Runtime;
    /// let (a, b) = (Runtime::new().unwrap(), Runtime::new().unwrap());
    /// assert_eq!(a.handle().id(), a.handle().clone().id());
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// ```
    pub fn id(&self) -> Id {
        Id(self.inner.config().id)
    }

    /// The scheduler flavour.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            scheduler::Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            scheduler::Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .finish_non_exhaustive()
    }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        // Restoring from a guard that is not the innermost would make a runtime current that
        // the inner guards (or an inner `block_on`) do not expect, or none at all: refuse.
        // The fields still restore on the way out; the panic is what tells the user.
        if !self._current.is_innermost() && !std::thread::panicking() {
            panic!("{}", context::ENTER_OUT_OF_ORDER);
        }
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

// A panic caught around runtime calls cannot leave the runtime half-updated: its locks are
// never held across user code and its task state is only changed by atomic transitions.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}
