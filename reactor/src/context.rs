//! The thread's current reactor [`Handle`]: set by [`Handle::enter`], read by
//! [`Handle::current`].
//!
//! Constructors that take no handle (`PollEvented::new`, `sleep`, and above them
//! `TcpStream::connect`) find their reactor here. The executor enters its runtime's handle on
//! every worker and `block_on` thread, so inside a task it is always set.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;

use crate::Handle;

/// The message of [`Handle::current`]'s panic and of [`TryCurrentError`].
const NO_REACTOR: &str = "there is no reactor running: this must be called from within a \
                          corium runtime (Runtime::block_on / spawn) or inside Handle::enter";

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Makes `handle` current until the returned guard drops.
pub(crate) fn enter(handle: &Handle) -> EnterGuard {
    let previous = CURRENT
        .try_with(|c| c.replace(Some(handle.clone())))
        .unwrap_or(None);
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// A clone of the current handle.
pub(crate) fn try_current() -> Result<Handle, TryCurrentError> {
    match CURRENT.try_with(|c| c.borrow().clone()) {
        Ok(Some(handle)) => Ok(handle),
        Ok(None) => Err(TryCurrentError {
            kind: Kind::NoContext,
        }),
        Err(_) => Err(TryCurrentError {
            kind: Kind::ThreadLocalDestroyed,
        }),
    }
}

/// Runs `f` with the current handle (`None` when there is none, or the thread is exiting),
/// without cloning it.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    match CURRENT.try_with(|c| (f.take().expect("called once"))(c.borrow().as_ref())) {
        Ok(r) => r,
        Err(_) => (f.take().expect("not called when the thread-local is gone"))(None),
    }
}

/// Panics with the "no reactor running" message.
#[track_caller]
pub(crate) fn current() -> Handle {
    match try_current() {
        Ok(handle) => handle,
        Err(e) => panic!("{e}"),
    }
}

/// Returned by [`Handle::enter`]: while it lives, [`Handle::current`] on this thread returns
/// that handle. Dropping it restores whatever was current before (so guards nest; drop them in
/// reverse order of creation, as scopes do).
///
/// Not `Send`: it restores *this* thread's context.
#[must_use = "the handle is current only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Handle>,
    /// `!Send` (it restores *this* thread's context) but `Sync` (a shared reference can do
    /// nothing with it), as tokio's guard: a mutex guard has exactly these auto traits.
    _not_send: PhantomData<std::sync::MutexGuard<'static, ()>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // During thread exit the thread-local may already be gone: nothing to restore then.
        let replaced = CURRENT.try_with(|c| c.replace(previous));
        // The handle we replace is dropped here, after the `RefCell` borrow ended.
        drop(replaced);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    NoContext,
    ThreadLocalDestroyed,
}

/// [`Handle::try_current`] found no reactor on this thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TryCurrentError {
    kind: Kind,
}

impl TryCurrentError {
    /// Whether no handle was entered on this thread (as opposed to the thread-local storage
    /// being torn down because the thread is exiting).
    pub fn is_missing_context(&self) -> bool {
        self.kind == Kind::NoContext
    }

    /// Whether the thread is exiting and its thread-local context is already destroyed.
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == Kind::ThreadLocalDestroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NO_REACTOR)?;
        if self.kind == Kind::ThreadLocalDestroyed {
            f.write_str(" (this thread is exiting: its thread-local context is gone)")?;
        }
        Ok(())
    }
}

impl Error for TryCurrentError {}
