//! [`AsyncBufRead`]: a reader with an internal buffer the caller can look into.

use corium_reactor::coop;
use std::io::{self, Cursor};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::ready;
use std::task::{Context, Poll};

use super::async_read::cursor_rest;
use super::AsyncRead;

/// An [`AsyncRead`] that keeps an internal buffer, so a caller can look at buffered bytes
/// before deciding how many to take (to find a line end, say).
///
/// The pair works like `std::io::BufRead`: [`poll_fill_buf`](AsyncBufRead::poll_fill_buf)
/// returns the buffered bytes (reading more if the buffer is empty) and
/// [`consume`](AsyncBufRead::consume) marks some of them as used. Line and delimiter helpers
/// live in [`AsyncBufReadExt`](crate::io::AsyncBufReadExt).
pub trait AsyncBufRead: AsyncRead {
    /// Returns the buffered bytes, reading from the source first if none are buffered.
    ///
    /// An empty slice means end of stream. `Poll::Pending` means the waker of `cx` is
    /// registered. The bytes stay buffered until [`consume`](AsyncBufRead::consume) is called,
    /// and while some are, this returns them at once (`Ready`, no I/O, never `Pending`), as
    /// `std::io::BufRead::fill_buf` does; [`fill_buf`](crate::io::AsyncBufReadExt::fill_buf)
    /// relies on it.
    ///
    /// # Errors
    ///
    /// Whatever the underlying source reports while refilling.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks the first `amt` buffered bytes as used, so the next
    /// [`poll_fill_buf`](AsyncBufRead::poll_fill_buf) starts after them.
    ///
    /// `amt` should not exceed the length last returned by `poll_fill_buf`; implementations
    /// in this crate clamp a larger value to the buffered length.
    fn consume(self: Pin<&mut Self>, amt: usize);
}

macro_rules! deref_async_buf_read {
    () => {
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }

        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncBufRead,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().as_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().as_mut().consume(amt)
    }
}

impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        Poll::Ready(Ok(&**self.get_mut()))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        let amt = amt.min(self.len());
        *self = &self[amt..];
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        Poll::Ready(Ok(cursor_rest(self.get_mut())))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        let amt = amt.min(cursor_rest(&self).len());
        let pos = self.position() + amt as u64;
        self.set_position(pos);
    }
}
