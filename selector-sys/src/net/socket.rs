//! [`Socket`]: an owned, nonblocking, close-on-exec socket and every socket syscall corium
//! makes. TCP, UDP and Unix types are thin typed layers over it, so each call (and each
//! platform difference) is written once.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::{self, MaybeUninit};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::time::Duration;

use super::addr::RawAddr;
use super::fd::{as_uninit, impl_fd_traits, kernel_filled, rw_len, Fd, MAX_IOV};
use crate::syscall;
use crate::trace::describe::{Errno, Family, How, MsgFlags, OptName, SockType};
use crate::trace::Layer;

/// Flags for every `send`/`sendto`/`sendmsg`. Writing to a stream whose peer has gone raises
/// `SIGPIPE`, whose default action kills the process; `MSG_NOSIGNAL` turns that into a plain
/// `EPIPE` (`BrokenPipe`) for this one call. Apple has no working per-call flag, so there
/// every socket gets `SO_NOSIGPIPE` when it is created instead (see `Socket::from_new_fd`).
#[cfg(not(target_vendor = "apple"))]
const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
const SEND_FLAGS: libc::c_int = 0;

/// An owned socket descriptor, always nonblocking and close-on-exec when corium created it.
#[derive(Debug)]
pub(crate) struct Socket {
    inner: Fd,
}

impl_fd_traits!(Socket);

