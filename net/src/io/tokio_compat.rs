//! Adapters between corium's io traits and tokio's (feature `tokio-io`), in both directions,
//! so trait-level crates written for tokio — `tokio_util::codec::Framed`, tokio-rustls,
//! async-compression's tokio flavour, ... — run over corium sockets, and tokio-trait streams
//! run under corium's utilities.
//!
//! [`TokioCompat<T>`] implements, for `T` implementing the trait on one side, the same-named
//! trait on the other:
//!
//! | `T` implements (corium)     | `TokioCompat<T>` implements (tokio) |
//! |-----------------------------|-------------------------------------|
//! | [`AsyncRead`]               | `tokio::io::AsyncRead`              |
//! | [`AsyncWrite`]              | `tokio::io::AsyncWrite`             |
//! | [`AsyncBufRead`]            | `tokio::io::AsyncBufRead`           |
//! | [`AsyncSeek`]               | `tokio::io::AsyncSeek`              |
//!
//! and the same table read right to left. The two families have the same shape (corium's
//! traits follow tokio's signatures), so every call passes straight through; the one real
//! bridge is between the two `ReadBuf` types, done without zeroing or copying: the inner
//! reader fills the outer buffer's unfilled memory, possibly uninitialised, and the outer
//! buffer learns exactly what the inner one filled and initialised.
//!
//! tokio is a dependency of this feature *without any runtime feature* (`default-features =
//! false`): only its trait definitions are compiled, no reactor, scheduler or timer.
//!
//! Why a wrapper and not the tokio traits on every corium type: the reasons of
//! [`compat`](super::compat) (futures-io) apply, plus one of ergonomics — a type implementing
//! both `corium::io::AsyncRead` and `tokio::io::AsyncRead` makes every `poll_read` call
//! ambiguous where both traits are imported, which is exactly the code that mixes the two.
//!
//! ```
//! use corium_net::io::tokio_compat::TokioCompat;
//!
//! // A corium reader handed to code written against tokio's traits.
//! fn wants_tokio_reader<R: tokio::io::AsyncRead + Unpin>(_reader: R) {}
//! let reader: &[u8] = b"data";
//! wants_tokio_reader(TokioCompat::new(reader));
//! ```

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::util::swapped_read_buf;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// The `tokio` crate whose traits [`TokioCompat`] adapts to (the version corium was built
/// with, compiled without runtime features).
pub use tokio;

pin_project! {
    /// Makes a corium stream usable through tokio's io traits, or a tokio-trait stream
    /// usable through corium's (see the [module docs](self)).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct TokioCompat<T> {
        #[pin]
        inner: T,
    }
}

impl<T> TokioCompat<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        TokioCompat { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The pinned wrapped stream.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

// corium -> tokio

impl<T: AsyncRead> tokio::io::AsyncRead for TokioCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let known_init = buf.initialized().len() - buf.filled().len();
        // SAFETY: the memory is only lent to corium's `ReadBuf`, whose methods store
        // initialised bytes and never `MaybeUninit::uninit()` (its `unfilled_mut` contract).
        let unfilled = unsafe { buf.unfilled_mut() };
        let (start, room) = (unfilled.as_ptr().cast::<u8>(), unfilled.len());
        let mut inner = ReadBuf::uninit(unfilled);
        // SAFETY: tokio's `ReadBuf` counts the first `known_init` unfilled bytes initialised.
        unsafe { inner.assume_init(known_init) };
        let polled = self.project().inner.poll_read(cx, &mut inner);
        if inner.start_ptr() != start || inner.capacity() != room {
            return Poll::Ready(Err(swapped_read_buf()));
        }
        let (filled, init) = inner.cursors();
        // SAFETY: `inner` still views this very memory (checked above), and its invariant
        // says its first `init` bytes, the first `init` unfilled bytes of `buf`, are
        // initialised. Recorded even on `Pending`, so nothing is initialised twice.
        unsafe { buf.assume_init(init) };
        ready!(polled)?;
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncBufRead> tokio::io::AsyncBufRead for TokioCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: AsyncWrite> tokio::io::AsyncWrite for TokioCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: AsyncSeek> tokio::io::AsyncSeek for TokioCompat<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.project().inner.start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.project().inner.poll_complete(cx)
    }
}

// tokio -> corium

impl<T: tokio::io::AsyncRead> AsyncRead for TokioCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (filled_before, init_before) = buf.cursors();
        // SAFETY: the memory is only lent to tokio's `ReadBuf`, whose methods store
        // initialised bytes and never `MaybeUninit::uninit()`.
        let unfilled = unsafe { buf.unfilled_mut() };
        let (start, room) = (unfilled.as_ptr().cast::<u8>(), unfilled.len());
        let mut inner = tokio::io::ReadBuf::uninit(unfilled);
        // SAFETY: corium's `ReadBuf` counts these unfilled bytes initialised.
        unsafe { inner.assume_init(init_before - filled_before) };
        let polled = self.project().inner.poll_read(cx, &mut inner);
        // The filled part starts where the buffer does, so it tells whether `inner` was
        // swapped for another buffer.
        if inner.filled().as_ptr() != start || inner.capacity() != room {
            return Poll::Ready(Err(swapped_read_buf()));
        }
        let (filled, init) = (inner.filled().len(), inner.initialized().len());
        // SAFETY: `inner` still views this very memory (checked above) and tokio's `ReadBuf`
        // guarantees its first `init` bytes are initialised; `init <= remaining()`.
        unsafe { buf.assume_init(init) };
        ready!(polled)?;
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: tokio::io::AsyncBufRead> AsyncBufRead for TokioCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: tokio::io::AsyncWrite> AsyncWrite for TokioCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: tokio::io::AsyncSeek> AsyncSeek for TokioCompat<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.project().inner.start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.project().inner.poll_complete(cx)
    }
}

#[cfg(test)]
mod tests;
