//! Helpers shared by the `reactor_*` behaviour tests: a socket source, counting wakers, and a
//! test-only `block_on` that turns the driver on the calling thread.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use corium_reactor::{Driver, Handle, ReadyEvent};
use corium_selector_sys::event::Source;
use corium_selector_sys::unix::SourceFd;
use corium_selector_sys::{Interest, Registry, Token};

/// How long any wait for an expected event may take before the test fails (never a hang).
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A nonblocking Unix stream socket as a reactor source.
#[derive(Debug)]
pub struct Sock(pub UnixStream);

impl Source for Sock {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(r)
    }
}

impl Read for &Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }
}

impl Write for &Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Our nonblocking end (to register) and the peer's blocking end.
#[track_caller]
pub fn pair() -> (Sock, UnixStream) {
    let (ours, peer) = UnixStream::pair().expect("socketpair");
    ours.set_nonblocking(true).expect("set_nonblocking");
    (Sock(ours), peer)
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct Count(AtomicUsize);

impl Count {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

/// Reads `sock` until `WouldBlock`; returns the bytes read. Bounded.
#[track_caller]
pub fn drain(sock: &Sock) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    for _ in 0..100_000 {
        match (&sock.0).read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("read failed: {e}"),
        }
    }
    panic!("drain did not reach WouldBlock");
}

/// Writes to `sock` until `WouldBlock` (its send buffer is full); returns the bytes written.
#[track_caller]
pub fn fill(sock: &Sock) -> usize {
    let buf = [7u8; 4096];
    let mut total = 0;
    for _ in 0..100_000 {
        match (&sock.0).write(&buf) {
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("write failed: {e}"),
        }
    }
    panic!("fill did not reach WouldBlock");
}

/// Turns `driver` until `done()` holds; fails the test after [`DEADLINE`].
#[track_caller]
pub fn turn_until(driver: &mut Driver, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < DEADLINE,
            "condition not reached before the deadline"
        );
        driver.turn(Some(Duration::from_millis(100))).expect("turn");
    }
}

/// The readiness a poll of `poll_read_ready` reports now (with a no-op waker).
pub fn read_ready_now(reg: &corium_reactor::Registration) -> Option<ReadyEvent> {
    let mut cx = Context::from_waker(Waker::noop());
    match reg.poll_read_ready(&mut cx) {
        Poll::Ready(Ok(ev)) => Some(ev),
        Poll::Ready(Err(e)) => panic!("poll_read_ready failed: {e}"),
        Poll::Pending => None,
    }
}

struct Unparker {
    woken: AtomicBool,
    handle: Handle,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.handle.unpark();
    }
}

/// Runs `fut` to completion on this thread, turning `driver` whenever it is pending: the
/// smallest executor. A wake unparks the driver. Fails the test after [`DEADLINE`].
#[track_caller]
pub fn block_on<F: Future>(driver: &mut Driver, fut: F) -> F::Output {
    let handle = driver.handle();
    let _guard = handle.enter();
    let unparker = Arc::new(Unparker {
        woken: AtomicBool::new(false),
        handle: handle.clone(),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let start = Instant::now();
    loop {
        unparker.woken.store(false, Ordering::SeqCst);
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "block_on: future not ready before the deadline"
        );
        if !unparker.woken.load(Ordering::SeqCst) {
            driver.turn(Some(Duration::from_millis(500))).expect("turn");
        }
    }
}
