//! [`duplex`]: an in-memory, bidirectional pipe pair, mostly for tests.

use corium_reactor::coop;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::ready;
use std::task::{Context, Poll, Waker};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Creates two connected in-memory streams: bytes written to one are read from the other.
///
/// Each direction buffers at most `max_buf_size` bytes; a writer finding the buffer full gets
/// `Pending` until the peer reads (backpressure, as with a socket). A `max_buf_size` of 0 is
/// raised to 1, since no write could ever complete otherwise.
///
/// Closing behaves like a socket pair:
/// * after [`poll_shutdown`](AsyncWrite::poll_shutdown) on one end, or once it is dropped,
///   the peer reads the remaining bytes, then end of stream;
/// * writing to an end whose peer was dropped fails with `BrokenPipe`, as does writing after
///   shutting down.
///
/// # Examples
///
/// ```
/// use corium_net::io::{duplex, AsyncReadExt, AsyncWriteExt};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let (mut client, mut server) = duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// drop(client);
/// assert_eq!(server.read(&mut buf).await?, 0); // end of stream
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of an in-memory pipe pair made by [`duplex`].
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

/// One direction: a bounded byte queue between one writer and one reader.
#[derive(Debug)]
struct Pipe {
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    /// The writer shut down or was dropped (reader sees end of stream once drained), or the
    /// reader was dropped (writer gets `BrokenPipe`). Either way no more bytes may enter.
    closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

impl Pipe {
    fn new(max_buf_size: usize) -> Self {
        Pipe {
            buffer: VecDeque::new(),
            max_buf_size: max_buf_size.max(1),
            closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    fn close_write(&mut self) {
        self.closed = true;
        if let Some(w) = self.read_waker.take() {
            w.wake();
        }
    }

    fn close_read(&mut self) {
        self.closed = true;
        // Nobody will read these; free them now.
        self.buffer = VecDeque::new();
        if let Some(w) = self.write_waker.take() {
            w.wake();
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.buffer.is_empty() {
            if self.closed || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            register(&mut self.read_waker, cx);
            return Poll::Pending;
        }
        let n = self.buffer.len().min(buf.remaining());
        let (front, back) = self.buffer.as_slices();
        let from_front = n.min(front.len());
        buf.put_slice(&front[..from_front]);
        buf.put_slice(&back[..n - from_front]);
        self.buffer.drain(..n);
        if let Some(w) = self.write_waker.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }

    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "duplex stream: the write side was shut down or the peer was dropped",
            )));
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total == 0 {
            return Poll::Ready(Ok(0));
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            register(&mut self.write_waker, cx);
            return Poll::Pending;
        }
        let mut left = room;
        for b in bufs {
            let take = b.len().min(left);
            self.buffer.extend(&b[..take]);
            left -= take;
            if left == 0 {
                break;
            }
        }
        if let Some(w) = self.read_waker.take() {
            w.wake();
        }
        Poll::Ready(Ok(room - left))
    }
}

/// Runs one read or write of the pipe on the task's coop budget: a unit is taken first and
/// kept only if the operation completes, so two tasks ping-ponging through an always-ready
/// pipe still yield to the rest of their worker.
fn with_budget<T>(cx: &mut Context<'_>, op: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    let unit = ready!(coop::poll_proceed(cx));
    let result = op(cx);
    if result.is_ready() {
        unit.made_progress();
    }
    result
}

fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    // Pipe methods do not panic midway through an update, so a poisoned pipe is consistent.
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_budget(cx, |cx| lock(&self.read).poll_read(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx| {
            lock(&self.write).poll_write(cx, &[IoSlice::new(buf)])
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_budget(cx, |cx| lock(&self.write).poll_write(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        lock(&self.write).close_write();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        lock(&self.write).close_write();
        lock(&self.read).close_read();
    }
}
