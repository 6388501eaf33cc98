//! Per-thread runtime context: which runtime `spawn` uses, and whether this thread is already
//! driving a runtime (so a nested `block_on` can be refused instead of deadlocking).

use crate::scheduler;
use std::cell::{Cell, RefCell};
use std::fmt;

thread_local! {
    /// The runtime `spawn`/`Handle::current` use on this thread.
    static CURRENT: RefCell<Option<scheduler::Handle>> = const { RefCell::new(None) };
    /// `true` on worker threads and inside `block_on`.
    static RUNTIME_ENTERED: Cell<bool> = const { Cell::new(false) };
    /// How many [`SetCurrentGuard`]s are alive on this thread: each guard remembers its
    /// depth, so one dropped while a later one still lives is detected.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// The message of every "no runtime" panic.
pub(crate) const NO_RUNTIME: &str = "there is no corium runtime: spawn must be called from within \
     Runtime::block_on, a spawned task, or inside Runtime::enter";

/// The message of a nested `block_on`.
pub(crate) const NESTED_BLOCK_ON: &str = "Cannot start a runtime from within a runtime. This happens \
     because a function (like `block_on`) attempted to block the current thread while the thread is \
     being used to drive asynchronous tasks. Use `Handle::spawn` / `.await` instead, or move the \
     blocking call into `spawn_blocking` or a plain std thread";

/// The message of dropping (or `shutdown_timeout`-ing) a runtime inside async code.
pub(crate) const DROP_IN_ASYNC: &str = "Cannot drop a runtime in a context where blocking is not \
     allowed, an asynchronous context: this thread drives tasks (it is inside `block_on` or is a \
     runtime worker), and waiting here for the runtime's threads could block the very tasks they wait \
     for. Call `Runtime::shutdown_background` instead, or drop the runtime inside \
     `spawn_blocking` or on a plain std thread";

/// The message of an [`EnterGuard`](crate::runtime::EnterGuard) dropped out of order.
pub(crate) const ENTER_OUT_OF_ORDER: &str = "`EnterGuard` values dropped out of order: the \
     guards returned by `Runtime::enter` / `Handle::enter` must be dropped in the reverse order \
     of their creation (innermost first), and not inside a `block_on` that began after them; \
     dropping this one now would leave the wrong runtime current";

/// Returned by [`Handle::try_current`](crate::runtime::Handle::try_current) outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NO_RUNTIME)
    }
}

impl std::error::Error for TryCurrentError {}

/// Runs `f` with the current runtime's handle, without cloning it.
pub(crate) fn with_current<R>(
    f: impl FnOnce(&scheduler::Handle) -> R,
) -> Result<R, TryCurrentError> {
    match CURRENT.try_with(|c| c.borrow().as_ref().map(f)) {
        Ok(Some(r)) => Ok(r),
        _ => Err(TryCurrentError(())),
    }
}

/// Makes `handle` current until the guard drops (guards nest and restore in order).
///
/// Survives thread-local teardown (a runtime dropped by another thread-local's destructor):
/// once the slot is gone, the guard sets and restores nothing.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    let prev = CURRENT.try_with(|c| c.replace(Some(handle.clone())));
    let depth = DEPTH.try_with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    SetCurrentGuard {
        prev: prev.ok(),
        depth: depth.unwrap_or(0),
    }
}

/// Restores the previous current runtime.
pub(crate) struct SetCurrentGuard {
    /// `None` if the slot was already destroyed when the guard was made.
    prev: Option<Option<scheduler::Handle>>,
    /// This guard's nesting depth (1 = outermost).
    depth: usize,
}

impl SetCurrentGuard {
    /// Whether this guard is the innermost one alive on this thread, so dropping it restores
    /// the right runtime.
    pub(crate) fn is_innermost(&self) -> bool {
        DEPTH
            .try_with(|d| d.get())
            .map_or(true, |d| d == self.depth)
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let Some(prev) = self.prev.take() else {
            return;
        };
        // Not the innermost (an `EnterGuard` dropped out of order, which panics): restoring
        // would undo the inner guards' runtime. Treat this one as leaked instead, so the inner
        // guards still restore in order when they drop.
        if !self.is_innermost() {
            return;
        }
        let _ = DEPTH.try_with(|d| d.set(self.depth.saturating_sub(1)));
        // On thread exit the slot may already be gone; then there is nothing to restore.
        let old = CURRENT.try_with(|c| c.replace(prev));
        drop(old);
    }
}

/// Whether the current thread is driving async tasks: a runtime's worker thread, or a thread
/// inside `Runtime::block_on` / `Handle::block_on`. Threads of the blocking pool
/// (`spawn_blocking`) and plain std threads are not.
///
/// A call that blocks its thread until some task makes progress (`blocking_lock`,
/// `blocking_recv`, ...) asks this first and refuses, with a panic, when it is `true`: blocking
/// the thread that runs the very tasks it waits for would deadlock or stall them.
///
/// ```
/// use corium_executor::runtime::{is_driving_tasks, Runtime};
///
/// assert!(!is_driving_tasks());
/// let rt = Runtime::new()?;
/// assert!(rt.block_on(async { is_driving_tasks() }));
/// let on_blocking_pool = rt.block_on(async {
///     corium_executor::task::spawn_blocking(is_driving_tasks).await.unwrap()
/// });
/// assert!(!on_blocking_pool);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn is_driving_tasks() -> bool {
    RUNTIME_ENTERED.try_with(Cell::get).unwrap_or(false)
}

/// Marks this thread as driving a runtime; panics with [`NESTED_BLOCK_ON`] if it already is.
#[track_caller]
pub(crate) fn enter_runtime() -> EnterRuntimeGuard {
    if RUNTIME_ENTERED
        .try_with(|e| e.replace(true))
        .unwrap_or(false)
    {
        panic!("{NESTED_BLOCK_ON}");
    }
    EnterRuntimeGuard(())
}

/// Clears the "driving a runtime" mark on drop.
pub(crate) struct EnterRuntimeGuard(());

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        let _ = RUNTIME_ENTERED.try_with(|e| e.set(false));
    }
}

/// `true` if this thread drives a runtime (a worker, or inside `block_on`).
pub(crate) fn runtime_entered() -> bool {
    RUNTIME_ENTERED.try_with(Cell::get).unwrap_or(false)
}

/// Runs `f` as if this thread drove no runtime, so it may block (and `block_on`): the
/// closure of `block_in_place`. The runtime stays current for `spawn`.
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = RUNTIME_ENTERED.try_with(|e| e.set(self.0));
        }
    }
    let _reset = Reset(
        RUNTIME_ENTERED
            .try_with(|e| e.replace(false))
            .unwrap_or(false),
    );
    f()
}
