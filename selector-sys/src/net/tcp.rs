//! [`TcpListener`] and [`TcpStream`]: nonblocking TCP.

use std::io;
use std::mem::MaybeUninit;
use std::net::{self, Shutdown, SocketAddr};
use std::time::Duration;

use super::addr::RawAddr;
use super::fd::{impl_fd_traits, impl_read, impl_source, impl_write};
use super::socket::Socket;

/// How many fully established connections the kernel queues for `accept` before it stops
/// answering handshakes. 1024 is what std and mio ask for too; Linux silently caps it at
/// `net.core.somaxconn`.
const BACKLOG: libc::c_int = 1024;

/// A nonblocking TCP listening socket.
///
/// Register it for [`Interest::READABLE`](crate::Interest::READABLE): an event means one or
/// more connections are queued, and [`accept`](TcpListener::accept) should be called until it
/// returns `WouldBlock`.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::net::TcpListener;
///
/// let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// // Nobody has connected yet: accept does not block, it says so.
/// let err = listener.accept().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TcpListener {
    inner: Socket,
}

impl TcpListener {
    /// Creates a listener bound to `addr`: a nonblocking socket, `SO_REUSEADDR`, `bind`,
    /// `listen(1024)`.
    ///
    /// `SO_REUSEADDR` lets a restarted server bind its port again while connections from its
    /// previous run sit in `TIME_WAIT`; it does not let two live listeners share a port.
    /// Port 0 picks a free port; read it back with [`local_addr`](TcpListener::local_addr).
    ///
    /// # Errors
    /// `AddrInUse` if another socket listens on `addr`, `AddrNotAvailable` if no local
    /// interface has that address, `PermissionDenied` for a privileged port, or another OS
    /// error of `socket`/`setsockopt`/`bind`/`listen`.
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let inner = Socket::new_inet(&addr, libc::SOCK_STREAM)?;
        inner.set_flag(libc::SOL_SOCKET, libc::SO_REUSEADDR, true)?;
        inner.bind(&RawAddr::from_inet(&addr))?;
        inner.listen(BACKLOG)?;
        Ok(TcpListener { inner })
    }

    /// Wraps a std listener. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::TcpListener::set_nonblocking) first): a blocking
    /// listener makes `accept` block the event loop.
    pub fn from_std(listener: net::TcpListener) -> TcpListener {
        TcpListener {
            inner: Socket::from(std::os::fd::OwnedFd::from(listener)),
        }
    }

    /// Accepts one queued connection, returning it (nonblocking, close-on-exec) with the
    /// peer's address.
    ///
    /// # Errors
    /// `WouldBlock` when no connection is queued: the normal end of a drain loop.
    /// `ConnectionAborted` if a queued connection was reset before it was accepted (accept
    /// again). `EMFILE`/`ENFILE` when out of descriptors. Other OS errors of `accept4`.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (inner, addr) = self.inner.accept()?;
        Ok((TcpStream { inner }, addr.to_inet()?))
    }

    /// The address the listener is bound to (with the real port if it bound port 0).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_inet()
    }

    /// Sets `IP_TTL`, the time-to-live of packets sent by accepted sockets.
    ///
    /// # Errors
    /// `InvalidInput` for a TTL above 255; the OS error of `setsockopt`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

impl_fd_traits!(TcpListener);
impl_source!(TcpListener);

/// A nonblocking TCP connection.
///
/// Reading and writing go through [`std::io::Read`] and [`std::io::Write`], implemented for
/// both `TcpStream` and `&TcpStream` (so one thread may read while another writes). Every
/// call returns at once: `WouldBlock` means "wait for the next readable/writable event".
/// A write to a connection the peer has closed returns `BrokenPipe` and never raises
/// `SIGPIPE`.
#[derive(Debug)]
pub struct TcpStream {
    inner: Socket,
}

