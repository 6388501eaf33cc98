//! [`TcpSocket`]: a TCP socket configured before it becomes a listener or a stream.
//!
//! A thin async layer over [`corium_selector_sys::net::TcpSocket`], which makes the raw calls
//! (`socket`, `setsockopt`, `bind`, `listen`, `connect`) and converts the addresses: options
//! such as `SO_REUSEPORT` or the buffer sizes must be set *between* `socket(2)` and
//! `bind(2)`/`connect(2)`. Once configured, the socket becomes a selector listener or stream
//! and goes through the same reactor path as everything else
//! ([`TcpStream::connect_sys`], `TcpListener::new`).

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use corium_selector_sys::net as sys;

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
    inner: sys::TcpSocket,
    // Set by `from_std_stream`, whose socket may still block: `listen` and `connect` switch
    // it to nonblocking first, where a failure can be returned (tokio's signature leaves the
    // conversion itself no way to fail).
    ensure_nonblocking: bool,
}

impl TcpSocket {
    /// A new IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` (for example `EMFILE`).
    pub fn new_v4() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            ensure_nonblocking: false,
            inner: sys::TcpSocket::new_v4()?,
        })
    }

    /// A new IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// The OS error of `socket` (`EAFNOSUPPORT` without IPv6, `EMFILE`, ...).
    pub fn new_v6() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            ensure_nonblocking: false,
            inner: sys::TcpSocket::new_v6()?,
        })
    }

    /// Sets `SO_REUSEADDR`: binding succeeds while old connections on the port linger in
    /// `TIME_WAIT` (what servers want; [`TcpListener::bind`] always sets it).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuseaddr(reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuseaddr()
    }

    /// Sets `SO_REUSEPORT`: several sockets (each setting it) may bind the same address and
    /// port; the kernel spreads incoming connections among the listeners.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuseport(reuseport)
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuseport()
    }

    /// Sets `SO_SNDBUF`, the kernel's send buffer size in bytes. Linux doubles the value (for
    /// its bookkeeping) and applies a floor, so [`send_buffer_size`](TcpSocket::send_buffer_size)
    /// reads back something else.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above `i32::MAX`; the OS error of `setsockopt`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size()
    }

    /// Sets `SO_RCVBUF`, the kernel's receive buffer size in bytes (the same caveats as
    /// [`set_send_buffer_size`](TcpSocket::set_send_buffer_size)).
    ///
    /// # Errors
    ///
    /// `InvalidInput` above `i32::MAX`; the OS error of `setsockopt`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size()
    }

    /// Sets `TCP_NODELAY` (see [`TcpStream::set_nodelay`]); carried over to the stream that
    /// [`connect`](TcpSocket::connect) returns, and on Linux to accepted sockets.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.nodelay()
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and reports it dead if the
    /// peer stopped answering.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `SO_LINGER` to zero seconds, so that closing the socket (or the stream or
    /// listener made from it) *aborts* the connection: unsent data is discarded and the peer
    /// gets a reset (`ConnectionReset`) instead of an end of stream. No `TIME_WAIT` state is
    /// left behind, and, unlike other linger values, `close` never waits.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_zero_linger()
    }

    corium_selector_sys::__packet_options!(|this| this.inner, deprecated_tos);

    /// Binds the socket to `addr` (port 0: the kernel picks one).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `addr`'s family differs from the socket's; `AddrInUse`,
    /// `AddrNotAvailable`, `PermissionDenied`, or another OS error of `bind`.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(addr)
    }

    /// The address the socket is bound to (`0.0.0.0:0` / `[::]:0` before `bind` or
    /// `connect`).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
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
        self.nonblocking()?;
        TcpListener::new(self.inner.listen(backlog)?)
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
        self.nonblocking()?;
        TcpStream::connect_sys(self.inner.connect(addr)?).await
    }

    /// Wraps a std stream's socket (typically an unconnected one made with another library,
    /// such as socket2, and converted) so it can be configured and then connected or turned
    /// into a listener through this type.
    ///
    /// Unlike tokio, which leaves it to the caller, corium does not require the socket to be
    /// nonblocking already: [`connect`](TcpSocket::connect) and [`listen`](TcpSocket::listen)
    /// switch it to nonblocking mode, and report a failure to do so.
    pub fn from_std_stream(stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            inner: sys::TcpSocket::from(OwnedFd::from(stream)),
            ensure_nonblocking: true,
        }
    }

    /// Makes sure the socket is nonblocking before a selector sees it (see
    /// `ensure_nonblocking`).
    fn nonblocking(&self) -> io::Result<()> {
        if self.ensure_nonblocking {
            self.inner.set_nonblocking(true)?;
        }
        Ok(())
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// Takes ownership of `fd`, which must be an open TCP socket nobody else owns. It should
    /// be nonblocking: `connect` and `listen` hand it to the reactor as it is.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller guarantees `fd` is open and owned by no one else, which is
            // `sys::TcpSocket::from_raw_fd`'s contract too.
            inner: unsafe { sys::TcpSocket::from_raw_fd(fd) },
            ensure_nonblocking: false,
        }
    }
}
