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
}

/// The message of every "no runtime" panic.
pub(crate) const NO_RUNTIME: &str = "there is no corium runtime: spawn must be called from within \
     Runtime::block_on, a spawned task, or inside Runtime::enter";

/// The message of a nested `block_on`.
pub(crate) const NESTED_BLOCK_ON: &str = "Cannot start a runtime from within a runtime. This happens \
     because a function (like `block_on`) attempted to block the current thread while the thread is \
     being used to drive asynchronous tasks. Use `Handle::spawn` / `.await` instead, or move the \
     blocking call into `spawn_blocking` or a plain std thread";

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
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    let prev = CURRENT.with(|c| c.replace(Some(handle.clone())));
    SetCurrentGuard { prev: Some(prev) }
}

/// Restores the previous current runtime.
pub(crate) struct SetCurrentGuard {
    prev: Option<Option<scheduler::Handle>>,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take().flatten();
        // On thread exit the slot may already be gone; then there is nothing to restore.
        let old = CURRENT.try_with(|c| c.replace(prev));
        drop(old);
    }
}

/// Marks this thread as driving a runtime; panics with [`NESTED_BLOCK_ON`] if it already is.
#[track_caller]
pub(crate) fn enter_runtime() -> EnterRuntimeGuard {
    if RUNTIME_ENTERED.with(|e| e.replace(true)) {
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
