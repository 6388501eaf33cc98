//! Helpers for the `io_*` behaviour tests: a tiny `block_on` (no runtime exists at this
//! layer), a two-future `join`, and adaptors that make readers and writers awkward on purpose.
//! Each test binary uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::future::Future;
use std::io::{self, Cursor, SeekFrom};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use corium_net::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// Upper bound on how long one `block_on` may run, so a lost wakeup fails instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Wakes the blocked thread, and remembers that it did so spurious unparks are told apart.
struct ThreadWaker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `fut` to completion on this thread, parking between polls until its waker fires.
/// Panics if the future stays pending without a wakeup until [`DEADLINE`]: that is a
/// `Pending` returned without a registered waker.
#[track_caller]
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker_state = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(waker_state.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        while !waker_state.woken.swap(false, Ordering::Acquire) {
            let now = Instant::now();
            assert!(
                now < deadline,
                "block_on: future pending with no wakeup (lost waker?)"
            );
            thread::park_timeout(deadline - now);
        }
    }
}

/// Polls two futures in turn until both are done, like two tasks sharing one thread.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    // Boxing pins the futures without any unsafe projection.
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(|cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (out_a, out_b) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

/// Deterministic pseudo-random bytes (xorshift64), so large copies can be checked byte for
/// byte without a dependency.
pub fn xorshift_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    assert_ne!(seed, 0, "xorshift needs a non-zero seed");
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&seed.to_le_bytes()[..take]);
    }
    out
}

/// Hands out at most `chunk` bytes per read, and (if `pend`) returns `Pending` before every
/// read — waking itself first, so the task is polled again — to exercise the code paths that
/// resume after `Pending`.
pub struct Trickle<R> {
    inner: R,
    chunk: usize,
    pend: bool,
    pending_next: bool,
    /// Pending returns so far, so tests can assert the adaptor really interrupted them.
    pub pendings: usize,
}

impl<R> Trickle<R> {
    /// One byte per read, never pending.
    pub fn bytewise(inner: R) -> Self {
        Trickle {
            inner,
            chunk: 1,
            pend: false,
            pending_next: false,
            pendings: 0,
        }
    }

    /// One byte per read, with a `Pending` before each.
    pub fn bytewise_pending(inner: R) -> Self {
        Trickle {
            pend: true,
            pending_next: true,
            ..Self::bytewise(inner)
        }
    }

    /// `chunk` bytes per read, with a `Pending` before each if `pend`.
    pub fn chunked(inner: R, chunk: usize, pend: bool) -> Self {
        Trickle {
            chunk,
            pend,
            pending_next: pend,
            ..Self::bytewise(inner)
        }
    }

    /// Returns `true` (and registers a wakeup) if this call should be `Pending`.
    fn take_pending(&mut self, cx: &mut Context<'_>) -> bool {
        if self.pend && self.pending_next {
            self.pending_next = false;
            self.pendings += 1;
            cx.waker().wake_by_ref();
            return true;
        }
        self.pending_next = true;
        false
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Trickle<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.take_pending(cx) {
            return Poll::Pending;
        }
        // Read through a small buffer of our own, so this adaptor needs no unsafe.
        let mut small = vec![0u8; me.chunk.min(buf.remaining())];
        let mut part = ReadBuf::new(&mut small);
        let res = Pin::new(&mut me.inner).poll_read(cx, &mut part);
        buf.put_slice(part.filled());
        res
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for Trickle<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.get_mut();
        if me.take_pending(cx) {
            return Poll::Pending;
        }
        let chunk = me.chunk;
        match Pin::new(&mut me.inner).poll_fill_buf(cx) {
            Poll::Ready(Ok(b)) => Poll::Ready(Ok(&b[..b.len().min(chunk)])),
            other => other,
        }
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.inner).consume(amt)
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Trickle<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if me.take_pending(cx) {
            return Poll::Pending;
        }
        let n = buf.len().min(me.chunk);
        Pin::new(&mut me.inner).poll_write(cx, &buf[..n])
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A writer that records every call, to check what reached it and in which pieces.
#[derive(Default)]
pub struct Recorder {
    /// The byte runs of each `poll_write`, in order.
    pub writes: Vec<Vec<u8>>,
    pub flushes: usize,
    pub shutdowns: usize,
}

impl Recorder {
    pub fn bytes(&self) -> Vec<u8> {
        self.writes.concat()
    }
}

impl AsyncWrite for Recorder {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().writes.push(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

/// A cursor whose seeks complete only after one `Pending`, and which records the moves it
/// was asked for.
/// Reads and writes go straight to the cursor, and must not happen while a seek is in flight.
pub struct SlowSeek {
    pub inner: Cursor<Vec<u8>>,
    pub started: Vec<SeekFrom>,
    in_flight: Option<SeekFrom>,
    pend: bool,
    /// Every write fails with `BrokenPipe` while set.
    pub fail_writes: bool,
}

impl SlowSeek {
    pub fn new(data: &[u8]) -> Self {
        SlowSeek {
            inner: Cursor::new(data.to_vec()),
            started: Vec::new(),
            in_flight: None,
            pend: false,
            fail_writes: false,
        }
    }
}

impl AsyncRead for SlowSeek {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        assert!(self.in_flight.is_none(), "read during a seek");
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncSeek for SlowSeek {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        assert!(
            self.in_flight.is_none(),
            "a second seek started before the first completed"
        );
        self.started.push(position);
        self.in_flight = Some(position);
        self.pend = true;
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        if std::mem::take(&mut self.pend) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if let Some(position) = self.in_flight.take() {
            std::io::Seek::seek(&mut self.inner, position)?;
        }
        Poll::Ready(Ok(self.inner.position()))
    }
}

impl AsyncWrite for SlowSeek {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        assert!(self.in_flight.is_none(), "write during a seek");
        if self.fail_writes {
            return Poll::Ready(Err(io::Error::from(io::ErrorKind::BrokenPipe)));
        }
        Poll::Ready(std::io::Write::write(&mut self.inner, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
