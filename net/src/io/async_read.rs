//! [`AsyncRead`]: the nonblocking counterpart of `std::io::Read`, and its impls for std types.

use corium_reactor::coop;
use std::io::{self, Cursor};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::ready;
use std::task::{Context, Poll};

use super::ReadBuf;

/// Reads bytes from a source without blocking the thread.
///
/// Implementors provide one method, [`poll_read`](AsyncRead::poll_read); the futures that
/// callers `.await` (`read`, `read_exact`, ...) live in
/// [`AsyncReadExt`](crate::io::AsyncReadExt).
pub trait AsyncRead {
    /// Tries to read data into the unfilled part of `buf`.
    ///
    /// * `Poll::Ready(Ok(()))` with bytes appended to `buf.filled()`: data was read.
    /// * `Poll::Ready(Ok(()))` with nothing appended, although `buf.remaining() > 0`: end of
    ///   stream.
    /// * `Poll::Pending`: no data yet; the waker of `cx` is registered and will be woken when
    ///   reading may make progress.
    /// * `Poll::Ready(Err(e))`: an I/O error.
    ///
    /// Implementations only append to `buf`: they never shrink or clear what is already
    /// filled.
    ///
    /// # Errors
    ///
    /// Whatever the underlying source reports.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

/// Reading from a slice consumes it from the front, as `std::io::Read for &[u8]` does.
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        let rest = cursor_rest(&self);
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        let pos = self.position() + n as u64;
        self.set_position(pos);
        Poll::Ready(Ok(()))
    }
}

/// The bytes of a cursor from its position on; a position past the end means no bytes, as in
/// std.
pub(crate) fn cursor_rest<T: AsRef<[u8]>>(cursor: &Cursor<T>) -> &[u8] {
    let all = cursor.get_ref().as_ref();
    let start = usize::try_from(cursor.position()).map_or(all.len(), |p| p.min(all.len()));
    &all[start..]
}