impl Socket {
    /// `socket(family, ty, 0)`, nonblocking and close-on-exec.
    pub(crate) fn new(family: libc::c_int, ty: libc::c_int) -> io::Result<Socket> {
        #[cfg(not(target_vendor = "apple"))]
        {
            // Setting both flags inside `socket` closes the window in which another thread's
            // fork+exec could inherit the fd.
            // SAFETY: socket takes plain integers.
            let fd = syscall!(
                socket(family, ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
                "Socket::new", "{}, {}",
                    Family(family), SockType(ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
            )?;
            // SAFETY: the call succeeded, so `fd` is a fresh descriptor that nobody owns.
            Ok(unsafe { Socket::from_raw_fd(fd) })
        }
        #[cfg(target_vendor = "apple")]
        {
            // SAFETY: socket takes plain integers.
            let fd = syscall!(
                socket(family, ty, 0);
                "Socket::new", "{}, {}", Family(family), SockType(ty)
            )?;
            // SAFETY: the call succeeded, so `fd` is a fresh descriptor that nobody owns.
            Socket::from_new_fd(unsafe { Socket::from_raw_fd(fd) })
        }
    }

    /// A new socket of `ty` in the family of `addr` (`AF_INET` or `AF_INET6`).
    pub(crate) fn new_inet(addr: &SocketAddr, ty: libc::c_int) -> io::Result<Socket> {
        let family = match addr {
            SocketAddr::V4(_) => libc::AF_INET,
            SocketAddr::V6(_) => libc::AF_INET6,
        };
        Socket::new(family, ty)
    }

    /// `socketpair(AF_UNIX, ty)`: two connected sockets, nonblocking and close-on-exec.
    pub(crate) fn pair(ty: libc::c_int) -> io::Result<(Socket, Socket)> {
        let mut fds: [RawFd; 2] = [-1, -1];
        #[cfg(not(target_vendor = "apple"))]
        let ty = ty | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: `fds` has room for the two descriptors socketpair writes.
        syscall!(
            socketpair(libc::AF_UNIX, ty, 0, fds.as_mut_ptr());
            "Socket::pair", "AF_UNIX, {}, fds={fds:?}", SockType(ty)
        )?;
        // SAFETY: the call succeeded, so both fds are fresh descriptors that nobody owns.
        let (a, b) = unsafe { (Socket::from_raw_fd(fds[0]), Socket::from_raw_fd(fds[1])) };
        #[cfg(target_vendor = "apple")]
        let (a, b) = (Socket::from_new_fd(a)?, Socket::from_new_fd(b)?);
        Ok((a, b))
    }

    /// Apple cannot set the flags atomically at creation: set them now, and `SO_NOSIGPIPE`
    /// in place of the per-call `MSG_NOSIGNAL` (see [`SEND_FLAGS`]). On error the fd closes.
    #[cfg(target_vendor = "apple")]
    fn from_new_fd(socket: Socket) -> io::Result<Socket> {
        socket.inner.set_nonblocking_cloexec()?;
        socket.set_flag(libc::SOL_SOCKET, libc::SO_NOSIGPIPE, true)?;
        Ok(socket)
    }

    /// `bind(2)`.
    pub(crate) fn bind(&self, addr: &RawAddr) -> io::Result<()> {
        // SAFETY: `addr` points at `addr.len()` initialised bytes; the fd is open.
        syscall!(
            bind(self.as_raw_fd(), addr.as_ptr(), addr.len());
            "Socket::bind", "fd={}, {addr}", self.as_raw_fd()
        )
        .map(drop)
    }

    /// `listen(2)`.
    pub(crate) fn listen(&self, backlog: libc::c_int) -> io::Result<()> {
        // SAFETY: plain integers; the fd is open.
        syscall!(
            listen(self.as_raw_fd(), backlog);
            "Socket::listen", "fd={}, backlog={backlog}", self.as_raw_fd()
        )
        .map(drop)
    }

    /// `connect(2)`, where `EINPROGRESS` counts as success: a nonblocking stream connect
    /// returns at once, the handshake goes on in the kernel, and the socket becomes
    /// *writable* when it ends. Then `take_error` says whether it failed. `EINTR` counts as
    /// success too: an interrupted nonblocking connect goes on in the kernel all the same.
    pub(crate) fn connect(&self, addr: &RawAddr) -> io::Result<()> {
        // SAFETY: `addr` points at `addr.len()` initialised bytes; the fd is open.
        match syscall!(
            connect(self.as_raw_fd(), addr.as_ptr(), addr.len());
            "Socket::connect", "fd={}, {addr}", self.as_raw_fd()
        ) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EINTR)) => Ok(()),
            res => res.map(drop),
        }
    }

    /// Accepts one pending connection as a nonblocking, close-on-exec socket, with the
    /// peer's address. `WouldBlock` once the queue is empty.
    pub(crate) fn accept(&self) -> io::Result<(Socket, RawAddr)> {
        let mut addr = RawAddr::empty();
        #[cfg(not(target_vendor = "apple"))]
        {
            // SAFETY: `addr` has room for `*addr.len_mut()` bytes and the kernel writes at
            // most that many, updating the length; the fd is open.
            let fd = syscall!(
                accept4(
                    self.as_raw_fd(),
                    addr.as_mut_ptr(),
                    addr.len_mut(),
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                );
                "Socket::accept", "fd={}, peer={addr}, {}",
                    self.as_raw_fd(),
                    crate::trace::describe::SockFlags(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
            )?;
            // SAFETY: the call succeeded, so `fd` is a fresh descriptor that nobody owns.
            Ok((unsafe { Socket::from_raw_fd(fd) }, addr))
        }
        #[cfg(target_vendor = "apple")]
        {
            // SAFETY: as for accept4 above.
            let fd = syscall!(
                accept(self.as_raw_fd(), addr.as_mut_ptr(), addr.len_mut());
                "Socket::accept", "fd={}, peer={addr}", self.as_raw_fd()
            )?;
            // SAFETY: the call succeeded, so `fd` is a fresh descriptor that nobody owns.
            let socket = Socket::from_new_fd(unsafe { Socket::from_raw_fd(fd) })?;
            Ok((socket, addr))
        }
    }

    /// `getsockname(2)`.
    pub(crate) fn local_addr(&self) -> io::Result<RawAddr> {
        let mut addr = RawAddr::empty();
        // SAFETY: `addr` has room for `*addr.len_mut()` bytes; the fd is open.
        syscall!(
            getsockname(self.as_raw_fd(), addr.as_mut_ptr(), addr.len_mut());
            "Socket::local_addr", "fd={}, addr={addr}", self.as_raw_fd()
        )?;
        Ok(addr)
    }

    /// `getpeername(2)`.
    pub(crate) fn peer_addr(&self) -> io::Result<RawAddr> {
        let mut addr = RawAddr::empty();
        // SAFETY: as for getsockname.
        syscall!(
            getpeername(self.as_raw_fd(), addr.as_mut_ptr(), addr.len_mut());
            "Socket::peer_addr", "fd={}, addr={addr}", self.as_raw_fd()
        )?;
        Ok(addr)
    }

    /// `recv(2)` with `flags` (0, or `MSG_PEEK` to leave the data queued).
    #[inline]
    pub(crate) fn recv(&self, buf: &mut [u8], flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: `recv_uninit` stores only what the kernel wrote.
        let view = unsafe { as_uninit(buf) };
        self.recv_uninit(view, flags).map(|filled| filled.len())
    }

    /// `recv(2)` into possibly uninitialised memory; returns the bytes it filled. `flags` must
    /// not hold `MSG_TRUNC`, which would make the count exceed what was written.
    #[inline]
    pub(crate) fn recv_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
        flags: libc::c_int,
    ) -> io::Result<&'a mut [u8]> {
        // On Linux, `recvfrom(2)` issued directly: see "Direct system calls" in `sys/mod.rs` for why.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        // SAFETY: `buf` is writable for `rw_len(buf.len()) <= buf.len()` bytes (the kernel only
        // stores into it, so it may be uninitialised); the fd is open; null address pointers
        // ask for no sender address (what `recv` passes).
        let n = syscall!(
            syscall6(
                libc::SYS_recvfrom,
                libc::c_long::from(self.as_raw_fd()),
                buf.as_mut_ptr(),
                rw_len(buf.len()),
                libc::c_long::from(flags),
                std::ptr::null_mut::<libc::sockaddr>(),
                std::ptr::null_mut::<libc::socklen_t>(),
            ) as recv;
            "Socket::recv", "fd={}, len={}, flags={}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(flags)
        )?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        // SAFETY: `buf` is writable for `rw_len(buf.len()) <= buf.len()` bytes; the fd is open.
        let n = syscall!(
            recv(self.as_raw_fd(), buf.as_mut_ptr().cast(), rw_len(buf.len()), flags);
            "Socket::recv", "fd={}, len={}, flags={}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(flags)
        )?;
        debug_assert_eq!(
            flags & libc::MSG_TRUNC,
            0,
            "MSG_TRUNC counts bytes never written"
        );
        // SAFETY: without `MSG_TRUNC`, a successful `recv` wrote its return value's worth of
        // bytes at the start of `buf`.
        Ok(unsafe { kernel_filled(buf, n as usize) })
    }

    /// `recvfrom(2)`: one datagram (truncated to `buf`) and its sender.
    pub(crate) fn recv_from(
        &self,
        buf: &mut [u8],
        flags: libc::c_int,
    ) -> io::Result<(usize, RawAddr)> {
        // SAFETY: `recv_from_uninit` stores only what the kernel wrote.
        let view = unsafe { as_uninit(buf) };
        let (filled, addr) = self.recv_from_uninit(view, flags)?;
        Ok((filled.len(), addr))
    }

    /// `recvfrom(2)` into possibly uninitialised memory: the bytes it filled and the sender.
    /// As for [`recv_uninit`](Socket::recv_uninit), `flags` must not hold `MSG_TRUNC`.
    pub(crate) fn recv_from_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
        flags: libc::c_int,
    ) -> io::Result<(&'a mut [u8], RawAddr)> {
        let mut addr = RawAddr::empty();
        // SAFETY: `buf` is writable for the length given (the kernel only stores into it);
        // `addr` has room for `*addr.len_mut()` bytes; the fd is open.
        let n = syscall!(
            recvfrom(
                self.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                rw_len(buf.len()),
                flags,
                addr.as_mut_ptr(),
                addr.len_mut(),
            );
            "Socket::recv_from", "fd={}, len={}, flags={}, from={addr}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(flags)
        )?;
        debug_assert_eq!(
            flags & libc::MSG_TRUNC,
            0,
            "MSG_TRUNC counts bytes never written"
        );
        // SAFETY: without `MSG_TRUNC`, a successful `recvfrom` wrote its return value's worth
        // of bytes at the start of `buf`.
        Ok((unsafe { kernel_filled(buf, n as usize) }, addr))
    }

    /// Stream read: `recv` without flags.
    #[inline]
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf, 0)
    }

    /// Stream read into possibly uninitialised memory: `recv` without flags.
    #[inline]
    pub(crate) fn read_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
    ) -> io::Result<&'a mut [u8]> {
        self.recv_uninit(buf, 0)
    }

    /// Stream read into several buffers: `readv`.
    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.inner.read_vectored(bufs)
    }

    /// `send(2)` with [`SEND_FLAGS`].
    #[inline]
    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        // On Linux, `sendto(2)` issued directly: see "Direct system calls" in `sys/mod.rs` for why.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        // SAFETY: `buf` is readable for the length given; the fd is open; a null address with
        // length 0 sends on the connection (what `send` passes).
        let n = syscall!(
            syscall6(
                libc::SYS_sendto,
                libc::c_long::from(self.as_raw_fd()),
                buf.as_ptr(),
                rw_len(buf.len()),
                libc::c_long::from(SEND_FLAGS),
                std::ptr::null::<libc::sockaddr>(),
                0 as libc::c_long,
            ) as send;
            "Socket::write", "fd={}, len={}, flags={}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(SEND_FLAGS)
        )?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        // SAFETY: `buf` is readable for the length given; the fd is open.
        let n = syscall!(
            send(self.as_raw_fd(), buf.as_ptr().cast(), rw_len(buf.len()), SEND_FLAGS);
            "Socket::write", "fd={}, len={}, flags={}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(SEND_FLAGS)
        )?;
        Ok(n as usize)
    }

    /// Gathering write. `writev` takes no flags, so this is `sendmsg` with [`SEND_FLAGS`].
    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // SAFETY: msghdr is plain old data; all-zero is a valid empty message.
        let mut msg: libc::msghdr = unsafe { mem::zeroed() };
        // The kernel only reads through msg_iov for sendmsg; the field is `*mut` in C.
        msg.msg_iov = bufs.as_ptr().cast::<libc::iovec>().cast_mut();
        // Its type differs by OS (size_t or int); the value is at most MAX_IOV.
        msg.msg_iovlen = bufs.len().min(MAX_IOV) as _;
        // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix; msg_iov points at
        // `msg_iovlen <= bufs.len()` live readable buffers; no name or control data is given;
        // the fd is open.
        let n = syscall!(
            sendmsg(self.as_raw_fd(), &msg, SEND_FLAGS);
            "Socket::write_vectored", "fd={}, iovecs={}, flags={}",
                self.as_raw_fd(), bufs.len().min(MAX_IOV), MsgFlags(SEND_FLAGS)
        )?;
        Ok(n as usize)
    }

    /// `sendto(2)` with [`SEND_FLAGS`].
    pub(crate) fn send_to(&self, buf: &[u8], addr: &RawAddr) -> io::Result<usize> {
        // SAFETY: `buf` is readable for the length given and `addr` points at `addr.len()`
        // initialised bytes; the fd is open.
        let n = syscall!(
            sendto(
                self.as_raw_fd(),
                buf.as_ptr().cast(),
                rw_len(buf.len()),
                SEND_FLAGS,
                addr.as_ptr(),
                addr.len(),
            );
            "Socket::send_to", "fd={}, len={}, to={addr}, flags={}",
                self.as_raw_fd(), rw_len(buf.len()), MsgFlags(SEND_FLAGS)
        )?;
        Ok(n as usize)
    }

    /// `shutdown(2)`.
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        // SAFETY: plain integers; the fd is open.
        syscall!(
            shutdown(self.as_raw_fd(), how);
            "Socket::shutdown", "fd={}, {}", self.as_raw_fd(), How(how)
        )
        .map(drop)
    }

    /// Takes (and so clears) the pending socket error, `SO_ERROR`: how a nonblocking connect
    /// reports failure, and where an asynchronous error such as a reset waits.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        let errno: libc::c_int = self.opt(libc::SOL_SOCKET, libc::SO_ERROR)?;
        crate::trace!(
            Layer::Selector,
            "Socket::take_error: fd {} SO_ERROR = {}",
            self.as_raw_fd(),
            Errno(errno)
        );
        Ok((errno != 0).then(|| io::Error::from_raw_os_error(errno)))
    }

    /// Sets or clears `O_NONBLOCK`.
    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// `setsockopt(2)` with a value of the option's C type.
    pub(crate) fn set_opt<T: SockOpt>(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: T,
    ) -> io::Result<()> {
        // SAFETY: `value` is a live `T` of exactly the length given; the fd is open.
        syscall!(
            setsockopt(
                self.as_raw_fd(),
                level,
                name,
                (&value as *const T).cast(),
                mem::size_of::<T>() as libc::socklen_t,
            );
            "Socket::set_opt", "fd={}, {}, len={}",
                self.as_raw_fd(), OptName(level, name), mem::size_of::<T>()
        )
        .map(drop)
    }

    /// `getsockopt(2)` into a value of the option's C type.
    pub(crate) fn opt<T: SockOpt>(&self, level: libc::c_int, name: libc::c_int) -> io::Result<T> {
        let mut value = MaybeUninit::<T>::zeroed();
        let mut len = mem::size_of::<T>() as libc::socklen_t;
        // SAFETY: `value` has room for `len` bytes and the kernel writes at most that many;
        // the fd is open.
        syscall!(
            getsockopt(self.as_raw_fd(), level, name, value.as_mut_ptr().cast(), &mut len);
            "Socket::opt", "fd={}, {}", self.as_raw_fd(), OptName(level, name)
        )?;
        // SAFETY: the storage started zeroed and the kernel overwrote a prefix of it; `T:
        // SockOpt` is plain data for which any bytes are a valid value.
        Ok(unsafe { value.assume_init() })
    }

    /// A boolean option (`int` 0 or 1).
    pub(crate) fn set_flag(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        on: bool,
    ) -> io::Result<()> {
        self.set_opt(level, name, libc::c_int::from(on))
    }

    /// Reads a boolean option.
    pub(crate) fn flag(&self, level: libc::c_int, name: libc::c_int) -> io::Result<bool> {
        Ok(self.opt::<libc::c_int>(level, name)? != 0)
    }

    /// `IP_TTL`: the time-to-live of outgoing IPv4 packets.
    pub(crate) fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.set_opt(libc::IPPROTO_IP, libc::IP_TTL, ttl_value(ttl)?)
    }

    /// Reads `IP_TTL`.
    pub(crate) fn ttl(&self) -> io::Result<u32> {
        Ok(self.opt::<libc::c_int>(libc::IPPROTO_IP, libc::IP_TTL)? as u32)
    }

    /// `SO_LINGER`: what `close` does with unsent data. `Some(0)` makes it drop the data and
    /// send a reset (RST) at once.
    pub(crate) fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let value = libc::linger {
            l_onoff: libc::c_int::from(linger.is_some()),
            l_linger: linger.map_or(0, linger_secs),
        };
        self.set_opt(libc::SOL_SOCKET, SO_LINGER, value)
    }

    /// Reads `SO_LINGER`.
    pub(crate) fn linger(&self) -> io::Result<Option<Duration>> {
        let value: libc::linger = self.opt(libc::SOL_SOCKET, SO_LINGER)?;
        Ok((value.l_onoff != 0).then(|| Duration::from_secs(value.l_linger.max(0) as u64)))
    }
}

