//! [`sink`]: a writer that discards everything.

use corium_reactor::coop;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::ready;
use std::task::{Context, Poll};

use crate::io::AsyncWrite;

/// A writer that accepts and discards every byte, made by [`sink`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that accepts every write in full and throws the bytes away.
pub fn sink() -> Sink {
    Sink { _private: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Always ready: spend the task's budget, so a loop on it still yields.
        ready!(coop::poll_spend(cx));
        Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
