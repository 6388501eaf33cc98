//! [`copy_buf`]: pump a buffered reader into a writer without an extra buffer.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::write::write_zero;
use crate::io::{AsyncBufRead, AsyncWrite};

/// Copies everything from a buffered `reader` to `writer` until end of stream, then flushes
/// the writer; returns the number of bytes copied.
///
/// Unlike [`copy`](crate::io::copy) it writes straight from the reader's own buffer, so no
/// second buffer is allocated.
///
/// # Errors
///
/// The first error of the reader or the writer; `WriteZero` if the writer accepts no bytes.
/// Bytes are consumed from the reader only once written, so nothing is lost on error.
pub async fn copy_buf<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    poll_fn(|cx| loop {
        let mut reader = Pin::new(&mut *reader);
        let writer = Pin::new(&mut *writer);
        let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
        if available.is_empty() {
            ready!(writer.poll_flush(cx))?;
            return Poll::Ready(Ok(amt));
        }
        let n = ready!(writer.poll_write(cx, available))?;
        if n == 0 {
            return Poll::Ready(Err(write_zero(available.len())));
        }
        let n = n.min(available.len());
        reader.consume(n);
        amt += n as u64;
    })
    .await
}
