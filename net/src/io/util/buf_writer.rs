//! [`BufWriter`]: adds a write buffer to any [`AsyncWrite`].

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::buf_reader::DEFAULT_BUF_SIZE;
use super::write::write_zero;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

pin_project! {
    /// Buffers writes to `W`, turning many small writes into few large ones.
    ///
    /// Data reaches `W` when the buffer would overflow, on
    /// [`poll_flush`](AsyncWrite::poll_flush) and on
    /// [`poll_shutdown`](AsyncWrite::poll_shutdown). A write at least as large as the buffer
    /// goes straight to `W` (after the buffered bytes, so order is kept). Reads pass straight
    /// through to `W` when it is also an [`AsyncRead`].
    ///
    /// Buffered bytes are **not** written when a `BufWriter` is dropped: there is no way to
    /// wait in `drop`. Flush or shut down first.
    ///
    /// When `W` can seek, so can the `BufWriter`: a seek first writes out the buffer (the
    /// bytes belong before the move), then moves `W`.
    #[derive(Debug)]
    pub struct BufWriter<W> {
        #[pin]
        inner: W,
        buf: Vec<u8>,
        capacity: usize,
        // A seek asked for while bytes were buffered: it starts once they are written.
        seek_after_flush: Option<SeekFrom>,
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Wraps `inner` with an 8 KiB buffer.
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes (0 means every write goes straight
    /// through).
    pub fn with_capacity(capacity: usize, inner: W) -> Self {
        BufWriter {
            inner,
            buf: Vec::with_capacity(capacity),
            capacity,
            seek_after_flush: None,
        }
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer, mutably. Writing to it directly puts data ahead of buffered bytes.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The pinned inner writer.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().inner
    }

    /// Unwraps the inner writer; bytes still buffered are dropped (flush first).
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The bytes buffered and not yet written to the inner writer.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Writes the whole buffer to the inner writer (without flushing the inner writer).
    fn flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut me = self.project();
        let mut written = 0;
        let mut result = Poll::Ready(Ok(()));
        while written < me.buf.len() {
            match me.inner.as_mut().poll_write(cx, &me.buf[written..]) {
                Poll::Ready(Ok(0)) => {
                    result = Poll::Ready(Err(write_zero(me.buf.len() - written)));
                    break;
                }
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(e)) => {
                    result = Poll::Ready(Err(e));
                    break;
                }
                Poll::Pending => {
                    result = Poll::Pending;
                    break;
                }
            }
        }
        // Whatever the exit, the bytes `W` accepted must not be written again.
        me.buf.drain(..written.min(me.buf.len()));
        result
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.len() + buf.len() > self.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let me = self.project();
        if buf.len() >= *me.capacity {
            me.inner.poll_write(cx, buf)
        } else {
            me.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if self.buf.len().saturating_add(total) > self.capacity {
            ready!(self.as_mut().flush_buf(cx))?;
        }
        let me = self.project();
        if total >= *me.capacity {
            return me.inner.poll_write_vectored(cx, bufs);
        }
        for b in bufs {
            me.buf.extend_from_slice(b);
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        // Small slices are gathered into the buffer, so vectored writes always pay off.
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let me = self.project();
        if me.seek_after_flush.is_some() {
            return Err(io::Error::other(
                "BufWriter: a seek is already waiting for the buffer to be written; \
                 call poll_complete until it returns Ready before starting another",
            ));
        }
        if me.buf.is_empty() {
            // Nothing to write first: `W` can start moving now.
            me.inner.start_seek(position)
        } else {
            // `start_seek` cannot wait, and writing the buffer may: defer the move to
            // `poll_complete`, which can.
            *me.seek_after_flush = Some(position);
            Ok(())
        }
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        // Written out first even with no seek started: the position `W` reports then counts
        // every byte given to this writer.
        if let Err(e) = ready!(self.as_mut().flush_buf(cx)) {
            // The seek is abandoned with the failed write; the caller sees why.
            *self.as_mut().project().seek_after_flush = None;
            return Poll::Ready(Err(e));
        }
        let mut me = self.project();
        if let Some(position) = me.seek_after_flush.take() {
            me.inner.as_mut().start_seek(position)?;
        }
        me.inner.poll_complete(cx)
    }
}
