//! [`TcpSocket`]: a TCP socket configured between `socket(2)` and `bind`/`listen`/`connect`.

use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::time::Duration;

use super::addr::RawAddr;
use super::fd::impl_fd_traits;
use super::socket::Socket;
use super::tcp::{TcpListener, TcpStream};

/// A nonblocking, close-on-exec TCP socket that is neither listening nor connected yet.
///
/// [`TcpListener::bind`] and [`TcpStream::connect`] go from `socket(2)` straight to
/// `listen`/`connect`. Some options only matter if set in between — `SO_REUSEPORT` and the
/// buffer sizes before `bind`, a chosen local address before `connect` — so this type stops
/// there: set the options, optionally [`bind`](TcpSocket::bind), then
/// [`listen`](TcpSocket::listen) or [`connect`](TcpSocket::connect).
///
/// # Examples
///
/// ```
/// use corium_selector_sys::net::TcpSocket;
///
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(16)?;
///
/// // The connect returns before the handshake ends (see `TcpStream::connect`).
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?)?;
/// assert!(stream.nodelay()?);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (`AF_INET`, `SOCK_STREAM`).
    ///
    /// # Errors
    /// The OS error of `socket` (for example `EMFILE` when out of descriptors).
    pub fn new_v4() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            inner: Socket::new(libc::AF_INET, libc::SOCK_STREAM)?,
        })
    }

    /// A new IPv6 TCP socket (`AF_INET6`, `SOCK_STREAM`).
    ///
    /// # Errors
    /// The OS error of `socket` (`EAFNOSUPPORT` on a host without IPv6, `EMFILE`, …).
    pub fn new_v6() -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            inner: Socket::new(libc::AF_INET6, libc::SOCK_STREAM)?,
        })
    }

    /// Sets `SO_REUSEADDR`: `bind` succeeds while old connections on the port linger in
    /// `TIME_WAIT` (what a restarting server wants; [`TcpListener::bind`] always sets it).
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::SOL_SOCKET, libc::SO_REUSEADDR, reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.flag(libc::SOL_SOCKET, libc::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEPORT`: several sockets that each set it may bind the same address and
    /// port (on Linux the kernel then spreads incoming connections among the listeners).
    /// Every OS this crate builds for has the option, so the method needs no `cfg`.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::SOL_SOCKET, libc::SO_REUSEPORT, reuseport)
    }

    /// Reads `SO_REUSEPORT`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.flag(libc::SOL_SOCKET, libc::SO_REUSEPORT)
    }

    /// Sets `SO_SNDBUF`, the kernel's send buffer size in bytes. Linux doubles the value (for
    /// its own bookkeeping) and applies a floor, so
    /// [`send_buffer_size`](TcpSocket::send_buffer_size) reads back something else.
    ///
    /// # Errors
    /// `InvalidInput` above `i32::MAX` (the option is a C `int`); the OS error of
    /// `setsockopt`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_buffer_size(libc::SO_SNDBUF, size)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.buffer_size(libc::SO_SNDBUF)
    }

    /// Sets `SO_RCVBUF`, the kernel's receive buffer size in bytes (the same caveats as
    /// [`set_send_buffer_size`](TcpSocket::set_send_buffer_size)). Set before `listen` or
    /// `connect`, it also bounds the TCP window offered in the handshake.
    ///
    /// # Errors
    /// `InvalidInput` above `i32::MAX`; the OS error of `setsockopt`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.set_buffer_size(libc::SO_RCVBUF, size)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.buffer_size(libc::SO_RCVBUF)
    }

    /// Sets `TCP_NODELAY` (see [`TcpStream::set_nodelay`]); the stream
    /// [`connect`](TcpSocket::connect) returns keeps it.
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

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and reports it dead if the
    /// peer stopped answering.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE, keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.flag(libc::SOL_SOCKET, libc::SO_KEEPALIVE)
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
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

    /// Sets `SO_LINGER` to zero seconds: closing the socket then *aborts* the connection,
    /// discarding unsent data and sending the peer a reset (`ConnectionReset`) instead of a
    /// FIN, and leaves no `TIME_WAIT` behind. Unlike other linger values this never makes
    /// `close` wait.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    crate::__packet_options!(|this| this.inner);

    /// Binds the socket to `addr` (port 0: the kernel picks a free one; read it back with
    /// [`local_addr`](TcpSocket::local_addr)).
    ///
    /// # Errors
    /// `InvalidInput` if `addr`'s family differs from the socket's (an IPv6 address on a
    /// [`new_v4`](TcpSocket::new_v4) socket); `AddrInUse`, `AddrNotAvailable`,
    /// `PermissionDenied`, or another OS error of `bind`.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner
            .bind(&RawAddr::from_inet(&addr))
            .map_err(|e| self.family_hint(e, addr))
    }

    /// The address the socket is bound to (`0.0.0.0:0` / `[::]:0` before `bind` or
    /// `connect`).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_inet()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Starts listening with an accept queue of `backlog` connections (values above
    /// `i32::MAX` are capped; Linux caps further at `net.core.somaxconn`). Without a prior
    /// [`bind`](TcpSocket::bind), the kernel binds a free port on every interface.
    ///
    /// A full queue makes the kernel drop new connection requests (clients retry after a
    /// timeout), so a small backlog slows clients down rather than refusing them.
    ///
    /// # Errors
    /// The OS error of `listen` (`AddrInUse` if another socket listens on the port). The
    /// socket is closed on error.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
        self.inner.listen(backlog)?;
        Ok(TcpListener::from(OwnedFd::from(self.inner)))
    }

    /// Starts connecting to `addr` and returns at once, as [`TcpStream::connect`] does: the
    /// stream is still connecting until it turns writable, and then
    /// [`TcpStream::take_error`] says how the handshake ended.
    ///
    /// # Errors
    /// `InvalidInput` if `addr`'s family differs from the socket's; errors the kernel reports
    /// at once (`ConnectionRefused` is possible on loopback, `AddrNotAvailable`,
    /// `NetworkUnreachable`, …). The socket is closed on error.
    pub fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        self.inner
            .connect(&RawAddr::from_inet(&addr))
            .map_err(|e| self.family_hint(e, addr))?;
        Ok(TcpStream::from(OwnedFd::from(self.inner)))
    }

    /// Sets or clears `O_NONBLOCK`: for a socket made elsewhere (from a `std` type or a raw
    /// fd), which must be nonblocking before [`connect`](TcpSocket::connect) or
    /// [`listen`](TcpSocket::listen) hand it to a selector.
    ///
    /// # Errors
    /// The OS error of `fcntl`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }

    /// `SO_SNDBUF`/`SO_RCVBUF` take a C `int`: refuse what would wrap negative.
    fn set_buffer_size(&self, name: libc::c_int, size: u32) -> io::Result<()> {
        let value = libc::c_int::try_from(size).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "buffer size {size} is too large: the limit is {} bytes",
                    libc::c_int::MAX
                ),
            )
        })?;
        self.inner.set_opt(libc::SOL_SOCKET, name, value)
    }

    fn buffer_size(&self, name: libc::c_int) -> io::Result<u32> {
        let size: libc::c_int = self.inner.opt(libc::SOL_SOCKET, name)?;
        Ok(size.unsigned_abs())
    }

    /// Replaces the kernel's terse `EAFNOSUPPORT`/`EINVAL` with an error naming the cause
    /// when the cause is an address of the wrong family. (`EINVAL` also means "already
    /// bound", so the socket's own family is asked before blaming the address.)
    fn family_hint(&self, e: io::Error, addr: SocketAddr) -> io::Error {
        if !matches!(e.raw_os_error(), Some(libc::EAFNOSUPPORT | libc::EINVAL)) {
            return e;
        }
        let wanted = RawAddr::from_inet(&addr).family();
        match self.inner.local_addr() {
            Ok(own) if own.family() != wanted => io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{e} for {addr}: the address family must match the socket's (use \
                     TcpSocket::new_v4 for IPv4 addresses and new_v6 for IPv6)"
                ),
            ),
            _ => e,
        }
    }
}

impl_fd_traits!(TcpSocket);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    #[test]
    fn options_round_trip_before_bind() {
        let s = TcpSocket::new_v4().unwrap();
        s.set_reuseaddr(true).unwrap();
        assert!(s.reuseaddr().unwrap());
        s.set_reuseaddr(false).unwrap();
        assert!(!s.reuseaddr().unwrap());
        s.set_nodelay(true).unwrap();
        assert!(s.nodelay().unwrap());
        s.set_keepalive(true).unwrap();
        assert!(s.keepalive().unwrap());
        s.set_linger(Some(Duration::from_millis(1500))).unwrap();
        assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(2)));
        s.set_recv_buffer_size(64 * 1024).unwrap();
        s.set_send_buffer_size(64 * 1024).unwrap();
        // Kernels round (Linux doubles); never below what was asked, never zero.
        assert!(s.recv_buffer_size().unwrap() >= 32 * 1024);
        assert!(s.send_buffer_size().unwrap() >= 32 * 1024);
        let err = s.set_recv_buffer_size(u32::MAX).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("4294967295"), "{err}");
        assert!(s.take_error().unwrap().is_none());
    }

    #[test]
    fn reuseport_lets_two_sockets_bind_one_port() {
        let a = TcpSocket::new_v4().unwrap();
        a.set_reuseport(true).unwrap();
        assert!(a.reuseport().unwrap());
        a.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = a.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let b = TcpSocket::new_v4().unwrap();
        b.set_reuseport(true).unwrap();
        b.bind(addr).unwrap();
        let _la = a.listen(8).unwrap();
        let c = TcpSocket::new_v4().unwrap();
        assert_eq!(c.bind(addr).unwrap_err().kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn listen_connect_and_exchange_bytes() {
        let server = TcpSocket::new_v4().unwrap();
        server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = server.listen(4).unwrap();
        let addr = listener.local_addr().unwrap();

        let client = TcpSocket::new_v4().unwrap();
        client.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let client_addr = client.local_addr().unwrap();
        let stream = client.connect(addr).unwrap();
        // Blocking mode from here on, so each call waits for the kernel instead of a retry
        // loop: accept for the handshake, read for the bytes.
        let listener = std::net::TcpListener::from(OwnedFd::from(listener));
        listener.set_nonblocking(false).unwrap();
        let (mut accepted, peer) = listener.accept().unwrap();
        assert_eq!(peer, client_addr);
        assert_eq!(stream.local_addr().unwrap(), client_addr);
        stream.set_nonblocking(false).unwrap();
        (&stream).write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        accepted.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
    }

    #[test]
    fn wrong_family_is_explained() {
        let v4 = TcpSocket::new_v4().unwrap();
        let err = v4.bind("[::1]:0".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("new_v6"), "{err}");
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect("[::1]:9".parse().unwrap())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    }

    #[test]
    fn binding_twice_is_not_blamed_on_the_family() {
        let s = TcpSocket::new_v4().unwrap();
        s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let err = s.bind("127.0.0.1:0".parse().unwrap()).unwrap_err();
        assert!(!err.to_string().contains("new_v6"), "{err}");
    }

    #[test]
    fn sockets_are_nonblocking_and_fd_traits_hand_the_fd_over() {
        let s = TcpSocket::new_v6()
            .or_else(|_| TcpSocket::new_v4())
            .unwrap();
        let raw = s.as_raw_fd();
        // SAFETY: F_GETFL takes no argument; the fd is open.
        let fl = crate::syscall!(fcntl(raw, libc::F_GETFL)).unwrap();
        assert_ne!(fl & libc::O_NONBLOCK, 0, "O_NONBLOCK missing");
        let owned = OwnedFd::from(s);
        assert_eq!(owned.as_raw_fd(), raw);
        let back = TcpSocket::from(owned);
        assert_eq!(back.as_raw_fd(), raw);
    }
}
