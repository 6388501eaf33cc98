//! [`copy`]: pump a reader into a writer through a fixed buffer.

use corium_reactor::coop;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::write::write_zero;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Size of the buffer `copy` and `copy_bidirectional` move data through.
const COPY_BUF_LEN: usize = 8 * 1024;

/// Copies everything from `reader` to `writer` until the reader reaches end of stream, then
/// flushes the writer; returns the number of bytes copied.
///
/// Data passes through an 8 KiB buffer. If the reader has nothing ready while written data
/// may still sit in a writer's buffer, the writer is flushed first, so the far side is not
/// left waiting for bytes the copy already accepted. The writer is not shut down; see
/// [`copy_bidirectional`](crate::io::copy_bidirectional) for that.
///
/// # Errors
///
/// The first error of the reader or the writer; `WriteZero` if the writer accepts no bytes.
/// Bytes read but not yet written when an error occurs are lost with the future.
///
/// # Examples
///
/// ```
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer = Vec::new();
/// let n = corium_net::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!((n, &writer[..]), (5, &b"hello"[..]));
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new();
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// The state of one direction of a copy, kept across polls.
#[derive(Debug)]
pub(crate) struct CopyBuffer {
    buf: Box<[u8]>,
    /// Next byte of `buf` to write.
    pos: usize,
    /// End of the data in `buf`.
    cap: usize,
    /// Bytes written so far.
    amt: u64,
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
}

impl CopyBuffer {
    pub(crate) fn new() -> Self {
        CopyBuffer::with_capacity(COPY_BUF_LEN)
    }

    /// A buffer of `len` bytes; `len` must not be 0 (an empty read would look like end of
    /// stream).
    pub(crate) fn with_capacity(len: usize) -> Self {
        debug_assert!(len > 0, "a zero-length copy buffer reads as end of stream");
        CopyBuffer {
            buf: vec![0; len].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amt: 0,
            read_done: false,
            need_flush: false,
        }
    }

    /// Drives the copy until the reader's end of stream has been written and flushed.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                // One unit of the task's budget per chunk, so a copy between two ends that are
                // always ready (in memory, or not budget-aware themselves) still yields.
                let Poll::Ready(unit) = coop::poll_proceed(cx) else {
                    // Out of budget (the task is woken to run again later): what was written
                    // must still reach the other end meanwhile.
                    if self.need_flush {
                        ready!(writer.as_mut().poll_flush(cx))?;
                        self.need_flush = false;
                    }
                    return Poll::Pending;
                };
                let mut buf = ReadBuf::new(&mut self.buf);
                match reader.as_mut().poll_read(cx, &mut buf) {
                    Poll::Ready(Ok(())) => {
                        unit.made_progress();
                        let n = buf.filled().len();
                        self.read_done = n == 0;
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        // The reader's waker is registered; make sure what was written reaches
                        // the other end while we wait.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer
                    .as_mut()
                    .poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(write_zero(self.cap - self.pos)));
                }
                self.pos += n.min(self.cap - self.pos);
                self.amt += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}
