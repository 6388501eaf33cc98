//! The [`Read`] and [`ReadExact`] futures.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future of [`AsyncReadExt::read`](crate::io::AsyncReadExt::read).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

impl<'a, R: ?Sized> Read<'a, R> {
    pub(crate) fn new(reader: &'a mut R, buf: &'a mut [u8]) -> Self {
        Read { reader, buf }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// Future of [`AsyncReadExt::read_exact`](crate::io::AsyncReadExt::read_exact).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    // The filled cursor doubles as the progress counter across polls.
    buf: ReadBuf<'a>,
}

impl<'a, R: ?Sized> ReadExact<'a, R> {
    pub(crate) fn new(reader: &'a mut R, buf: &'a mut [u8]) -> Self {
        ReadExact {
            reader,
            buf: ReadBuf::new(buf),
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while me.buf.remaining() > 0 {
            let before = me.buf.filled().len();
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut me.buf))?;
            if me.buf.filled().len() == before {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "read_exact: stream ended after {before} of {} bytes",
                        me.buf.capacity()
                    ),
                )));
            }
        }
        Poll::Ready(Ok(me.buf.capacity()))
    }
}
