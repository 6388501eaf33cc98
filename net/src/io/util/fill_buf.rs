//! The [`FillBuf`] future.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::AsyncBufRead;

/// Future of [`AsyncBufReadExt::fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    // `None` once the output (which borrows the reader for `'a`) has been handed out.
    reader: Option<&'a mut R>,
}

impl<'a, R: ?Sized> FillBuf<'a, R> {
    pub(crate) fn new(reader: &'a mut R) -> Self {
        FillBuf {
            reader: Some(reader),
        }
    }
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let Some(reader) = me.reader.take() else {
            return Poll::Ready(Err(io::Error::other(
                "FillBuf polled after it completed; call fill_buf() again for a new future",
            )));
        };
        // The output must borrow the reader for all of `'a`, but on `Pending` the reader
        // must go back into `self`, and the borrow checker cannot return a borrow on one
        // branch and keep the reference on the other. So this first poll only learns the
        // outcome, through a short reborrow.
        let buffered = match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Pending => {
                me.reader = Some(reader);
                return Poll::Pending;
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(bytes)) => bytes.len(),
        };
        if buffered == 0 {
            return Poll::Ready(Ok(&[]));
        }
        // Bytes are buffered, and the `AsyncBufRead` contract says a reader holding buffered
        // bytes returns them at once: this second call does no I/O and returns the same
        // bytes, now borrowed for `'a`. (Extending the first borrow instead would need
        // `unsafe`; the second call costs a branch in every buffered reader.)
        match Pin::new(reader).poll_fill_buf(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => Poll::Ready(Err(io::Error::other(
                "AsyncBufRead::poll_fill_buf returned Pending while holding buffered bytes \
                 (it had just returned them); fill_buf needs a reader that returns buffered \
                 bytes at once, as the AsyncBufRead docs require: fix the reader, or call \
                 poll_fill_buf directly",
            ))),
        }
    }
}