/// Apple's `SO_LINGER` counts in clock ticks; `SO_LINGER_SEC` is the option in seconds that
/// the others call `SO_LINGER`.
#[cfg(target_vendor = "apple")]
const SO_LINGER: libc::c_int = libc::SO_LINGER_SEC;
#[cfg(not(target_vendor = "apple"))]
const SO_LINGER: libc::c_int = libc::SO_LINGER;

/// `SO_LINGER` counts whole seconds. A partial second rounds *up*, because rounding a short
/// non-zero timeout down to 0 would silently turn a graceful close into a reset.
fn linger_secs(timeout: Duration) -> libc::c_int {
    let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
    secs.min(libc::c_int::MAX as u64) as libc::c_int
}

/// Checks a TTL or hop limit before it reaches the kernel, so the error says what is wrong.
pub(crate) fn ttl_value(ttl: u32) -> io::Result<libc::c_int> {
    header_byte("IP time-to-live (TTL)", ttl)
}

/// Checks a value for a one-byte IP header field (TTL, type of service, traffic class): the
/// kernel would keep only the low byte of a larger value (or, for `-1` after the cast, reset
/// it), acting on a value nobody asked for.
pub(crate) fn header_byte(what: &str, value: u32) -> io::Result<libc::c_int> {
    if value > 0xFF {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} {value} ({value:#x}) is out of range: the field is one byte, 0..=255"),
        ));
    }
    Ok(value as libc::c_int)
}

