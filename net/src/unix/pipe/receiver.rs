//! [`Receiver`]: the read end of a pipe or FIFO.

use std::fmt;
use std::fs::File;
use std::io::{self, IoSliceMut, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::unix::pipe::{self as sys, Access};

use crate::io::{AsyncRead, ReadBuf};

/// The read end of a pipe or FIFO, on the reactor ([`AsyncRead`], readiness, `try_read`).
///
/// Made by [`pipe()`](super::pipe()), [`OpenOptions::open_receiver`](super::OpenOptions), or
/// from an fd you already own ([`from_file`](Receiver::from_file),
/// [`from_owned_fd`](Receiver::from_owned_fd)). Registered for readability only.
pub struct Receiver {
    io: PollEvented<sys::Receiver>,
}

impl Receiver {
    pub(crate) fn from_sys(receiver: sys::Receiver) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PollEvented::new_with_interest(receiver, Interest::READABLE)?,
        })
    }

    /// Takes a file that must be a pipe or FIFO open for reading, makes it nonblocking and
    /// registers it with the current runtime.
    ///
    /// # Errors
    /// `InvalidInput` if `file` is not a pipe/FIFO or not open for reading (the message says
    /// which); `Other` outside a runtime.
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// As [`from_file`](Receiver::from_file), for an `OwnedFd`.
    ///
    /// # Errors
    /// As [`from_file`](Receiver::from_file).
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Receiver> {
        sys::check_pipe(fd.as_fd(), Access::Read)?;
        Receiver::from_owned_fd_unchecked(fd)
    }

    /// As [`from_file`](Receiver::from_file) without the type and access checks (the fd is
    /// still made nonblocking).
    ///
    /// # Errors
    /// The OS error of `fcntl`; `Other` outside a runtime.
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Receiver::from_file_unchecked), for an `OwnedFd`.
    ///
    /// # Errors
    /// As [`from_file_unchecked`](Receiver::from_file_unchecked).
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Receiver> {
        let receiver = sys::Receiver::from(fd);
        receiver.set_nonblocking(true)?;
        Receiver::from_sys(receiver)
    }

    /// Waits until the pipe is ready for any of `interest` (only readability is registered).
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until a read may make progress (data, or every sender gone).
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness.
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_read_ready(cx).map_ok(drop)
    }

    /// Reads if readable, without waiting. `Ok(0)`: every sender is gone and the pipe is
    /// empty (or `buf` is empty).
    ///
    /// # Errors
    /// `WouldBlock` if the pipe is empty but a sender remains.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut r| r.read(buf))
    }

    /// Scatter-reads if readable, without waiting.
    ///
    /// # Errors
    /// As [`try_read`](Receiver::try_read).
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut r| r.read_vectored(bufs))
    }

    /// Runs `f` if the pipe is ready for `interest`, clearing that readiness if `f` returns
    /// `WouldBlock`; for syscalls corium does not wrap (`splice`, ...).
    ///
    /// # Errors
    /// `WouldBlock` if not ready; `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().try_io(interest, f)
    }

    /// Waits for `interest` and runs `f` until it does not return `WouldBlock`.
    ///
    /// # Errors
    /// `Other` once the runtime shuts down; `f`'s error other than `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().async_io(interest, f).await
    }

    /// Leaves the reactor and returns the fd switched back to **blocking** mode.
    ///
    /// # Errors
    /// The deregistration or `fcntl` error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let receiver = self.io.into_inner()?;
        receiver.set_nonblocking(false)?;
        Ok(receiver.into())
    }

    /// Leaves the reactor and returns the fd, still nonblocking.
    ///
    /// # Errors
    /// The deregistration error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // PollEvented's stream read: a short read also clears the read readiness.
        let n = ready!(self.io.poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for Receiver {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for Receiver {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
