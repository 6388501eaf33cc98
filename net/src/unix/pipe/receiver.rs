//! [`Receiver`]: the read end of a pipe or FIFO.

use std::io::{self, IoSliceMut, Read};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_reactor::{Interest, PollEvented};
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

super::pipe_end_common!(
    Receiver,
    sys::Receiver,
    Access::Read,
    Interest::READABLE,
    "reading"
);

impl Receiver {
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
