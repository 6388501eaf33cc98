//! [`TcpSocket`]: a TCP socket configured before it becomes a listener or a stream.
//!
//! The raw calls (`socket`, `setsockopt`, `bind`, `listen`, `connect`, `getsockname`) are made
//! here, on an [`OwnedFd`], because options such as `SO_REUSEPORT` or the buffer sizes must be
//! set *between* `socket(2)` and `bind(2)`/`connect(2)` — a step the ready-made constructors
//! of [`corium_selector_sys::net`] do not expose. Once configured, the fd becomes a selector
//! socket and goes through the same reactor path as everything else
//! ([`TcpStream::connect_sys`], `TcpListener::new`).

use std::io;
use std::mem;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use corium_selector_sys::net as sys;
use corium_selector_sys::syscall;

use crate::tcp::{TcpListener, TcpStream};

/// A TCP socket that has not yet been turned into a [`TcpStream`] or a [`TcpListener`]: set
/// its options, optionally [`bind`](TcpSocket::bind) it, then [`connect`](TcpSocket::connect)
/// or [`listen`](TcpSocket::listen).
///
/// The socket is created nonblocking and close-on-exec. Creating and configuring it needs no
/// runtime; `connect` and `listen` register it with the current one.
///
/// # Examples
///
/// ```
/// use corium_net::{TcpSocket, TcpStream};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// // A short accept queue: 16 connections may wait for `accept`.
/// let listener = socket.listen(16)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream: TcpStream = client.connect(listener.local_addr()?).await?;
/// assert!(stream.nodelay()?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    fd: OwnedFd,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` (for example `EMFILE`).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET)
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` (`EAFNOSUPPORT` without IPv6, `EMFILE`, ...).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(libc::AF_INET6)
    }

    fn new(family: libc::c_int) -> io::Result<TcpSocket> {
        #[cfg(not(target_vendor = "apple"))]
        let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        #[cfg(target_vendor = "apple")]
        let ty = libc::SOCK_STREAM;
        // SAFETY: socket takes plain integers.
        let raw = syscall!(socket(family, ty, 0); "TcpSocket::new")?;
        // SAFETY: the call succeeded, so `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let socket = TcpSocket { fd };
        #[cfg(target_vendor = "apple")]
        socket.set_apple_flags()?;
        Ok(socket)
    }

    /// Apple has no `SOCK_NONBLOCK`/`SOCK_CLOEXEC` and ignores `MSG_NOSIGNAL`: set the three
    /// properties after `socket` (on error the socket closes).
    #[cfg(target_vendor = "apple")]
    fn set_apple_flags(&self) -> io::Result<()> {
        let fd = self.fd.as_raw_fd();
        // SAFETY: fcntl with F_SETFD and an int flag on an open fd.
        syscall!(fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
        // SAFETY: fcntl with F_GETFL on an open fd.
        let flags = syscall!(fcntl(fd, libc::F_GETFL))?;
        // SAFETY: fcntl with F_SETFL and an int flag word on an open fd.
        syscall!(fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
        self.set_int(libc::SOL_SOCKET, libc::SO_NOSIGPIPE, 1)
    }

    /// Sets `SO_REUSEADDR`: binding succeeds while old connections on the port linger in
    /// `TIME_WAIT` (what servers want; [`TcpListener::bind`] always sets it).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_REUSEADDR, reuseaddr.into())
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(self.int(libc::SOL_SOCKET, libc::SO_REUSEADDR)? != 0)
    }

    /// Sets `SO_REUSEPORT`: several sockets (each setting it) may bind the same address and
    /// port; the kernel spreads incoming connections among the listeners.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_REUSEPORT, reuseport.into())
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn reuseport(&self) -> io::Result<bool> {
        Ok(self.int(libc::SOL_SOCKET, libc::SO_REUSEPORT)? != 0)
    }

    /// Sets `SO_SNDBUF`, the kernel's send buffer size in bytes. Linux doubles the value (for
    /// its bookkeeping) and applies a floor, so [`send_buffer_size`](TcpSocket::send_buffer_size)
    /// reads back something else.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above `i32::MAX`; the OS error of `setsockopt`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_SNDBUF, buffer_size(size)?)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        Ok(self.int(libc::SOL_SOCKET, libc::SO_SNDBUF)?.unsigned_abs())
    }

    /// Sets `SO_RCVBUF`, the kernel's receive buffer size in bytes (the same caveats as
    /// [`set_send_buffer_size`](TcpSocket::set_send_buffer_size)).
    ///
    /// # Errors
    ///
    /// `InvalidInput` above `i32::MAX`; the OS error of `setsockopt`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_RCVBUF, buffer_size(size)?)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        Ok(self.int(libc::SOL_SOCKET, libc::SO_RCVBUF)?.unsigned_abs())
    }

    /// Sets `TCP_NODELAY` (see [`TcpStream::set_nodelay`]); carried over to the stream that
    /// [`connect`](TcpSocket::connect) returns, and on Linux to accepted sockets.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_int(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay.into())
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.int(libc::IPPROTO_TCP, libc::TCP_NODELAY)? != 0)
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and reports it dead if the
    /// peer stopped answering.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_int(libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive.into())
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(self.int(libc::SOL_SOCKET, libc::SO_KEEPALIVE)? != 0)
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let value = libc::linger {
            l_onoff: linger.is_some().into(),
            // Whole seconds, a partial second rounding up (so 1 ms does not become "abort").
            l_linger: linger.map_or(0, |d| {
                let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
                libc::c_int::try_from(secs).unwrap_or(libc::c_int::MAX)
            }),
        };
        let len = mem::size_of::<libc::linger>() as libc::socklen_t;
        // SAFETY: `value` is a live `struct linger` and `len` its exact size; the fd is open.
        syscall!(setsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const value).cast(),
            len
        ); "TcpSocket::set_linger")
        .map(drop)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        let mut value = libc::linger {
            l_onoff: 0,
            l_linger: 0,
        };
        let mut len = mem::size_of::<libc::linger>() as libc::socklen_t;
        // SAFETY: `value` has room for `len` bytes, and the kernel writes at most `len`.
        syscall!(getsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw mut value).cast(),
            &mut len
        ); "TcpSocket::linger")?;
        Ok((value.l_onoff != 0).then(|| Duration::from_secs(value.l_linger.unsigned_abs().into())))
    }

    /// Binds the socket to `addr` (port 0: the kernel picks one).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `addr`'s family differs from the socket's; `AddrInUse`,
    /// `AddrNotAvailable`, `PermissionDenied`, or another OS error of `bind`.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let raw = RawAddr::from(addr);
        // SAFETY: `raw` points at `raw.len()` initialised bytes of a sockaddr; the fd is open.
        syscall!(bind(self.fd.as_raw_fd(), raw.as_ptr(), raw.len()); "TcpSocket::bind")
            .map(drop)
            .map_err(|e| family_hint(e, addr))
    }

    /// The address the socket is bound to (`0.0.0.0:0` / `[::]:0` before `bind` or
    /// `connect`).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        // A sockaddr_in6 is large enough for either family, so it serves as the buffer.
        let mut buf = sockaddr_in6(&SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0));
        let mut len = mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        // SAFETY: `buf` has room for `len` bytes, and the kernel writes at most `len`.
        syscall!(getsockname(
            self.fd.as_raw_fd(),
            (&raw mut buf).cast(),
            &mut len
        ); "TcpSocket::local_addr")?;
        match libc::c_int::from(buf.sin6_family) {
            libc::AF_INET6 => Ok(SocketAddr::V6(SocketAddrV6::new(
                buf.sin6_addr.s6_addr.into(),
                u16::from_be(buf.sin6_port),
                buf.sin6_flowinfo,
                buf.sin6_scope_id,
            ))),
            libc::AF_INET => {
                // SAFETY: the kernel wrote a sockaddr_in (16 bytes) at the start of `buf`, a
                // fully initialised 28-byte sockaddr_in6 whose alignment (4) is at least
                // sockaddr_in's (4); an unaligned read would be fine anyway.
                let v4 = unsafe {
                    std::ptr::read_unaligned((&raw const buf).cast::<libc::sockaddr_in>())
                };
                Ok(SocketAddr::V4(SocketAddrV4::new(
                    v4.sin_addr.s_addr.to_ne_bytes().into(),
                    u16::from_be(v4.sin_port),
                )))
            }
            family => Err(io::Error::other(format!(
                "getsockname returned address family {family}, not AF_INET or AF_INET6"
            ))),
        }
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let errno = self.int(libc::SOL_SOCKET, libc::SO_ERROR)?;
        Ok((errno != 0).then(|| io::Error::from_raw_os_error(errno)))
    }

    /// Starts listening with an accept queue of `backlog` connections (Linux caps it at
    /// `net.core.somaxconn`) and returns the listener, registered with the current reactor.
    /// Without a prior [`bind`](TcpSocket::bind), the kernel binds a free port on every
    /// interface.
    ///
    /// A full queue makes the kernel drop new connection requests (the clients retry after a
    /// timeout), so a small backlog slows clients down rather than refusing them.
    ///
    /// # Errors
    ///
    /// The OS error of `listen` (`AddrInUse` if another socket listens on the port);
    /// `Other` outside a runtime with I/O enabled.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
        // SAFETY: plain integers; the fd is open.
        syscall!(listen(self.fd.as_raw_fd(), backlog); "TcpSocket::listen")?;
        TcpListener::new(sys::TcpListener::from(self.fd))
    }

    /// Connects to `addr` and returns the stream once the handshake is done: the
    /// nonblocking `connect(2)`, then [`TcpStream::connect_sys`] (steps 4–7 of
    /// [`TcpStream::connect`]).
    ///
    /// # Errors
    ///
    /// As [`TcpStream::connect_addr`], plus `InvalidInput` if `addr`'s family differs from
    /// the socket's.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let raw = RawAddr::from(addr);
        // SAFETY: `raw` points at `raw.len()` initialised bytes of a sockaddr; the fd is open.
        match syscall!(connect(self.fd.as_raw_fd(), raw.as_ptr(), raw.len()); "TcpSocket::connect")
        {
            Ok(_) => {}
            // The handshake goes on in the kernel; the writable event will say how it ended.
            // (EINTR on a nonblocking connect means the same: it continues asynchronously.)
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINPROGRESS | libc::EINTR)) => {}
            Err(e) => return Err(family_hint(e, addr)),
        }
        TcpStream::connect_sys(sys::TcpStream::from(self.fd)).await
    }

    /// Wraps a std stream's socket so its options can be changed through this type. The
    /// socket is switched to nonblocking mode.
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`.
    pub fn from_std_stream(stream: std::net::TcpStream) -> io::Result<TcpSocket> {
        stream.set_nonblocking(true)?;
        Ok(TcpSocket {
            fd: OwnedFd::from(stream),
        })
    }

    fn set_int(&self, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
        let len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` is a live c_int and `len` is its exact size; the fd is open.
        syscall!(setsockopt(
            self.fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            len
        ); "TcpSocket::setsockopt")
        .map(drop)
    }

    fn int(&self, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` has room for `len` bytes, and the kernel writes at most `len`.
        syscall!(getsockopt(
            self.fd.as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &mut len
        ); "TcpSocket::getsockopt")?;
        Ok(value)
    }
}

/// A socket address in the C layout `bind(2)`/`connect(2)` take.
enum RawAddr {
    V4(libc::sockaddr_in),
    V6(libc::sockaddr_in6),
}

impl From<SocketAddr> for RawAddr {
    fn from(addr: SocketAddr) -> RawAddr {
        match addr {
            SocketAddr::V4(a) => RawAddr::V4(sockaddr_in(&a)),
            SocketAddr::V6(a) => RawAddr::V6(sockaddr_in6(&a)),
        }
    }
}

impl RawAddr {
    fn as_ptr(&self) -> *const libc::sockaddr {
        match self {
            RawAddr::V4(a) => (a as *const libc::sockaddr_in).cast(),
            RawAddr::V6(a) => (a as *const libc::sockaddr_in6).cast(),
        }
    }

    fn len(&self) -> libc::socklen_t {
        let len = match self {
            RawAddr::V4(_) => mem::size_of::<libc::sockaddr_in>(),
            RawAddr::V6(_) => mem::size_of::<libc::sockaddr_in6>(),
        };
        len as libc::socklen_t
    }
}

fn sockaddr_in(addr: &SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        #[cfg(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        ))]
        sin_len: mem::size_of::<libc::sockaddr_in>() as u8,
        sin_family: libc::AF_INET as libc::sa_family_t,
        // Network byte order: the octets as they appear, and the port big-endian.
        sin_port: addr.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(addr.ip().octets()),
        },
        sin_zero: [0; 8],
    }
}

fn sockaddr_in6(addr: &SocketAddrV6) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        #[cfg(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        ))]
        sin6_len: mem::size_of::<libc::sockaddr_in6>() as u8,
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: addr.port().to_be(),
        sin6_flowinfo: addr.flowinfo(),
        sin6_addr: libc::in6_addr {
            s6_addr: addr.ip().octets(),
        },
        sin6_scope_id: addr.scope_id(),
    }
}

/// `SO_SNDBUF`/`SO_RCVBUF` take a C int.
fn buffer_size(size: u32) -> io::Result<libc::c_int> {
    libc::c_int::try_from(size).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "buffer size {size} is too large: the limit is {} bytes",
                libc::c_int::MAX
            ),
        )
    })
}

/// Turns the kernel's terse `EAFNOSUPPORT`/`EINVAL` for an address of the wrong family into
/// an error that says what went wrong.
fn family_hint(e: io::Error, addr: SocketAddr) -> io::Error {
    match e.raw_os_error() {
        Some(libc::EAFNOSUPPORT) | Some(libc::EINVAL) => io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{e} for {addr}: the address family must match the socket's (use \
                 TcpSocket::new_v4 for IPv4 addresses and new_v6 for IPv6)"
            ),
        ),
        _ => e,
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.fd.into_raw_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// Takes ownership of `fd`, which must be an open TCP socket nobody else owns. It should
    /// be nonblocking: `connect` and `listen` hand it to the reactor as it is.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller guarantees `fd` is open and owned by no one else, which is
            // `OwnedFd::from_raw_fd`'s contract.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        }
    }
}
