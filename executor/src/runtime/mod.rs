//! The runtime: a scheduler, a reactor and a blocking pool, built by [`Builder`].
//!
//! * [`Runtime`] owns them; dropping it shuts everything down.
//! * [`Handle`] is a cheap, clonable reference used to spawn from anywhere
//!   ([`Handle::current`] inside the runtime).
//! * [`RuntimeMetrics`] reads the per-worker counters.

pub(crate) mod builder;
mod handle;
mod local;
mod metrics;

pub use self::builder::Builder;
pub use self::handle::{EnterGuard, Handle, Id, RuntimeFlavor};
pub use self::local::{LocalOptions, LocalRuntime};
pub use self::metrics::RuntimeMetrics;
pub use crate::context::is_driving_tasks;
pub use crate::context::TryCurrentError;

use crate::blocking::BlockingPool;
use crate::context;
use crate::scheduler;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

/// Whether `err` is the error an I/O resource returns because its runtime is shutting down
/// (or has shut down): readiness operations on a registered socket, and registering a new one.
///
/// # Examples
/// ```
/// use corium_executor::runtime::{is_rt_shutdown_err, Runtime};
///
/// let rt = Runtime::new()?;
/// let other = std::io::Error::other("something else");
/// assert!(!is_rt_shutdown_err(&other));
/// # drop(rt);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    corium_reactor::is_shutdown_error(err)
}

/// The flavour a runtime was built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
}

/// An executor with its reactor and blocking pool.
///
/// # Shutdown
///
/// Dropping the runtime cancels every task (their futures are dropped: on the dropping thread
/// for the current-thread flavour, on the workers for the multi-thread one), shuts the reactor
/// down, then waits for running blocking closures to return. A closure that never returns
/// makes the drop wait forever; use [`shutdown_timeout`](Runtime::shutdown_timeout) or
/// [`shutdown_background`](Runtime::shutdown_background) when that can happen. When drop
/// returns, every file descriptor the runtime owns is closed (unless a [`Handle`], a task's
/// [`JoinHandle`] or a socket still refers to it).
///
/// # Panics
/// Dropping a runtime inside async code (within `block_on`, or on a runtime's worker thread)
/// panics: waiting there for the runtime's threads can deadlock. The runtime is still shut
/// down, in the background. Use [`shutdown_background`](Runtime::shutdown_background) there,
/// or drop it inside [`spawn_blocking`](Handle::spawn_blocking).
///
/// # Examples
/// ```
/// use corium_executor::runtime::Runtime;
///
/// let rt = Runtime::new()?;
/// let task = rt.spawn(async { "hello" });
/// assert_eq!(rt.block_on(task).unwrap(), "hello");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    handle: Handle,
    flavor: Flavor,
    blocking: BlockingPool,
    shut_down: bool,
}

impl Runtime {
    /// A multi-thread runtime with I/O and timers enabled and default settings.
    ///
    /// # Errors
    /// As [`Builder::build`].
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    pub(crate) fn from_parts(
        handle: scheduler::Handle,
        flavor: Flavor,
        blocking: BlockingPool,
    ) -> Runtime {
        Runtime {
            handle: Handle { inner: handle },
            flavor,
            blocking,
            shut_down: false,
        }
    }

    /// Runs `future` to completion on the calling thread, with this runtime current.
    ///
    /// On a current-thread runtime this is also what runs the spawned tasks.
    ///
    /// # Panics
    /// If called from a thread that is already driving a runtime (inside `block_on` or on a
    /// worker thread): that would block the thread its own tasks need. Use
    /// [`Handle::spawn`] and `.await` the result instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task onto this runtime (see [`Handle::spawn`]).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool (see [`Handle::spawn_blocking`]).
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops, so `spawn` works
    /// outside `block_on`.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// The runtime's counters (see [`RuntimeMetrics`]).
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts down, waiting at most `timeout` for workers and blocking closures to finish.
    /// Threads still busy at the deadline are left running, detached. Blocking closures that
    /// were spawned before the call still run, even those waiting in the pool's queue (tokio
    /// runs most of those too, but may cancel one that no pool thread was woken for yet;
    /// corium runs them all).
    ///
    /// # Panics
    /// Inside async code (in `block_on` or on a runtime thread) with a non-zero `timeout`:
    /// waiting there could deadlock. The runtime is shut down in the background first, as by
    /// [`shutdown_background`](Runtime::shutdown_background), which is the call to use there.
    #[track_caller]
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        let deadline = Instant::now().checked_add(timeout);
        self.shutdown(Some(deadline.unwrap_or_else(far_future)));
    }

    /// Shuts down without waiting for anything: tasks are cancelled (by the workers, in the
    /// background, for the multi-thread flavour) and running blocking closures are detached.
    /// Unlike drop, this may be called inside async code.
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Instant::now()));
    }

    #[track_caller]
    fn shutdown(&mut self, deadline: Option<Instant>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        // Waiting on a thread that drives tasks could wait for itself (a task owning its
        // runtime) or for a blocking job that awaits one of this thread's tasks. Shut down
        // without waiting, then say so (unless already unwinding: a second panic would abort).
        let waits = deadline.is_none_or(|d| d > Instant::now());
        let refused = waits && context::is_driving_tasks();
        let deadline = if refused {
            Some(Instant::now())
        } else {
            deadline
        };
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => h.shutdown(),
            scheduler::Handle::MultiThread(h) => {
                h.shutdown();
                h.wait_for_workers(deadline);
            }
        }
        self.blocking.shutdown(deadline);
        if refused && !std::thread::panicking() {
            panic!("{}", context::DROP_IN_ASYNC);
        }
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.flavor)
            .finish_non_exhaustive()
    }
}

// See the same impls on `Handle`.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}
