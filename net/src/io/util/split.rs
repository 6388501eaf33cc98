//! [`split`]: one stream, two owned halves.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Splits a stream into a reading half and a writing half that can be moved to different
/// tasks.
///
/// The halves share the stream through an `Arc` and take turns with a mutex held only for the
/// duration of one `poll_*` call, which never blocks on I/O; so the cost is a lock per call.
/// Sockets will offer a lock-free split of their own. [`ReadHalf::unsplit`] puts the two
/// halves back together.
///
/// The stream is boxed and pinned inside, so any `T` works, `Unpin` or not.
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let is_write_vectored = stream.is_write_vectored();
    let inner = Arc::new(Inner {
        stream: Mutex::new(Box::pin(stream)),
        is_write_vectored,
    });
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

struct Inner<T> {
    stream: Mutex<Pin<Box<T>>>,
    // Cached so `is_write_vectored(&self)` does not need the lock.
    is_write_vectored: bool,
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, Pin<Box<T>>> {
        // A panic inside another half's poll leaves the stream as consistent as any panicking
        // poll leaves it; refusing every later call would not make it safer.
        self.stream.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The reading half of a stream, made by [`split`].
pub struct ReadHalf<T> {
    inner: Arc<Inner<T>>,
}

/// The writing half of a stream, made by [`split`].
pub struct WriteHalf<T> {
    inner: Arc<Inner<T>>,
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the writing half split from the same stream.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Joins this half with its writing half, giving back the stream.
    ///
    /// # Panics
    ///
    /// If `wr` was split from a different stream (check with
    /// [`is_pair_of`](ReadHalf::is_pair_of)). Mixing up halves is a bug in the caller, and
    /// the stream cannot be rebuilt from halves of two different streams.
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&wr),
            "ReadHalf::unsplit: the WriteHalf belongs to a different stream"
        );
        drop(wr);
        let inner = Arc::into_inner(self.inner).expect(
            "ReadHalf::unsplit: no other handle exists once the paired WriteHalf is dropped",
        );
        let stream = inner
            .stream
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        *Pin::into_inner(stream)
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the reading half split from the same stream.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.lock().as_mut().poll_read(cx, buf)
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.lock().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.lock().as_mut().poll_shutdown(cx)
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
