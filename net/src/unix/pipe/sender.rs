//! [`Sender`]: the write end of a pipe or FIFO.

use std::io::{self, IoSlice, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use corium_reactor::{Interest, PollEvented};
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

super::pipe_end_common!(
    Sender,
    sys::Sender,
    Access::Write,
    Interest::WRITABLE,
    "writing"
);

impl Sender {
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
