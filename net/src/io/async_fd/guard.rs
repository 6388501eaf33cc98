//! The guards [`AsyncFd`]'s waits return: one observed readiness event, to be used and then
//! cleared (on `WouldBlock`) or kept.

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use corium_reactor::ReadyEvent;

use super::AsyncFd;
use crate::io::Ready;

/// The readiness an [`AsyncFd`] wait observed, lending the `AsyncFd` by shared reference.
///
/// Dropping the guard keeps the readiness (the next wait returns at once); call
/// [`clear_ready`](AsyncFdReadyGuard::clear_ready) once an operation returned `WouldBlock`,
/// or let [`try_io`](AsyncFdReadyGuard::try_io) do it. See the
/// [`AsyncFd` documentation](AsyncFd#the-edge-triggered-contract-clear-on-wouldblock-and-only-then)
/// for why only then.
#[must_use = "a readiness guard must be used: clear it after `WouldBlock` (or use try_io), or drop it to keep the readiness"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    /// `None` once everything it observed was cleared.
    event: Option<ReadyEvent>,
}

/// The readiness an [`AsyncFd`] wait observed, lending the `AsyncFd` by mutable reference
/// (from the `*_mut` waits); otherwise as [`AsyncFdReadyGuard`].
#[must_use = "a readiness guard must be used: clear it after `WouldBlock` (or use try_io), or drop it to keep the readiness"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The error of the guards' `try_io`: the operation returned `WouldBlock`, so the guard's
/// readiness was cleared and the fd must be waited for again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; its readiness was cleared: wait for the fd again")
    }
}

impl Error for TryIoError {}

/// Clears `ready` (within what `event` saw) and narrows `event` to the rest.
fn clear_matching<T: AsRawFd>(fd: &AsyncFd<T>, event: &mut Option<ReadyEvent>, ready: Ready) {
    let Some(seen) = event.take() else { return };
    fd.clear_readiness(seen.with_ready(ready));
    let rest = seen.with_ready(seen.ready() - ready);
    if !rest.ready().is_empty() {
        *event = Some(rest);
    }
}

/// The guards' `try_io` tail: a `WouldBlock` becomes a clear and [`TryIoError`].
fn would_block_clears<R>(
    result: io::Result<R>,
    clear: impl FnOnce(),
) -> Result<io::Result<R>, TryIoError> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            clear();
            Err(TryIoError(()))
        }
        other => Ok(other),
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(async_fd: &'a AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// Tells the reactor the fd is no longer ready (in the directions this guard saw): the
    /// next wait sleeps until the kernel reports a new change.
    ///
    /// Call it only after an operation returned `WouldBlock`. If an event arrived after this
    /// guard was made, the readiness survives the clear. Afterwards [`ready`](Self::ready)
    /// is empty.
    pub fn clear_ready(&mut self) {
        self.clear_ready_matching(Ready::ALL);
    }

    /// Clears only the flags in `ready`, for a guard from a combined interest whose operation
    /// in one direction returned `WouldBlock` (clear `Ready::READABLE` after a read, say,
    /// keeping a writable flag the guard also saw). [`ready`](Self::ready) loses those flags.
    ///
    /// The closed flags are sticky: naming them removes them from this guard but not from the
    /// fd.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness: the same as dropping the guard, but says so.
    pub fn retain_ready(&mut self) {}

    /// What the wait observed, less what was cleared through this guard.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready())
    }

    /// Runs the nonblocking operation `f`; if it returns `WouldBlock`, clears the readiness
    /// and returns `Err(TryIoError)` (wait again). Any other result is passed through.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] if `f` returned `WouldBlock`; the inner result holds `f`'s other errors.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        would_block_clears(result, || self.clear_ready())
    }

    /// The `AsyncFd` this guard came from.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped value.
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(async_fd: &'a mut AsyncFd<T>, event: ReadyEvent) -> Self {
        AsyncFdReadyMutGuard {
            async_fd,
            event: Some(event),
        }
    }

    /// As [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        self.clear_ready_matching(Ready::ALL);
    }

    /// As [`AsyncFdReadyGuard::clear_ready_matching`].
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.async_fd, &mut self.event, ready);
    }

    /// Keeps the readiness: the same as dropping the guard, but says so.
    pub fn retain_ready(&mut self) {}

    /// What the wait observed, less what was cleared through this guard.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |e| e.ready())
    }

    /// As [`AsyncFdReadyGuard::try_io`], lending the `AsyncFd` mutably.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] if `f` returned `WouldBlock`; the inner result holds `f`'s other errors.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.async_fd);
        would_block_clears(result, || self.clear_ready())
    }

    /// The `AsyncFd` this guard came from.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd` this guard came from, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped value.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The wrapped value, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("async_fd", &self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("async_fd", &self.async_fd)
            .field("ready", &self.ready())
            .finish()
    }
}
