//! Shared setup: the poll constructors, a bare epoll instance, and the raw fd syscalls.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use corium::sys as cs;
use corium::sys::syscall;

/// Events buffer capacity, the same on all three sides and in every group.
pub(crate) const CAPACITY: usize = 1024;
/// Timeout of the polls that must see an event: long enough never to expire on a loaded
/// machine, so a missing event fails the bench instead of hanging it.
pub(crate) const BLOCK: Duration = Duration::from_secs(1);
pub(crate) const BLOCK_MS: libc::c_int = 1000;

pub(crate) const EP_READ: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
pub(crate) const EP_WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLET) as u32;

pub(crate) fn corium_poll() -> (cs::Poll, cs::Events) {
    (
        cs::Poll::new().expect("corium Poll::new"),
        cs::Events::with_capacity(CAPACITY),
    )
}

pub(crate) fn mio_poll() -> (mio::Poll, mio::Events) {
    (
        mio::Poll::new().expect("mio Poll::new"),
        mio::Events::with_capacity(CAPACITY),
    )
}

/// A bare epoll instance and a preallocated event array, as a C program would have.
pub(crate) struct RawEpoll {
    ep: OwnedFd,
    pub(crate) buf: Vec<libc::epoll_event>,
}

impl RawEpoll {
    pub(crate) fn new() -> RawEpoll {
        // SAFETY: epoll_create1 takes only flags.
        let fd = syscall!(epoll_create1(libc::EPOLL_CLOEXEC)).expect("epoll_create1");
        RawEpoll {
            ep: owned(fd),
            buf: vec![libc::epoll_event { events: 0, u64: 0 }; CAPACITY],
        }
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: u64, events: u32) {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event that outlives the call; `self.ep` is a live
        // epoll fd; a bad `fd` is an error return (EBADF), not undefined behaviour.
        syscall!(epoll_ctl(self.ep.as_raw_fd(), op, fd, &mut ev)).expect("epoll_ctl");
    }

    pub(crate) fn add(&self, fd: RawFd, token: u64, events: u32) {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, events);
    }

    pub(crate) fn modify(&self, fd: RawFd, token: u64, events: u32) {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, events);
    }

    pub(crate) fn del(&self, fd: RawFd) {
        // SAFETY: DEL ignores the event pointer (Linux >= 2.6.9), so null is allowed.
        syscall!(epoll_ctl(
            self.ep.as_raw_fd(),
            libc::EPOLL_CTL_DEL,
            fd,
            std::ptr::null_mut()
        ))
        .expect("epoll_ctl(DEL)");
    }

    /// `epoll_wait` into the array; returns how many events it holds.
    pub(crate) fn wait(&mut self, timeout_ms: libc::c_int) -> usize {
        // SAFETY: the array has `buf.len()` initialised entries the kernel may overwrite,
        // and `len <= CAPACITY` fits a c_int.
        let n = syscall!(epoll_wait(
            self.ep.as_raw_fd(),
            self.buf.as_mut_ptr(),
            self.buf.len() as libc::c_int,
            timeout_ms
        ))
        .expect("epoll_wait");
        n as usize
    }
}

// ---------------------------------------------------------------------------------------
// Raw syscalls
// ---------------------------------------------------------------------------------------

pub(crate) fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: every caller passes a descriptor a syscall has just returned to it, which
    // nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

pub(crate) fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is an array of two c_ints, what pipe2 writes.
    syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC)).expect("pipe2");
    (owned(fds[0]), owned(fds[1]))
}

pub(crate) fn eventfd() -> OwnedFd {
    // SAFETY: eventfd takes an initial value and flags only.
    owned(syscall!(eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)).expect("eventfd"))
}

/// Adds 1 to an eventfd counter; if it is full (EAGAIN), reads it to zero and adds again.
pub(crate) fn eventfd_add_one(fd: RawFd) {
    let one = 1u64.to_ne_bytes();
    // SAFETY: `one` is 8 readable bytes, the size an eventfd write takes.
    if syscall!(write(fd, one.as_ptr().cast(), one.len())).is_err() {
        drain(fd);
        // SAFETY: as above.
        syscall!(write(fd, one.as_ptr().cast(), one.len())).expect("eventfd write");
    }
}

/// Reads a nonblocking fd until it would block.
pub(crate) fn drain(fd: RawFd) {
    let mut buf = [0u8; 4096];
    // SAFETY: `buf` is writable for its whole length.
    while matches!(syscall!(read(fd, buf.as_mut_ptr().cast(), buf.len())), Ok(n) if n > 0) {}
}

/// `poll_ready_1024` holds over a thousand fds per side; the default soft limit may be 1024.
pub(crate) fn raise_fd_limit(want: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill.
    if syscall!(getrlimit(libc::RLIMIT_NOFILE, &mut lim)).is_err() || lim.rlim_cur >= want {
        return;
    }
    lim.rlim_cur = want.min(lim.rlim_max);
    // SAFETY: `lim` is a valid rlimit whose soft limit does not exceed its hard limit.
    if let Err(e) = syscall!(setrlimit(libc::RLIMIT_NOFILE, &lim)) {
        eprintln!("could not raise the fd limit to {want}: {e}");
    }
}
