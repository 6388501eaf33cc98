//! Shared helpers of the `net_*` socket tests: one macro runs an async body on both runtime
//! flavours under a watchdog, plus descriptor accounting, `RLIMIT_NOFILE` control, a
//! byte-pattern generator and a two-future `join`. Each test binary uses part of this module.

#![allow(dead_code)]

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::time::{Duration, Instant};

use corium::runtime::{Builder, Runtime};

/// Longest an ordinary behaviour may take before it counts as hung.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// The two runtime flavours every TCP behaviour runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

pub fn runtime(flavor: Flavor) -> Runtime {
    match flavor {
        Flavor::CurrentThread => Builder::new_current_thread().enable_all().build(),
        Flavor::MultiThread => Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    }
    .expect("build a runtime")
}

/// Runs `f` on its own thread and fails if it does not finish within `limit`.
#[track_caller]
pub fn watchdog<F: FnOnce() + Send + 'static>(limit: Duration, f: F) {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => worker.join().expect("test body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test hung for {limit:?}"),
    }
}

/// Builds a runtime of `flavor` and runs the future `make()` returns on it, under the
/// watchdog. The future is made on the runtime's thread, so it need not be `Send`.
#[track_caller]
pub fn run_on<F, Fut>(flavor: Flavor, limit: Duration, make: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    watchdog(limit, move || {
        let rt = runtime(flavor);
        rt.block_on(make());
    });
}

/// Defines one `#[test]` per runtime flavour running an async body:
///
/// ```ignore
/// both_flavors! {
///     async fn echo() { ... }
/// }
/// ```
#[macro_export]
macro_rules! both_flavors {
    ($(#[$meta:meta])* async fn $name:ident() $body:block $($rest:tt)*) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[test]
            fn current_thread() {
                $crate::net_common::run_on(
                    $crate::net_common::Flavor::CurrentThread,
                    $crate::net_common::WATCHDOG,
                    || async move $body,
                );
            }

            $(#[$meta])*
            #[test]
            fn multi_thread() {
                $crate::net_common::run_on(
                    $crate::net_common::Flavor::MultiThread,
                    $crate::net_common::WATCHDOG,
                    || async move $body,
                );
            }
        }
        $crate::both_flavors! { $($rest)* }
    };
    () => {};
}

/// Polls `a` and `b` concurrently in the current task; returns both outputs.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut out_a = None;
    let mut out_b = None;
    poll_fn(|cx| {
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
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Polls `fut` exactly once: `Some(output)` if it was ready.
pub async fn poll_once<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        Poll::Ready(match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

/// Open descriptors of this process (entries of `/proc/self/fd`, or `/dev/fd` elsewhere),
/// not counting the one the listing itself uses.
pub fn fd_count() -> usize {
    let dir = if std::path::Path::new("/proc/self/fd").exists() {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    std::fs::read_dir(dir)
        .expect("list open descriptors")
        .count()
        - 1
}

/// The open-descriptor count once it equals `expected`, or after 5 s whatever it is then.
///
/// A descriptor closed by another thread (a worker finishing its shutdown) may close a moment
/// after the call that caused it returned; a real leak still fails the caller's assertion.
pub fn fd_count_settled(expected: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let n = fd_count();
        if n == expected || std::time::Instant::now() >= deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `RLIMIT_NOFILE` as `(soft, hard)`.
pub fn nofile_limit() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for getrlimit to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(rc, 0, "getrlimit: {}", io::Error::last_os_error());
    (lim.rlim_cur, lim.rlim_max)
}

/// Sets the soft `RLIMIT_NOFILE` (the hard one stays).
pub fn set_nofile_soft(soft: u64) {
    let (_, hard) = nofile_limit();
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `lim` is a valid rlimit; setrlimit only reads it.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(rc, 0, "setrlimit({soft}): {}", io::Error::last_os_error());
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft limit.
pub fn raise_nofile_to_hard() -> u64 {
    let (_, hard) = nofile_limit();
    set_nofile_soft(hard);
    hard
}

/// Whether this host has a usable `::1`.
pub fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A xorshift64 byte stream: cheap enough to generate and check a gigabyte on the fly, and
/// never periodic within a test, so a lost, repeated or reordered chunk shows.
#[derive(Clone, Debug)]
pub struct Pattern {
    state: u64,
    word: [u8; 8],
    used: usize,
}

impl Pattern {
    pub fn new(seed: u64) -> Pattern {
        Pattern {
            state: seed | 1,
            word: [0; 8],
            used: 8,
        }
    }

    fn next_word(&mut self) -> [u8; 8] {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x.to_le_bytes()
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == 8 {
            self.word = self.next_word();
            self.used = 0;
        }
        let b = self.word[self.used];
        self.used += 1;
        b
    }

    /// Fills `buf` with the next bytes of the stream (a word at a time where aligned, so a
    /// gigabyte stays cheap even in a debug build).
    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut i = 0;
        while i < buf.len() && self.used != 8 {
            buf[i] = self.next_byte();
            i += 1;
        }
        let mut words = buf[i..].chunks_exact_mut(8);
        for w in &mut words {
            w.copy_from_slice(&self.next_word());
        }
        for b in words.into_remainder() {
            *b = self.next_byte();
        }
    }

    /// Checks that `buf` holds the next bytes of the stream; on a mismatch, returns the offset
    /// within `buf` of the first wrong byte.
    pub fn check(&mut self, buf: &[u8]) -> Result<(), usize> {
        let mut i = 0;
        while i < buf.len() && self.used != 8 {
            if buf[i] != self.next_byte() {
                return Err(i);
            }
            i += 1;
        }
        let mut words = buf[i..].chunks_exact(8);
        for w in &mut words {
            let expected = self.next_word();
            if w != expected {
                let at = w
                    .iter()
                    .zip(expected)
                    .position(|(a, b)| *a != b)
                    .unwrap_or(0);
                return Err(i + at);
            }
            i += 8;
        }
        for b in words.remainder() {
            if *b != self.next_byte() {
                return Err(i);
            }
            i += 1;
        }
        Ok(())
    }
}

/// Prints how long a heavy test took, in a form the test output makes easy to find.
pub fn report_time(what: &str, start: Instant) {
    eprintln!("[timing] {what}: {:.2?}", start.elapsed());
}

/// Whether the descriptor behind `fd` has `O_NONBLOCK` set.
pub fn is_nonblocking(fd: impl std::os::fd::AsFd) -> bool {
    use std::os::fd::AsRawFd;
    let fd = fd.as_fd();
    // SAFETY: `fd` is a borrowed descriptor, open for the whole call; F_GETFL only reads its
    // status flags and takes no pointer.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl(F_GETFL): {}", io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// A connected loopback TCP pair: (client, server).
pub async fn tcp_pair() -> (corium_net::TcpStream, corium_net::TcpStream) {
    let listener = corium_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = corium_net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// A fresh directory for Unix socket files, removed (with its contents) on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "corium-net-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
