//! [`Take`]: a reader cut off after a number of bytes.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_to_end::swapped_read_buf;
use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

pin_project! {
    /// Reader returned by [`AsyncReadExt::take`](crate::io::AsyncReadExt::take): yields at
    /// most `limit` bytes of the inner reader, then reports end of stream.
    #[derive(Debug)]
    #[must_use = "readers do nothing unless you read from them"]
    pub struct Take<R> {
        #[pin]
        inner: R,
        limit: u64,
    }
}

impl<R: AsyncRead> Take<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Take { inner, limit }
    }

    /// Bytes that may still be read before end of stream is reported.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Changes the number of bytes that may still be read. Reaching a limit does not end the
    /// inner reader, so raising it again resumes reading.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably. Reading from it directly bypasses the limit.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The pinned inner reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().inner
    }

    /// Unwraps the inner reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.project();
        if *me.limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let cap = usize::try_from(*me.limit).unwrap_or(usize::MAX);
        let mut part = buf.take(cap);
        let (start, len) = (part.start_ptr(), part.capacity());
        ready!(me.inner.poll_read(cx, &mut part))?;
        if part.start_ptr() != start || part.capacity() != len {
            return Poll::Ready(Err(swapped_read_buf()));
        }
        let (n, init) = (part.filled().len(), part.initialized().len());
        // SAFETY: the check above proves `part` still views `buf`'s unfilled region from its
        // start, so its first `init` bytes — initialised by `part`'s own invariant — are the
        // first `init` unfilled bytes of `buf`; `init <= len <= buf.remaining()`.
        unsafe { buf.assume_init(init) };
        buf.advance(n);
        *me.limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.project();
        if *me.limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let available = ready!(me.inner.poll_fill_buf(cx))?;
        let cap = usize::try_from(*me.limit).unwrap_or(usize::MAX);
        let n = available.len().min(cap);
        Poll::Ready(Ok(&available[..n]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.project();
        let amt = usize::try_from(*me.limit).map_or(amt, |limit| amt.min(limit));
        *me.limit -= amt as u64;
        me.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::AsyncReadExt;
    use std::mem::MaybeUninit;
    use std::task::Waker;

    #[test]
    fn initialisation_done_by_the_inner_reader_is_kept() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_slice(b"ab");
        let mut take = crate::io::repeat(b'x').take(5);
        let mut cx = Context::from_waker(Waker::noop());
        let poll = Pin::new(&mut take).poll_read(&mut cx, &mut buf);
        assert!(matches!(poll, Poll::Ready(Ok(()))));
        // `repeat` initialises exactly what it fills: the 5 bytes the limit allows.
        assert_eq!(buf.filled(), b"abxxxxx");
        assert_eq!(buf.initialized().len(), 7);
        assert_eq!(take.limit(), 0);
        let poll = Pin::new(&mut take).poll_read(&mut cx, &mut buf);
        assert!(matches!(poll, Poll::Ready(Ok(()))));
        assert_eq!(buf.filled().len(), 7, "limit reached: end of stream");
    }

    struct Swapper;

    impl AsyncRead for Swapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            *buf = ReadBuf::new(&mut []);
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_reader_that_swaps_the_buffer_gets_an_error_not_ub() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut take = Swapper.take(4);
        let mut cx = Context::from_waker(Waker::noop());
        let poll = Pin::new(&mut take).poll_read(&mut cx, &mut buf);
        assert!(matches!(poll, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Other));
        assert_eq!((buf.filled().len(), buf.initialized().len()), (0, 0));
    }
}
