//! [`Sender`]: the write end of a pipe or FIFO.

use std::fmt;
use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::unix::pipe::{self as sys, Access};

use crate::io::AsyncWrite;

/// The write end of a pipe or FIFO, on the reactor ([`AsyncWrite`], readiness, `try_write`).
///
/// Made by [`pipe()`](super::pipe()), [`OpenOptions::open_sender`](super::OpenOptions), or
/// from an fd you already own ([`from_file`](Sender::from_file),
/// [`from_owned_fd`](Sender::from_owned_fd)). Registered for writability only.
pub struct Sender {
    io: PollEvented<sys::Sender>,
}

impl Sender {
    pub(crate) fn from_sys(sender: sys::Sender) -> io::Result<Sender> {
        Ok(Sender {
            io: PollEvented::new_with_interest(sender, Interest::WRITABLE)?,
        })
    }

    /// Takes a file that must be a pipe or FIFO open for writing, makes it nonblocking and
    /// registers it with the current runtime.
    ///
    /// # Errors
    /// `InvalidInput` if `file` is not a pipe/FIFO or not open for writing (the message says
    /// which); `Other` outside a runtime.
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// As [`from_file`](Sender::from_file), for an `OwnedFd`.
    ///
    /// # Errors
    /// As [`from_file`](Sender::from_file).
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Sender> {
        sys::check_pipe(fd.as_fd(), Access::Write)?;
        Sender::from_owned_fd_unchecked(fd)
    }

    /// As [`from_file`](Sender::from_file) without the type and access checks (the fd is
    /// still made nonblocking).
    ///
    /// # Errors
    /// The OS error of `fcntl`; `Other` outside a runtime.
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// As [`from_file_unchecked`](Sender::from_file_unchecked), for an `OwnedFd`.
    ///
    /// # Errors
    /// As [`from_file_unchecked`](Sender::from_file_unchecked).
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Sender> {
        let sender = sys::Sender::from(fd);
        sender.set_nonblocking(true)?;
        Sender::from_sys(sender)
    }

    /// Waits until the pipe is ready for any of `interest` (only writability is registered).
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until a write may make progress (or every reader is gone).
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness.
    ///
    /// # Errors
    /// `Other` once the runtime shuts down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_write_ready(cx).map_ok(drop)
    }

    /// Writes if writable, without waiting. Writes of at most `PIPE_BUF` (4096 on Linux)
    /// bytes are atomic: all or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock` if the pipe is full; `BrokenPipe` once every reader is gone.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |mut s| s.write(buf))
    }

    /// Gather-writes if writable, without waiting.
    ///
    /// # Errors
    /// As [`try_write`](Sender::try_write).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut s| s.write_vectored(bufs))
    }

    /// Runs `f` if the pipe is ready for `interest`, clearing that readiness if `f` returns
    /// `WouldBlock`; for syscalls corium does not wrap (`vmsplice`, `tee`, ...).
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

    /// Leaves the reactor and returns the fd switched back to **blocking** mode, for code that
    /// expects an ordinary fd (a child's stdio, std's `File`).
    ///
    /// # Errors
    /// The deregistration or `fcntl` error.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let sender = self.io.into_inner()?;
        sender.set_nonblocking(false)?;
        Ok(sender.into())
    }

    /// Leaves the reactor and returns the fd, still nonblocking.
    ///
    /// # Errors
    /// The deregistration error.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        Ok(self.io.into_inner()?.into())
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Nothing is buffered in user space.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no half-close: the reader sees end of stream when this end is dropped.
        Poll::Ready(Ok(()))
    }
}

impl AsRawFd for Sender {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for Sender {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
