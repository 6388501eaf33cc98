//! The futures of [`AsyncWriteExt`](crate::io::AsyncWriteExt): [`Write`], [`WriteVectored`],
//! [`WriteAll`], [`Flush`] and [`Shutdown`].

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;

/// Future of [`AsyncWriteExt::write`](crate::io::AsyncWriteExt::write).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: &'a [u8],
}

impl<'a, W: ?Sized> Write<'a, W> {
    pub(crate) fn new(writer: &'a mut W, buf: &'a [u8]) -> Self {
        Write { writer, buf }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write(cx, me.buf)
    }
}

/// Future of [`AsyncWriteExt::write_vectored`](crate::io::AsyncWriteExt::write_vectored).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
}

impl<'a, 'b, W: ?Sized> WriteVectored<'a, 'b, W> {
    pub(crate) fn new(writer: &'a mut W, bufs: &'a [IoSlice<'b>]) -> Self {
        WriteVectored { writer, bufs }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write_vectored(cx, me.bufs)
    }
}

/// Future of [`AsyncWriteExt::write_all`](crate::io::AsyncWriteExt::write_all).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    writer: &'a mut W,
    // Shrinks from the front as bytes are accepted, so it is also the progress marker.
    buf: &'a [u8],
}

impl<'a, W: ?Sized> WriteAll<'a, W> {
    pub(crate) fn new(writer: &'a mut W, buf: &'a [u8]) -> Self {
        WriteAll { writer, buf }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        poll_write_all(Pin::new(&mut *me.writer), cx, &mut me.buf)
    }
}

/// Writes until `buf` is empty, shrinking it as bytes are accepted.
pub(crate) fn poll_write_all<W: AsyncWrite + ?Sized>(
    mut writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &mut &[u8],
) -> Poll<io::Result<()>> {
    while !buf.is_empty() {
        let n = ready!(writer.as_mut().poll_write(cx, buf))?;
        if n == 0 {
            return Poll::Ready(Err(write_zero(buf.len())));
        }
        *buf = buf.get(n..).unwrap_or_default();
    }
    Poll::Ready(Ok(()))
}

/// The error for a writer that accepted nothing from a non-empty buffer.
pub(crate) fn write_zero(pending: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        format!("the writer accepted 0 bytes with {pending} bytes still to write"),
    )
}

/// Future of [`AsyncWriteExt::flush`](crate::io::AsyncWriteExt::flush).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<'a, W: ?Sized> Flush<'a, W> {
    pub(crate) fn new(writer: &'a mut W) -> Self {
        Flush { writer }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_flush(cx)
    }
}

/// Future of [`AsyncWriteExt::shutdown`](crate::io::AsyncWriteExt::shutdown).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    writer: &'a mut W,
}

impl<'a, W: ?Sized> Shutdown<'a, W> {
    pub(crate) fn new(writer: &'a mut W) -> Self {
        Shutdown { writer }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().writer).poll_shutdown(cx)
    }
}
