//! The floor for the syscall budget: an echo server written straight on libc's epoll, with no
//! runtime and no `syscall!` (so corium's counters never see it). It counts its own syscalls.
//!
//! It is the least a readiness-based server can do per round trip: level-triggered, so one
//! `recv` per readiness report is enough (no second `recv` to see `EAGAIN`), one `send` per
//! echo, and one `epoll_wait` per batch of ready connections. Single-threaded: no wake-ups
//! between threads to pay for.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};

use crate::STALL;

/// The syscall kinds the raw server makes, under the names corium's budget uses.
pub(crate) const KINDS: [&str; 6] = [
    "epoll_wait",
    "recv",
    "send",
    "epoll_ctl",
    "accept4",
    "other",
];

/// The raw server's syscall counters, one per entry of [`KINDS`].
#[derive(Debug, Default)]
pub(crate) struct Counts([AtomicU64; KINDS.len()]);

impl Counts {
    fn add(&self, kind: &str) {
        let i = KINDS
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(KINDS.len() - 1);
        self.0[i].fetch_add(1, SeqCst);
    }

    pub(crate) fn reset(&self) {
        for n in &self.0 {
            n.store(0, SeqCst);
        }
    }

    /// `(kind, count)` for every kind counted at least once.
    pub(crate) fn snapshot(&self) -> Vec<(&'static str, u64)> {
        KINDS
            .iter()
            .zip(&self.0)
            .map(|(k, n)| (*k, n.load(SeqCst)))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

/// The raw server on its own thread; `join` returns the bytes it echoed.
pub(crate) struct RawServer {
    pub(crate) addr: SocketAddr,
    pub(crate) counts: Arc<Counts>,
    thread: JoinHandle<io::Result<u64>>,
}

impl RawServer {
    /// Listens on loopback and serves exactly `conns` connections until each has closed.
    pub(crate) fn start(conns: usize) -> io::Result<RawServer> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let (tx, rx) = mpsc::channel();
        let thread = {
            let counts = Arc::clone(&counts);
            thread::Builder::new()
                .name("raw-epoll-server".into())
                .spawn(move || {
                    let _ = tx.send(());
                    serve(&listener, conns, &counts)
                })?
        };
        rx.recv_timeout(STALL)
            .map_err(|_| io::Error::other("raw server never started"))?;
        Ok(RawServer {
            addr,
            counts,
            thread,
        })
    }

    pub(crate) fn join(self) -> io::Result<u64> {
        self.thread
            .join()
            .map_err(|_| io::Error::other("raw server thread panicked"))?
    }
}

/// Makes the call `syscall`, counted under `kind`; `-1` from libc becomes the errno.
///
/// Counted *before* the call: a client that has its echo back must find the `send` that
/// carried it already counted, or a measurement window closed right after the last echo
/// misses it (the server thread increments after its `send` returns, which can be after the
/// client read the bytes).
fn call(counts: &Counts, kind: &str, syscall: impl FnOnce() -> isize) -> io::Result<usize> {
    counts.add(kind);
    let ret = syscall();
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

/// An owned fd, closed on drop (so an error path leaks nothing).
struct Fd(i32);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: `self.0` is an fd this value owns exclusively and nothing uses after drop.
        unsafe { libc::close(self.0) };
    }
}

fn serve(listener: &TcpListener, conns: usize, counts: &Counts) -> io::Result<u64> {
    // SAFETY: epoll_create1 takes only a flag word.
    let ep = call(
        counts,
        "other",
        || unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) } as isize,
    )?;
    let ep = Fd(ep as i32);
    let mut open = Vec::with_capacity(conns);
    for _ in 0..conns {
        // SAFETY: the listener's fd is open for the whole call (`listener` is borrowed), and
        // null address pointers ask accept4 not to report the peer.
        let fd = call(counts, "accept4", || unsafe {
            libc::accept4(
                listener.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            )
        } as isize)?;
        let fd = Fd(fd as i32);
        let one: libc::c_int = 1;
        // SAFETY: `fd` is an open TCP socket; `one` is a live c_int and the length says so.
        call(counts, "other", || unsafe {
            libc::setsockopt(
                fd.0,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&one as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        } as isize)?;
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32, // level-triggered: the floor needs no drain-to-EAGAIN
            u64: fd.0 as u64,
        };
        // SAFETY: `ep` and `fd` are open fds and `ev` is a live epoll_event for the call.
        call(counts, "epoll_ctl", || unsafe {
            libc::epoll_ctl(ep.0, libc::EPOLL_CTL_ADD, fd.0, &mut ev)
        } as isize)?;
        open.push(fd);
    }
    let mut buf = vec![0u8; crate::server::SERVER_BUF];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    let mut echoed = 0u64;
    let mut left = conns;
    while left > 0 {
        // SAFETY: `ep` is open, `events` has room for `events.len()` entries.
        let n = match call(counts, "epoll_wait", || unsafe {
            libc::epoll_wait(
                ep.0,
                events.as_mut_ptr(),
                events.len() as libc::c_int,
                STALL.as_millis() as libc::c_int,
            )
        } as isize)
        {
            Ok(0) => {
                return Err(io::Error::other(format!(
                    "raw server: no data for {STALL:?}"
                )))
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for ev in &events[..n] {
            let fd = ev.u64 as i32;
            // SAFETY: `fd` is one of `open`'s sockets (the only fds registered), still open:
            // a socket leaves the interest list only when closed below; `buf` is writable
            // for its whole length.
            let got = match call(counts, "recv", || unsafe {
                libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0)
            }) {
                Ok(0) => {
                    // The client closed: closing the fd also takes it off the interest list.
                    open.retain(|f| f.0 != fd);
                    left -= 1;
                    continue;
                }
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            send_all(counts, fd, &buf[..got])?;
            echoed += got as u64;
        }
    }
    Ok(echoed)
}

/// Sends all of `data`; if the socket's buffer is full (never with the budget's 64 B
/// messages), waits for room with `poll`.
fn send_all(counts: &Counts, fd: i32, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: `fd` is an open socket and `data` is readable for its whole length.
        match call(counts, "send", || unsafe {
            libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL)
        }) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: `pfd` is one live pollfd, and the count says one.
                call(counts, "other", || unsafe {
                    libc::poll(&mut pfd, 1, STALL.as_millis() as libc::c_int)
                } as isize)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
