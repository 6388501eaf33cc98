//! [`Blocking`]: an [`AsyncRead`]/[`AsyncWrite`] over a blocking `std::io::Read`/`Write`,
//! whose calls run on the runtime's blocking pool.
//!
//! Some descriptors cannot be made nonblocking without harming other users (the standard
//! streams are shared with the parent shell and with every `println!`), and regular files are
//! always "ready" to epoll. Their reads and writes block, so they run as `spawn_blocking`
//! closures. The closure needs to own everything it touches, so the inner stream and a
//! buffer move into it and come back when it finishes: one operation in flight at a time.
//!
//! * A read asks the pool for at most the caller's free space (capped at [`MAX_BUF`]), then
//!   copies the result out; bytes left over (a later, smaller read) stay for the next call.
//! * A write copies up to [`MAX_BUF`] bytes, queues the blocking `write_all`, and reports
//!   them all accepted at once: the caller's slice cannot travel to another thread, and
//!   the copy lets the caller move on. An error of that write surfaces on the next
//!   `poll_write`, `poll_flush` or `poll_shutdown`.
//! * `poll_flush` waits for the write in flight, then runs the inner `flush` on the pool.

use std::future::Future;
use std::io::{self, Read, Write};
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_executor::runtime::Handle;
use corium_executor::task::JoinHandle;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes one blocking operation moves: bounds the copy a write makes and the memory a
/// read allocates, while keeping pool round trips few for bulk copies.
pub(crate) const MAX_BUF: usize = 64 * 1024;

/// Runs the blocking reads and writes of `T` on the blocking pool of the current runtime.
#[derive(Debug)]
pub(crate) struct Blocking<T> {
    /// Names the stream in error messages ("stdin", ...).
    name: &'static str,
    state: State<T>,
}

#[derive(Debug)]
enum State<T> {
    /// No operation in flight; the parts are here.
    Idle(Parts<T>),
    /// The parts are on the blocking pool.
    Busy(JoinHandle<(Parts<T>, Op, io::Result<()>)>),
    /// A blocking closure panicked or was cancelled by runtime shutdown, taking the stream
    /// with it.
    Lost,
}

/// What a blocking closure owns while it runs.
#[derive(Debug)]
struct Parts<T> {
    inner: T,
    /// Read bytes not yet handed out are `read_buf[read_pos..read_end]`. The vector keeps
    /// its length between reads, so its bytes are zeroed once, when it grows, not per read
    /// (`std::io::Read` needs initialised memory).
    read_buf: Vec<u8>,
    read_pos: usize,
    read_end: usize,
    /// The bytes of the write in flight; empty when idle.
    write_buf: Vec<u8>,
    /// Bytes were written since the last flush.
    dirty: bool,
}

/// Which operation a finished closure ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Flush,
}

// `T` is only ever moved (into closures and back), never pinned in place.
impl<T> Unpin for Blocking<T> {}

impl<T> Blocking<T> {
    /// Wraps `inner`. No runtime is needed until the first operation.
    pub(crate) fn new(name: &'static str, inner: T) -> Self {
        Blocking {
            name,
            state: State::Idle(Parts {
                inner,
                read_buf: Vec::new(),
                read_pos: 0,
                read_end: 0,
                write_buf: Vec::new(),
                dirty: false,
            }),
        }
    }
}

impl<T: Send + 'static> Blocking<T> {
    /// Waits for the operation in flight, if any; returns which it was and its result.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Op>>> {
        let State::Busy(join) = &mut self.state else {
            return Poll::Ready(match self.state {
                State::Lost => Err(self.lost()),
                _ => Ok(None),
            });
        };
        match ready!(Pin::new(join).poll(cx)) {
            Ok((parts, op, result)) => {
                self.state = State::Idle(parts);
                Poll::Ready(result.map(|()| Some(op)))
            }
            Err(join_error) => {
                self.state = State::Lost;
                Poll::Ready(Err(io::Error::other(format!(
                    "{}: the blocking-pool operation did not complete ({join_error}); the \
                     stream is gone, create a new one",
                    self.name
                ))))
            }
        }
    }

    fn lost(&self) -> io::Error {
        io::Error::other(format!(
            "{}: an earlier blocking-pool operation panicked or was cancelled by runtime \
             shutdown, and the stream went with it; create a new one",
            self.name
        ))
    }

    /// Moves the (idle) parts into `work` on the blocking pool.
    fn spawn(
        &mut self,
        op: Op,
        work: impl FnOnce(&mut Parts<T>) -> io::Result<()> + Send + 'static,
    ) -> io::Result<()> {
        let handle = Handle::try_current().map_err(|e| {
            io::Error::other(format!(
                "{}: the blocking call runs on the blocking pool of a corium runtime; use the \
                 stream inside `Runtime::block_on` or a spawned task ({e})",
                self.name
            ))
        })?;
        let State::Idle(mut parts) = mem::replace(&mut self.state, State::Lost) else {
            unreachable!("spawn is only called when idle");
        };
        self.state = State::Busy(handle.spawn_blocking(move || {
            let result = work(&mut parts);
            (parts, op, result)
        }));
        Ok(())
    }
}

impl<T> Blocking<T> {
    fn parts(&mut self) -> &mut Parts<T> {
        match &mut self.state {
            State::Idle(parts) => parts,
            _ => unreachable!("parts is only called when idle"),
        }
    }
}

impl<T: Read + Send + 'static> AsyncRead for Blocking<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            let finished = ready!(me.poll_idle(cx))?;
            let parts = me.parts();
            let unread = &parts.read_buf[parts.read_pos..parts.read_end];
            if !unread.is_empty() || finished == Some(Op::Read) || dst.remaining() == 0 {
                // Leftover bytes, or the answer to our own read (empty means end of stream).
                let n = unread.len().min(dst.remaining());
                dst.put_slice(&unread[..n]);
                parts.read_pos += n;
                return Poll::Ready(Ok(()));
            }
            let want = dst.remaining().min(MAX_BUF);
            me.spawn(Op::Read, move |parts| {
                if parts.read_buf.len() < want {
                    parts.read_buf.resize(want, 0);
                }
                parts.read_pos = 0;
                let result = loop {
                    match parts.inner.read(&mut parts.read_buf[..want]) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                parts.read_end = *result.as_ref().unwrap_or(&0);
                result.map(drop)
            })?;
        }
    }
}

impl<T: Write + Send + 'static> AsyncWrite for Blocking<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        ready!(me.poll_idle(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_BUF);
        let parts = me.parts();
        parts.write_buf.extend_from_slice(&src[..n]);
        let spawned = me.spawn(Op::Write, |parts| {
            parts.dirty = true;
            let result = parts.inner.write_all(&parts.write_buf);
            parts.write_buf.clear();
            result
        });
        if let Err(e) = spawned {
            // Nothing was queued: take the copy back so the bytes are not written later.
            me.parts().write_buf.clear();
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            let finished = ready!(me.poll_idle(cx))?;
            if finished == Some(Op::Flush) || !me.parts().dirty {
                return Poll::Ready(Ok(()));
            }
            me.spawn(Op::Flush, |parts| {
                let result = parts.inner.flush();
                // A failed flush leaves the data unflushed: the next poll_flush tries again.
                parts.dirty = result.is_err();
                result
            })?;
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A blocking std writer has no half-close; all shutdown can promise is a flush.
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests;
