//! [`Lines`]: a stream of lines from an [`AsyncBufRead`].

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_until::{poll_read_until, utf8_line};
use crate::io::AsyncBufRead;

pin_project! {
    /// Lines of a reader, returned by
    /// [`AsyncBufReadExt::lines`](crate::io::AsyncBufReadExt::lines).
    ///
    /// Each line comes without its `\n` or `\r\n` ending. A partial line is kept inside
    /// `Lines` between polls, so dropping a [`NextLine`] future before it completes loses
    /// nothing: the next call continues the same line (it is cancellation safe).
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        bytes: Vec<u8>,
        read: usize,
    }
}

impl<R: AsyncBufRead> Lines<R> {
    pub(crate) fn new(reader: R) -> Self {
        Lines {
            reader,
            bytes: Vec::new(),
            read: 0,
        }
    }

    /// Waits for the next line; `Ok(None)` at end of stream. A last line without a line
    /// ending is still returned.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8 (the error owns the line's bytes, see
    /// [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string), and the
    /// following call starts on the next line); otherwise whatever the reader reports.
    pub fn next_line(&mut self) -> NextLine<'_, R>
    where
        R: Unpin,
    {
        NextLine { lines: self }
    }

    /// Poll form of [`next_line`](Lines::next_line), for hand-written futures and streams.
    ///
    /// # Errors
    ///
    /// As for [`next_line`](Lines::next_line).
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let me = self.project();
        ready!(poll_read_until(me.reader, cx, b'\n', me.bytes, me.read))?;
        if me.bytes.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut bytes = mem::take(me.bytes);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Poll::Ready(utf8_line(bytes).map(Some))
    }

    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The pinned reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().reader
    }

    /// Unwraps the reader. A partial line read so far is dropped.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

/// Future of [`Lines::next_line`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct NextLine<'a, R> {
    lines: &'a mut Lines<R>,
}

impl<R: AsyncBufRead + Unpin> Future for NextLine<'_, R> {
    type Output = io::Result<Option<String>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().lines).poll_next_line(cx)
    }
}
