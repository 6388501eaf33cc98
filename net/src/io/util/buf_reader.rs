//! [`BufReader`]: adds a read buffer to any [`AsyncRead`].

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// Default buffer size of [`BufReader`] and [`BufWriter`](crate::io::BufWriter).
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;

pin_project! {
    /// Buffers reads from `R`, turning many small reads into few large ones, and gives it an
    /// [`AsyncBufRead`] implementation (for `read_line`, `lines`, ...).
    ///
    /// A read at least as large as the buffer, made while the buffer is empty, goes straight
    /// to `R`. Writes pass straight through to `R` when it is also an [`AsyncWrite`].
    ///
    /// When `R` is an [`AsyncSeek`], so is the `BufReader`, and positions are those of the
    /// *reader's* view: a seek drops the buffer, and [`SeekFrom::Current`] counts from the
    /// next byte a read would return, not from where `R` stands (which is ahead by the
    /// buffered bytes).
    #[derive(Debug)]
    pub struct BufReader<R> {
        #[pin]
        inner: R,
        buf: Box<[u8]>,
        // Buffered data is `buf[pos..cap]`.
        pos: usize,
        cap: usize,
        // The second step of a relative seek too large to fold the buffered length into.
        seek_then: Option<i64>,
    }
}

impl<R: AsyncRead> BufReader<R> {
    /// Wraps `inner` with an 8 KiB buffer.
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes. A capacity of 0 is raised to 1: an
    /// empty buffer could never be filled, and `poll_fill_buf` would report a false end of
    /// stream.
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        BufReader {
            inner,
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            pos: 0,
            cap: 0,
            seek_then: None,
        }
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly skips the buffered bytes.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Unwraps the inner reader; bytes still buffered are dropped.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The bytes buffered and not yet consumed.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.cap]
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos == self.cap && buf.remaining() >= self.buf.len() {
            // Copying through our buffer would only add a copy.
            return self.get_pin_mut().poll_read(cx, buf);
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.project();
        if *me.pos >= *me.cap {
            let mut buf = ReadBuf::new(me.buf);
            ready!(me.inner.poll_read(cx, &mut buf))?;
            *me.cap = buf.filled().len();
            *me.pos = 0;
        }
        Poll::Ready(Ok(&me.buf[*me.pos..*me.cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.project();
        *me.pos = (*me.pos + amt).min(*me.cap);
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let me = self.project();
        // `R` stands `buffered` bytes past the position a reader of `self` sees.
        let buffered = (*me.cap - *me.pos) as i64;
        let position = match position {
            SeekFrom::Current(offset) => match offset.checked_sub(buffered) {
                Some(from_inner) => SeekFrom::Current(from_inner),
                None => {
                    // `offset - buffered` underflows i64: first step `R` back to our
                    // position, then move by `offset` in `poll_complete`.
                    *me.seek_then = Some(offset);
                    SeekFrom::Current(-buffered)
                }
            },
            absolute => absolute,
        };
        let started = me.inner.start_seek(position);
        if started.is_ok() {
            // Only now: had `R` refused to move, the buffered bytes would still be next.
            *me.pos = 0;
            *me.cap = 0;
        } else {
            *me.seek_then = None;
        }
        started
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let mut me = self.project();
        let at = ready!(me.inner.as_mut().poll_complete(cx))?;
        if let Some(offset) = me.seek_then.take() {
            me.inner.as_mut().start_seek(SeekFrom::Current(offset))?;
            return me.inner.poll_complete(cx);
        }
        // With no seek started the buffer may hold bytes; report where the reader stands.
        let buffered = (*me.cap - *me.pos) as u64;
        Poll::Ready(at.checked_sub(buffered).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the inner reader reports position {at}, before the {buffered} bytes \
                     BufReader has buffered from it; its AsyncSeek implementation is broken"
                ),
            )
        }))
    }
}
