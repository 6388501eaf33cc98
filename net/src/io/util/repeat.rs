//! [`repeat`]: a reader that yields one byte forever.

use corium_reactor::coop;
use std::io;
use std::pin::Pin;
use std::task::ready;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// A reader yielding the same byte endlessly, made by [`repeat`].
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// A reader that fills every buffer with `byte` and never reaches end of stream. Combine it
/// with [`take`](crate::io::AsyncReadExt::take) to get a finite stream.
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        // Writes each byte once, instead of zeroing the buffer and then overwriting it.
        buf.put_bytes(self.byte, buf.remaining());
        Poll::Ready(Ok(()))
    }
}
