//! [`AsyncSeekExt`]: the `.await`-able seeking methods.

use std::io::SeekFrom;

use super::Seek;
use crate::io::AsyncSeek;

/// Seeking methods for every [`AsyncSeek`], each returning a future.
///
/// # Cancellation
///
/// A dropped [`seek`](AsyncSeekExt::seek) may have started the move, so the position is then
/// unknown: seek again to an absolute position ([`SeekFrom::Start`]) before relying on it.
///
/// # Examples
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use corium_net::io::{AsyncReadExt, AsyncSeekExt};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let mut file = Cursor::new(b"header:payload".to_vec());
/// assert_eq!(file.seek(SeekFrom::Start(7)).await?, 7);
/// let mut payload = String::new();
/// file.read_to_string(&mut payload).await?;
/// assert_eq!(payload, "payload");
/// assert_eq!(file.seek(SeekFrom::End(-7)).await?, 7);
/// assert_eq!(file.rewind().await?, 0);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves the position to `position`; returns the new position from the start of the
    /// stream.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a position before the start of the stream; otherwise whatever the
    /// stream reports (including the error of an earlier, cancelled seek still completing).
    fn seek(&mut self, position: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek::new(self, position)
    }

    /// Moves the position back to the start of the stream; returns `0`.
    ///
    /// # Errors
    ///
    /// As [`seek`](AsyncSeekExt::seek).
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// The current position from the start of the stream (a seek by 0 bytes, so a
    /// [`BufReader`](crate::io::BufReader) drops its buffer, as it does for any seek).
    ///
    /// # Errors
    ///
    /// As [`seek`](AsyncSeekExt::seek).
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}
