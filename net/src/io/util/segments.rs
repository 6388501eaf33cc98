//! [`Split`]: a stream of delimiter-separated segments from an [`AsyncBufRead`].

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;

pin_project! {
    /// Segments of a reader separated by a delimiter byte, returned by
    /// [`AsyncBufReadExt::split`](crate::io::AsyncBufReadExt::split).
    ///
    /// Segments come without the delimiter. Like [`Lines`](super::Lines), a partial segment is
    /// kept between polls, so [`next_segment`](Split::next_segment) is cancellation safe.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        delim: u8,
        bytes: Vec<u8>,
        read: usize,
    }
}

impl<R: AsyncBufRead> Split<R> {
    pub(crate) fn new(reader: R, delim: u8) -> Self {
        Split {
            reader,
            delim,
            bytes: Vec::new(),
            read: 0,
        }
    }

    /// Waits for the next segment; `Ok(None)` at end of stream. A last segment without a
    /// trailing delimiter is still returned.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports; the partial segment is kept for the next call.
    pub fn next_segment(&mut self) -> NextSegment<'_, R>
    where
        R: Unpin,
    {
        NextSegment { split: self }
    }

    /// Poll form of [`next_segment`](Split::next_segment).
    ///
    /// # Errors
    ///
    /// As for [`next_segment`](Split::next_segment).
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let me = self.project();
        ready!(poll_read_until(me.reader, cx, *me.delim, me.bytes, me.read))?;
        if me.bytes.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = mem::take(me.bytes);
        if segment.last() == Some(&*me.delim) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}

/// Future of [`Split::next_segment`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct NextSegment<'a, R> {
    split: &'a mut Split<R>,
}

impl<R: AsyncBufRead + Unpin> Future for NextSegment<'_, R> {
    type Output = io::Result<Option<Vec<u8>>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.get_mut().split).poll_next_segment(cx)
    }
}