impl TcpStream {
    /// Starts connecting to `addr` and returns at once, before the handshake completes.
    ///
    /// Register the stream for [`Interest::WRITABLE`](crate::Interest::WRITABLE): the writable
    /// event says the handshake *ended*. Then [`take_error`](TcpStream::take_error) returning
    /// `Ok(None)` (or [`peer_addr`](TcpStream::peer_addr) succeeding) means it succeeded; an
    /// error such as `ConnectionRefused` means it failed.
    ///
    /// # Errors
    /// Errors the kernel reports at once: `ConnectionRefused` (possible on loopback),
    /// `AddrNotAvailable`, `NetworkUnreachable`, `EMFILE`, or another OS error of
    /// `socket`/`connect`. A failure found later shows up through `take_error`.
    pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let inner = Socket::new_inet(&addr, libc::SOCK_STREAM)?;
        inner.connect(&RawAddr::from_inet(&addr))?;
        Ok(TcpStream { inner })
    }

    /// Wraps a std stream. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::TcpStream::set_nonblocking) first).
    pub fn from_std(stream: net::TcpStream) -> TcpStream {
        TcpStream {
            inner: Socket::from(std::os::fd::OwnedFd::from(stream)),
        }
    }

    /// The remote address. Succeeds only once the connection is established, which makes it
    /// a way to check that a nonblocking connect finished.
    ///
    /// # Errors
    /// `NotConnected` while connecting or after a failed connect; the OS error of
    /// `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()?.to_inet()
    }

    /// The local address.
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_inet()
    }

    /// Shuts down the read half, the write half (the peer then reads end-of-stream), or both.
    ///
    /// # Errors
    /// `NotConnected` if the stream is not connected; the OS error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Sets `TCP_NODELAY`: `true` sends small writes at once instead of letting Nagle's
    /// algorithm hold them back to coalesce.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::IPPROTO_TCP, libc::TCP_NODELAY, nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.flag(libc::IPPROTO_TCP, libc::TCP_NODELAY)
    }

    /// Sets `TCP_QUICKACK`: `true` makes Linux acknowledge received data at once instead of
    /// delaying the ACK to piggyback it on a reply. The kernel may switch it off again by
    /// itself as the connection goes on, so set it again where it matters.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        self.inner.set_quickack(quickack)
    }

    /// Reads `TCP_QUICKACK`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn quickack(&self) -> io::Result<bool> {
        self.inner.quickack()
    }

    /// Sets `IP_TTL`, the time-to-live of outgoing packets.
    ///
    /// # Errors
    /// `InvalidInput` for a TTL above 255; the OS error of `setsockopt`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.ttl()
    }

    /// Sets `SO_LINGER`. `None` (the default) lets `close` return at once while the kernel
    /// still sends queued data. `Some(Duration::ZERO)` makes dropping the stream *abort* the
    /// connection: queued data is discarded and the peer gets a reset (`ConnectionReset`).
    /// Other values count whole seconds, a partial second rounding up; note that a
    /// nonblocking close never waits for them.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it. After the writable event of
    /// a nonblocking connect, `Some(err)` is why the connect failed.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Reads received data without removing it from the queue (`recv` with `MSG_PEEK`).
    ///
    /// # Errors
    /// `WouldBlock` when nothing has arrived; `ConnectionReset` after a reset; other OS
    /// errors of `recv`.
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.recv(buf, libc::MSG_PEEK)
    }

    /// [`peek`](TcpStream::peek) into possibly uninitialised memory; returns the bytes it
    /// filled (see [`read_uninit`](TcpStream::read_uninit)).
    ///
    /// # Errors
    /// As for `peek`.
    pub fn peek_uninit<'a>(&self, buf: &'a mut [MaybeUninit<u8>]) -> io::Result<&'a mut [u8]> {
        self.inner.recv_uninit(buf, libc::MSG_PEEK)
    }

    /// Switches blocking mode. Streams are created nonblocking, which an event loop needs;
    /// blocking mode is for handing the stream to code that expects a blocking socket.
    ///
    /// # Errors
    /// The OS error of `fcntl`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }
}

impl_fd_traits!(TcpStream);
impl_source!(TcpStream);
impl_read!(TcpStream);
impl_write!(TcpStream);
