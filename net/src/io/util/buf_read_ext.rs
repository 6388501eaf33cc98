//! [`AsyncBufReadExt`]: the `.await`-able buffer, delimiter and line methods.

use std::pin::Pin;

use super::{FillBuf, Lines, ReadLine, ReadUntil, Split};
use crate::io::AsyncBufRead;

/// Buffer, delimiter and line methods for every [`AsyncBufRead`].
///
/// # Cancellation
///
/// [`read_until`](AsyncBufReadExt::read_until) appends bytes to the caller's vector as it
/// consumes them, so dropping it loses nothing (call it again to continue).
/// [`read_line`](AsyncBufReadExt::read_line) validates the line as a whole, so a dropped
/// `read_line` discards the part of the line it had consumed; in `select!`-style loops use
/// [`lines`](AsyncBufReadExt::lines) instead, whose `next_line` keeps partial lines.
///
/// # Examples
///
/// ```
/// use corium_net::io::AsyncBufReadExt;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let input: &[u8] = b"first\r\nsecond\nthird";
/// let mut lines = input.lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("first"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("second"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("third"));
/// assert_eq!(lines.next_line().await?, None);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Returns the buffered bytes, reading from the source first if none are buffered; an
    /// empty slice means end of stream. The bytes stay buffered until
    /// [`consume`](AsyncBufReadExt::consume) marks some of them used.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports while refilling.
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_net::io::{AsyncBufReadExt, BufReader};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// # block_on(async {
    /// let mut reader = BufReader::new(&b"GET / HTTP/1.1"[..]);
    /// // Look at the first bytes without taking them ...
    /// assert!(reader.fill_buf().await?.starts_with(b"GET "));
    /// // ... then take the method.
    /// reader.consume(4);
    /// assert_eq!(reader.fill_buf().await?, b"/ HTTP/1.1");
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        FillBuf::new(self)
    }

    /// Marks the first `amt` buffered bytes as used, so the next
    /// [`fill_buf`](AsyncBufReadExt::fill_buf) starts after them (the unpinned form of
    /// [`AsyncBufRead::consume`]). `amt` should not exceed the length `fill_buf` returned.
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        AsyncBufRead::consume(Pin::new(self), amt)
    }

    /// Appends bytes to `buf` up to and including `delim`, or to end of stream; returns the
    /// number of bytes appended (`0` at end of stream).
    ///
    /// # Errors
    ///
    /// Whatever the reader reports; bytes read before the error stay in `buf`.
    fn read_until<'a>(&'a mut self, delim: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        ReadUntil::new(self, delim, buf)
    }

    /// Appends one line to `buf`, including its `\n` if there is one; returns the number of
    /// bytes appended (`0` at end of stream).
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8: `buf` is left unchanged and the error owns the
    /// line's bytes (downcast `err.into_inner()` to [`std::string::FromUtf8Error`]).
    /// Otherwise whatever the reader reports, with `buf` unchanged.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        ReadLine::new(self, buf)
    }

    /// The lines of this reader, without their `\n` / `\r\n` endings.
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines::new(self)
    }

    /// The segments of this reader separated by `delim`, without the delimiter.
    fn split(self, delim: u8) -> Split<Self>
    where
        Self: Sized,
    {
        Split::new(self, delim)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
