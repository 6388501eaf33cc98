//! [`AsyncWrite`]: the nonblocking counterpart of `std::io::Write`, and its impls for std
//! types.

use std::io::{self, Cursor, IoSlice};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Writes bytes to a sink without blocking the thread.
///
/// Implementors provide [`poll_write`](AsyncWrite::poll_write),
/// [`poll_flush`](AsyncWrite::poll_flush) and [`poll_shutdown`](AsyncWrite::poll_shutdown);
/// the futures that callers `.await` (`write_all`, `flush`, ...) live in
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt).
pub trait AsyncWrite {
    /// Tries to write some of `buf`.
    ///
    /// `Poll::Ready(Ok(n))` means the first `n` bytes were accepted (`n` may be less than
    /// `buf.len()`); `Ok(0)` for a non-empty `buf` means the sink can take no more bytes, ever.
    /// `Poll::Pending` means nothing was written and the waker of `cx` is registered.
    ///
    /// # Errors
    ///
    /// Whatever the underlying sink reports, for example `BrokenPipe` once the reading side is
    /// gone.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Tries to push buffered data down to the underlying sink.
    ///
    /// # Errors
    ///
    /// Whatever the underlying sink reports while writing the buffered data.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes, then closes the write direction (for a socket: sends FIN). Reads, where the
    /// type supports them, keep working. Writing after a successful shutdown is an error.
    ///
    /// # Errors
    ///
    /// Whatever the underlying sink reports while flushing or closing.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Like [`poll_write`](AsyncWrite::poll_write), from several buffers in order.
    ///
    /// The default writes the first non-empty buffer only; types that can gather (sockets,
    /// `Vec<u8>`) override it and return `true` from
    /// [`is_write_vectored`](AsyncWrite::is_write_vectored).
    ///
    /// # Errors
    ///
    /// As for [`poll_write`](AsyncWrite::poll_write).
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, first)
    }

    /// Whether [`poll_write_vectored`](AsyncWrite::poll_write_vectored) writes more than the
    /// first buffer, so callers know gathering is worth the trouble.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

macro_rules! deref_async_write {
    () => {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }

        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
}

/// Appends; never pending, never short.
impl AsyncWrite for Vec<u8> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let before = me.len();
        for b in bufs {
            me.extend_from_slice(b);
        }
        Poll::Ready(Ok(me.len() - before))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

// Cursors write exactly as their `std::io::Write` impls do (overwrite at the position, grow a
// `Vec`, report a short write when a fixed-size slice is full), so those impls are reused.
macro_rules! cursor_async_write {
    ($($ty:ty),* $(,)?) => {$(
        impl AsyncWrite for Cursor<$ty> {
            fn poll_write(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write(self.get_mut(), buf))
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

cursor_async_write!(Vec<u8>, &mut Vec<u8>, &mut [u8], Box<[u8]>);