/// C types passed through `setsockopt`/`getsockopt`.
///
/// # Safety
/// Implementors are plain C data: every bit pattern, all zeros included, is a valid value,
/// so a buffer the kernel filled only in part can be read as one.
pub(crate) unsafe trait SockOpt: Copy {}
// SAFETY: an integer is valid for any bit pattern.
unsafe impl SockOpt for libc::c_int {}
// SAFETY: an integer is valid for any bit pattern.
unsafe impl SockOpt for libc::c_uchar {}
// SAFETY: two ints.
unsafe impl SockOpt for libc::linger {}
// SAFETY: two `in_addr`s, each a u32.
unsafe impl SockOpt for libc::ip_mreq {}
// SAFETY: an `in6_addr` (16 bytes) and an unsigned int.
unsafe impl SockOpt for libc::ipv6_mreq {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linger_rounds_partial_seconds_up() {
        assert_eq!(linger_secs(Duration::ZERO), 0);
        assert_eq!(linger_secs(Duration::from_millis(1)), 1);
        assert_eq!(linger_secs(Duration::from_millis(2500)), 3);
        assert_eq!(linger_secs(Duration::from_secs(u64::MAX)), libc::c_int::MAX);
    }

    #[test]
    fn ttl_out_of_range_is_invalid_input() {
        assert_eq!(ttl_value(64).unwrap(), 64);
        let err = ttl_value(256).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("256"));
    }

    #[test]
    fn new_sockets_are_nonblocking_and_cloexec() {
        let socket = Socket::new(libc::AF_INET, libc::SOCK_STREAM).unwrap();
        let (a, _b) = Socket::pair(libc::SOCK_STREAM).unwrap();
        for s in [&socket, &a] {
            // SAFETY: F_GETFL/F_GETFD take no argument; the fd is open.
            let fl = syscall!(fcntl(s.as_raw_fd(), libc::F_GETFL)).unwrap();
            // SAFETY: as above.
            let fd_flags = syscall!(fcntl(s.as_raw_fd(), libc::F_GETFD)).unwrap();
            assert_ne!(fl & libc::O_NONBLOCK, 0, "O_NONBLOCK missing");
            assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "FD_CLOEXEC missing");
        }
        let mut buf = [0u8; 4];
        assert_eq!(
            a.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    }

    #[test]
    fn vectored_round_trip_and_peek() {
        let (a, b) = Socket::pair(libc::SOCK_STREAM).unwrap();
        let n = a
            .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cde")])
            .unwrap();
        assert_eq!(n, 5);
        let mut peeked = [0u8; 5];
        assert_eq!(b.recv(&mut peeked, libc::MSG_PEEK).unwrap(), 5);
        let (mut x, mut y) = ([0u8; 3], [0u8; 4]);
        let n = b
            .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
            .unwrap();
        assert_eq!(n, 5);
        assert_eq!((&x, &y[..2]), (b"abc", &b"de"[..]));
        assert_eq!(&peeked, b"abcde");
    }

    /// With `SIGPIPE` blocked in this thread, a signal the kernel raises stays pending where
    /// `sigpending` can see it (a blocked signal is queued even while its action is "ignore",
    /// which is what Rust programs set). A plain `write` to the dead peer proves the check
    /// can see a signal; `Socket::write` and `write_vectored` must raise none.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn closed_peer_gives_broken_pipe_not_sigpipe() {
        fn sigpipe_pending() -> bool {
            // SAFETY: sigset_t is plain data; sigemptyset initialises it below anyway.
            let mut set: libc::sigset_t = unsafe { mem::zeroed() };
            // SAFETY: `set` is a live sigset_t.
            syscall!(sigpending(&mut set)).unwrap();
            // SAFETY: `set` was filled by sigpending.
            syscall!(sigismember(&set, libc::SIGPIPE)).unwrap() == 1
        }
        // SAFETY: sigset_t is plain data.
        let mut pipe_only: libc::sigset_t = unsafe { mem::zeroed() };
        // SAFETY: `pipe_only` is a live sigset_t.
        syscall!(sigemptyset(&mut pipe_only)).unwrap();
        // SAFETY: as above.
        syscall!(sigaddset(&mut pipe_only, libc::SIGPIPE)).unwrap();
        // SAFETY: a valid set and a null "old set"; this changes only this test's thread.
        let rc = syscall!(pthread_sigmask(
            libc::SIG_BLOCK,
            &pipe_only,
            std::ptr::null_mut()
        ));
        assert_eq!(rc.unwrap(), 0);

        let (a, b) = Socket::pair(libc::SOCK_STREAM).unwrap();
        drop(b);
        assert_eq!(a.write(b"x").unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        let err = a.write_vectored(&[IoSlice::new(b"x")]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let quiet = !sigpipe_pending();

        // Control: the same write without MSG_NOSIGNAL does raise SIGPIPE.
        // SAFETY: a one-byte static buffer; the fd is open.
        let plain = syscall!(write(a.as_raw_fd(), b"x".as_ptr().cast(), 1));
        assert_eq!(plain.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        let seen = sigpipe_pending();
        if seen {
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: valid set and timeout; a null info pointer is allowed. Consumes the
            // pending signal so unblocking cannot deliver it.
            syscall!(sigtimedwait(&pipe_only, std::ptr::null_mut(), &zero)).unwrap();
        }
        // SAFETY: as for SIG_BLOCK above.
        let rc = syscall!(pthread_sigmask(
            libc::SIG_UNBLOCK,
            &pipe_only,
            std::ptr::null_mut()
        ));
        assert_eq!(rc.unwrap(), 0);
        assert!(
            seen,
            "control write raised no SIGPIPE: the check cannot see signals"
        );
        assert!(quiet, "send with MSG_NOSIGNAL raised SIGPIPE");
    }
}
