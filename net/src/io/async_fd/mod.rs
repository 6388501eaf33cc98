//! [`AsyncFd`]: readiness notifications for a file descriptor the caller owns and operates
//! (the user-facing explanation is on the type, as this module is private).

mod guard;

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

use corium_reactor::{Handle, ReadyEvent, Registration};
use corium_selector_sys::unix::SourceFd;

pub use self::guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
use crate::io::Interest;

/// A file descriptor registered with the current runtime's reactor, so tasks can wait for it
/// to become readable or writable.
///
/// Every corium socket pairs an fd with the reactor and performs its own syscalls. `AsyncFd`
/// gives the same pairing to an fd corium knows nothing about — a device, an inotify or
/// signalfd handle, a socket type corium does not wrap, an fd handed over by a C library — and
/// leaves the syscalls to the caller. It reports *when* the fd is worth trying; the caller
/// decides *what* to do with it.
///
/// # What readiness means here
///
/// "Readable" is a hint, not a promise: the last event the kernel delivered for the fd said a
/// read would make progress, and nothing has said otherwise since. Another reader (another
/// task, another process sharing the fd) may have taken the data in between, so a read after a
/// readable [guard](AsyncFdReadyGuard) may still return `WouldBlock`. The fd must therefore be
/// in **nonblocking mode** (`O_NONBLOCK`), or such a read would stall a runtime thread.
///
/// # The edge-triggered contract: clear on `WouldBlock`, and only then
///
/// corium's selector is edge-triggered: the kernel reports a *change* (data arrived, buffer
/// space freed), once, not a *state*. The reactor remembers each reported change as a flag
/// until the caller says it is used up, which it does with
/// [`clear_ready`](AsyncFdReadyGuard::clear_ready) (or the guard's
/// [`try_io`](AsyncFdReadyGuard::try_io), which clears for it). So:
///
/// * **Clear when an operation returned `WouldBlock`.** That is the only proof the kernel
///   buffer is drained (or full), and so that the next change will produce a new event. Keep
///   reading (or writing) until then.
/// * **Do not clear after a success.** Data left behind produces no new event: clearing
///   then makes the next [`readable`](AsyncFd::readable) wait for bytes that are already
///   there, possibly forever.
/// * Not clearing after `WouldBlock` is harmless but wasteful: the next wait returns at once
///   and the retry fails again.
///
/// A clear only forgets the event the guard observed: if a newer event of that direction
/// arrived after the guard was made, the flag survives the clear, so no wake-up is lost
/// between the `WouldBlock` and the clear.
///
/// The closed flags ([`Ready::READ_CLOSED`](crate::io::Ready::READ_CLOSED),
/// [`Ready::WRITE_CLOSED`](crate::io::Ready::WRITE_CLOSED)) are never cleared: once
/// the peer has hung up, every wait for that direction returns at once.
///
/// # Ownership
///
/// `AsyncFd<T>` owns a `T` that yields the fd through [`AsRawFd`]. Dropping the `AsyncFd`
/// removes the fd from the reactor first and then drops `T`: if `T` owns the fd (an
/// [`OwnedFd`](std::os::fd::OwnedFd), a std socket) it closes; if it only borrows it (a
/// [`BorrowedFd`](std::os::fd::BorrowedFd), a bare [`RawFd`]) the fd stays open.
/// [`into_inner`](AsyncFd::into_inner) removes the fd from the reactor and hands `T` back.
/// While wrapped, the fd must stay open and `T` must keep returning the same fd: closing it
/// underneath the `AsyncFd` silently ends its notifications.
///
/// # Examples
///
/// Waiting for one end of a socket pair to become readable, reading it, and clearing the
/// readiness when the socket runs dry:
///
/// ```
/// use std::io::{self, Read, Write};
/// use std::os::unix::net::UnixStream;
/// use corium_net::io::unix::AsyncFd;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let (ours, mut peer) = UnixStream::pair()?;
/// ours.set_nonblocking(true)?;
/// let fd = AsyncFd::new(ours)?;
///
/// peer.write_all(b"ping")?;
///
/// let mut received = Vec::new();
/// while received.len() < 4 {
///     let mut guard = fd.readable().await?;
///     let mut buf = [0; 16];
///     // `try_io` clears the readiness when the read says WouldBlock.
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
///         Ok(Err(e)) => return Err(e),
///         Err(_would_block) => continue,
///     }
/// }
/// assert_eq!(received, b"ping");
/// # Ok::<(), io::Error>(())
/// # }).unwrap();
/// ```
pub struct AsyncFd<T: AsRawFd> {
    registration: Registration,
    /// `Some` for the whole life of the value; taken only by `into_inner` and `drop`, which
    /// consume it.
    inner: Option<T>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s fd with the current reactor, for reading and writing.
    ///
    /// Must be called inside a corium runtime with I/O enabled. The fd should be in
    /// nonblocking mode (see [what readiness means](AsyncFd#what-readiness-means-here)).
    ///
    /// # Errors
    ///
    /// * `Other` outside a runtime ("there is no reactor running ..."), after the runtime shut
    ///   down, or with I/O disabled;
    /// * `AlreadyExists` if the fd is already registered with this reactor (wrapped by another
    ///   `AsyncFd` or a corium socket);
    /// * `PermissionDenied` (Linux) for an fd epoll cannot watch, such as a regular file.
    ///
    /// `inner` is dropped on error; [`try_new`](AsyncFd::try_new) gives it back instead.
    pub fn new(inner: T) -> io::Result<Self> {
        Self::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`'s fd with the current reactor for `interest` only.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new).
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<Self> {
        Self::try_with_interest(inner, interest).map_err(AsyncFdTryNewError::into_error)
    }

    /// As [`new`](AsyncFd::new), but a failure returns `inner` along with the error.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new); [`AsyncFdTryNewError::into_parts`] recovers `inner`.
    pub fn try_new(inner: T) -> Result<Self, AsyncFdTryNewError<T>> {
        Self::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// As [`with_interest`](AsyncFd::with_interest), but a failure returns `inner` along with
    /// the error.
    ///
    /// # Errors
    ///
    /// As [`new`](AsyncFd::new); [`AsyncFdTryNewError::into_parts`] recovers `inner`.
    pub fn try_with_interest(inner: T, interest: Interest) -> Result<Self, AsyncFdTryNewError<T>> {
        match register(inner.as_raw_fd(), interest) {
            Ok(registration) => Ok(AsyncFd {
                registration,
                inner: Some(inner),
            }),
            Err(cause) => Err(AsyncFdTryNewError { inner, cause }),
        }
    }

    /// The wrapped value.
    #[inline]
    pub fn get_ref(&self) -> &T {
        self.inner
            .as_ref()
            .expect("AsyncFd's inner value is present until into_inner or drop")
    }

    /// The wrapped value, mutably: to operate on the fd without consulting its readiness.
    ///
    /// Do not use it to replace the value by one with a different fd: the reactor would keep
    /// watching the old one.
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("AsyncFd's inner value is present until into_inner or drop")
    }

    /// Removes the fd from the reactor and returns the wrapped value, fd still open.
    ///
    /// The fd can then be wrapped again, by a new `AsyncFd` of any runtime.
    pub fn into_inner(mut self) -> T {
        self.take_inner()
            .expect("AsyncFd's inner value is present until into_inner or drop")
    }

    /// Deregisters and takes the value out; `None` only if already taken.
    fn take_inner(&mut self) -> Option<T> {
        let inner = self.inner.take()?;
        let fd = inner.as_raw_fd();
        // Nothing useful to do with a failure: it means the fd is not registered any more
        // (closed underneath us, or the reactor is gone), which is the state we want.
        let _ = self.registration.deregister(&mut SourceFd(&fd));
        Some(inner)
    }

    /// Polls for read readiness: a guard if the fd is readable (or read-closed, or has an
    /// error), otherwise `Pending` with `cx`'s waker stored.
    ///
    /// Only the task that polled most recently is woken (one waker slot for reads, another for
    /// writes); to wait from several tasks at once use [`readable`](AsyncFd::readable).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.registration.poll_read_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// As [`poll_read_ready`](AsyncFd::poll_read_ready), with a guard that lends the value
    /// mutably.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.registration.poll_read_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// Polls for write readiness; as [`poll_read_ready`](AsyncFd::poll_read_ready) for the
    /// write direction (writable, write-closed, or an error).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.registration.poll_write_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event)))
    }

    /// As [`poll_write_ready`](AsyncFd::poll_write_ready), with a guard that lends the value
    /// mutably.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.registration.poll_write_ready(cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(self, event)))
    }

    /// Waits until the fd has any readiness `interest` asks for; the guard's
    /// [`ready`](AsyncFdReadyGuard::ready) says which. Any number of tasks may wait at once.
    ///
    /// With a combined interest, clear only the direction whose operation returned
    /// `WouldBlock`, with [`clear_ready_matching`](AsyncFdReadyGuard::clear_ready_matching).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyGuard::new(self, event))
    }

    /// As [`ready`](AsyncFd::ready), with a guard that lends the value mutably.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.registration.readiness(interest).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event))
    }

    /// Waits until the fd is readable (or read-closed, or has an error).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    #[allow(clippy::needless_lifetimes)] // the named lifetime shows the borrow in rustdoc
    pub async fn readable<'a>(&'a self) -> io::Result<AsyncFdReadyGuard<'a, T>> {
        self.ready(Interest::READABLE).await
    }

    /// As [`readable`](AsyncFd::readable), with a guard that lends the value mutably.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    #[allow(clippy::needless_lifetimes)] // the named lifetime shows the borrow in rustdoc
    pub async fn readable_mut<'a>(&'a mut self) -> io::Result<AsyncFdReadyMutGuard<'a, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the fd is writable (or write-closed, or has an error).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    #[allow(clippy::needless_lifetimes)] // the named lifetime shows the borrow in rustdoc
    pub async fn writable<'a>(&'a self) -> io::Result<AsyncFdReadyGuard<'a, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// As [`writable`](AsyncFd::writable), with a guard that lends the value mutably.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    #[allow(clippy::needless_lifetimes)] // the named lifetime shows the borrow in rustdoc
    pub async fn writable_mut<'a>(&'a mut self) -> io::Result<AsyncFdReadyMutGuard<'a, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Runs `f` each time the fd is ready for `interest`, until it returns something other
    /// than `WouldBlock`; each `WouldBlock` clears the readiness `f` was run on.
    ///
    /// The whole wait-try-clear loop in one call: `f` is the nonblocking operation.
    ///
    /// # Errors
    ///
    /// `f`'s first error other than `WouldBlock`; `Other` once the runtime shuts down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.get_ref();
        self.registration.async_io(interest, || f(inner)).await
    }

    /// As [`async_io`](AsyncFd::async_io), lending the value mutably.
    ///
    /// # Errors
    ///
    /// As [`async_io`](AsyncFd::async_io).
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
        } = self;
        let inner = inner
            .as_mut()
            .expect("AsyncFd's inner value is present until into_inner or drop");
        registration.async_io(interest, || f(inner)).await
    }

    /// Runs `f` once if the fd is ready for `interest` now, clearing that readiness if `f`
    /// returns `WouldBlock`. Never waits.
    ///
    /// # Errors
    ///
    /// `WouldBlock` without running `f` if the fd is not ready; `f`'s error; `Other` once the
    /// runtime shuts down.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = self.get_ref();
        self.registration.try_io(interest, || f(inner))
    }

    /// As [`try_io`](AsyncFd::try_io), lending the value mutably.
    ///
    /// # Errors
    ///
    /// As [`try_io`](AsyncFd::try_io).
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let AsyncFd {
            registration,
            inner,
        } = self;
        let inner = inner
            .as_mut()
            .expect("AsyncFd's inner value is present until into_inner or drop");
        registration.try_io(interest, || f(inner))
    }

    /// Forgets the readiness `event` reported (for the guards).
    fn clear_readiness(&self, event: ReadyEvent) {
        self.registration.clear_readiness(event);
    }
}

/// Registers `fd` with the current reactor, rewording the selector's misuse errors for
/// `AsyncFd` users (the selector's own messages speak of `Registry` calls they never make).
fn register(fd: RawFd, interest: Interest) -> io::Result<Registration> {
    let handle = Handle::try_current().map_err(io::Error::other)?;
    Registration::new_with_interest_and_handle(&mut SourceFd(&fd), interest, handle).map_err(|e| {
        match e.kind() {
            io::ErrorKind::AlreadyExists => io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "AsyncFd: fd {fd} is already registered with this runtime's reactor \
                     (another AsyncFd or a corium socket wraps it); an fd can have one AsyncFd \
                     at a time: share that one, or drop it (or call into_inner) first"
                ),
            ),
            // epoll_ctl's EPERM: the only way registering can be refused for permission.
            io::ErrorKind::PermissionDenied => io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "AsyncFd: fd {fd} cannot be watched for readiness (epoll refuses regular \
                     files and directories, which are always ready): use blocking calls for it, \
                     e.g. inside spawn_blocking, instead of AsyncFd"
                ),
            ),
            _ => e,
        }
    })
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

/// Delegates to `T`'s own [`AsFd`]: only `T` can vouch that the fd stays open for the borrow.
impl<T: AsRawFd + AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .field("registration", &self.registration)
            .finish()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        // Deregister while the fd is certainly still open, then let `T` go (closing the fd if
        // it owns it). The registration itself is dropped after this, freeing the slot.
        drop(self.take_inner());
    }
}

/// The error of [`AsyncFd::try_new`] and [`AsyncFd::try_with_interest`]: why registering
/// failed, and the value that was to be wrapped.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

/// The name tokio's later 1.x releases give [`AsyncFdTryNewError`].
pub type AsyncFdRegisterError<T> = AsyncFdTryNewError<T>;

impl<T> AsyncFdTryNewError<T> {
    /// The value that was to be wrapped, and the registration error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }

    fn into_error(self) -> io::Error {
        self.cause
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdTryNewError")
            .field("cause", &self.cause)
            .finish_non_exhaustive()
    }
}

impl<T> Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(err: AsyncFdTryNewError<T>) -> io::Error {
        err.cause
    }
}
