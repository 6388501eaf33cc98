//! [`LocalRuntime`]: a current-thread runtime on which `!Send` tasks spawn directly.

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// Options of a [`LocalRuntime`], for [`Builder::build_local`]. There are none yet; the type
/// exists so options can be added without breaking callers, as in tokio.
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    // A local runtime's options may one day hold `!Send` hooks.
    _not_send: PhantomData<*mut u8>,
}

/// A current-thread runtime bound to the thread that built it, on which
/// [`spawn_local`](crate::task::spawn_local) works anywhere: in `block_on`, in every task, in an
/// [`enter`](LocalRuntime::enter) guard.
///
/// It is a current-thread [`Runtime`] plus a [`LocalSet`] that `block_on` drives beside the
/// `block_on` future. `Send` tasks ([`spawn`](LocalRuntime::spawn), or from other threads
/// through [`handle`](LocalRuntime::handle)) run on the same thread.
///
/// Unlike tokio's, [`Handle::runtime_flavor`] reports
/// [`CurrentThread`](super::RuntimeFlavor::CurrentThread) (tokio has an unstable `LocalRuntime`
/// flavour).
///
/// # Examples
/// ```
/// use std::rc::Rc;
/// use corium_executor::runtime::{Builder, LocalOptions};
///
/// let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default())?;
/// let shared = Rc::new(5);
/// let task = rt.spawn_local({
///     let shared = shared.clone();
///     async move { *shared * 2 }
/// });
/// assert_eq!(rt.block_on(task).unwrap(), 10);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct LocalRuntime {
    /// Dropped first, inside the runtime's context (see `Drop`). `None` only while dropping.
    local: Option<LocalSet>,
    rt: Option<Runtime>,
}

impl Builder {
    /// Builds a [`LocalRuntime`]: a current-thread runtime whose `!Send` tasks spawn with
    /// [`spawn_local`](crate::task::spawn_local).
    ///
    /// # Errors
    /// As [`build`](Builder::build); `InvalidInput` on a multi-thread builder (tokio panics
    /// there): a local runtime is current-thread only.
    pub fn build_local(&mut self, options: LocalOptions) -> io::Result<LocalRuntime> {
        let _ = options;
        if !self.is_current_thread() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Builder::build_local needs a current-thread builder: start from \
                 Builder::new_current_thread()",
            ));
        }
        Ok(LocalRuntime {
            local: Some(LocalSet::new()),
            rt: Some(self.build()?),
        })
    }
}

impl LocalRuntime {
    fn rt(&self) -> &Runtime {
        self.rt.as_ref().expect("the runtime lives until drop")
    }

    fn local(&self) -> &LocalSet {
        self.local.as_ref().expect("the set lives until drop")
    }

    /// Spawns a `!Send` task; it runs on this thread while [`block_on`](LocalRuntime::block_on)
    /// runs.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local().spawn_local(future)
    }

    /// Spawns a `Send` task (see [`Handle::spawn`]).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt().spawn(future)
    }

    /// Runs a blocking closure on the blocking pool (see [`Handle::spawn_blocking`]).
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt().spawn_blocking(func)
    }

    /// Runs `future` (which need not be `Send`) to completion on this thread, running the
    /// runtime's tasks, local and `Send`, meanwhile.
    ///
    /// # Panics
    /// As [`Runtime::block_on`]: inside an async context.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // Entered for the whole call, so `spawn_local` works in `Send` tasks too.
        let _local = self.local().enter();
        self.rt().block_on(self.local().run_until(future))
    }

    /// Makes this runtime current on this thread until the guard drops: `spawn` and
    /// `spawn_local` work without `block_on` (local tasks run at the next `block_on`).
    pub fn enter(&self) -> EnterGuard<'_> {
        let mut guard = self.rt().enter();
        guard._local = Some(self.local().enter_saved());
        guard
    }

    /// A handle to the runtime, for spawning `Send` tasks from anywhere.
    pub fn handle(&self) -> &Handle {
        self.rt().handle()
    }

    /// The runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt().metrics()
    }

    /// Drops the local tasks, then shuts down as [`Runtime::shutdown_timeout`].
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.drop_local();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(timeout);
        }
    }

    /// Drops the local tasks, then shuts down as [`Runtime::shutdown_background`].
    pub fn shutdown_background(mut self) {
        self.drop_local();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    /// Cancels the local tasks with the runtime current, so their destructors may use it.
    fn drop_local(&mut self) {
        if let (Some(local), Some(rt)) = (self.local.take(), self.rt.as_ref()) {
            let _enter = rt.enter();
            drop(local);
        }
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.drop_local();
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}
