//! [`AsyncSeek`]: moving the cursor of a stream that may have to wait to move it.

use std::io::{self, Cursor, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A stream whose position can be moved, like `std::io::Seek`, where the move may need to
/// wait (a file served by the blocking pool, a buffered reader whose inner reader must
/// seek).
///
/// A seek is two calls, so that a `Pending` never has to remember the requested position:
///
/// 1. [`start_seek`](AsyncSeek::start_seek) records or submits the move; it does not wait;
/// 2. [`poll_complete`](AsyncSeek::poll_complete) waits for it and returns the new position,
///    counted from the start of the stream.
///
/// Usually one calls neither: [`AsyncSeekExt::seek`](crate::io::AsyncSeekExt::seek) returns a
/// future doing both. Only one seek may be in progress at a time; an implementation may
/// return an error from `start_seek` while an earlier seek has not completed (call
/// `poll_complete` until it returns `Ready` first, as the `seek` future does).
///
/// `poll_complete` called with no seek started returns the current position (every
/// implementation in this crate does).
pub trait AsyncSeek {
    /// Starts moving the position to `position`. Completes with
    /// [`poll_complete`](AsyncSeek::poll_complete).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a position before the start of the stream (for in-memory streams,
    /// which check at once); otherwise whatever the stream reports, or an error if a seek is
    /// already in progress.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the seek started by [`start_seek`](AsyncSeek::start_seek); returns the new
    /// position from the start of the stream. `Poll::Pending` means the waker of `cx` is
    /// registered.
    ///
    /// # Errors
    ///
    /// Whatever the stream reports while moving.
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

macro_rules! deref_async_seek {
    () => {
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            Pin::new(&mut **self).start_seek(position)
        }

        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut **self).poll_complete(cx)
        }
    };
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    deref_async_seek!();
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    deref_async_seek!();
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

/// In memory, a seek is done as soon as it starts: `start_seek` moves the position (with
/// `std::io::Seek`'s checks) and `poll_complete` reports it.
impl<T: AsRef<[u8]> + Unpin> AsyncSeek for Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.position()))
    }
}
