//! Reading up to a delimiter: the [`ReadUntil`] and [`ReadLine`] futures, and the loop that
//! [`Lines`](super::Lines) and [`Split`](super::Split) share.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncBufRead;

/// Moves bytes from `reader` to `out` up to and including `delim`, or to end of stream.
/// `read` counts the bytes moved, across polls. Bytes are consumed from the reader only
/// once they are in `out`, so a `Pending` or an error loses nothing.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    out: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
        let (used, found) = match available.iter().position(|&b| b == delim) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        out.extend_from_slice(&available[..used]);
        reader.as_mut().consume(used);
        *read += used;
        if found || used == 0 {
            return Poll::Ready(Ok(mem::take(read)));
        }
    }
}

/// Future of [`AsyncBufReadExt::read_until`](crate::io::AsyncBufReadExt::read_until).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
}

impl<'a, R: ?Sized> ReadUntil<'a, R> {
    pub(crate) fn new(reader: &'a mut R, delim: u8, buf: &'a mut Vec<u8>) -> Self {
        ReadUntil {
            reader,
            delim,
            buf,
            read: 0,
        }
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            me.delim,
            me.buf,
            &mut me.read,
        )
    }
}

/// Future of [`AsyncBufReadExt::read_line`](crate::io::AsyncBufReadExt::read_line).
///
/// The line is gathered in a private vector and validated once it is complete, so the
/// caller's string changes only on success.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    output: &'a mut String,
    bytes: Vec<u8>,
    read: usize,
}

impl<'a, R: ?Sized> ReadLine<'a, R> {
    pub(crate) fn new(reader: &'a mut R, output: &'a mut String) -> Self {
        ReadLine {
            reader,
            output,
            bytes: Vec::new(),
            read: 0,
        }
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let n = ready!(poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            b'\n',
            &mut me.bytes,
            &mut me.read,
        ))?;
        let text = utf8_line(mem::take(&mut me.bytes))?;
        me.output.push_str(&text);
        Poll::Ready(Ok(n))
    }
}

/// Converts a line's bytes to text; invalid UTF-8 becomes an `InvalidData` error that owns the
/// bytes, so the caller can still recover them.
pub(crate) fn utf8_line(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
