//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! Addresses are std's [`SocketAddr`]: a filesystem path, an unnamed socket, or (Linux,
//! Android) an abstract name that lives in the kernel only and vanishes with the socket. A
//! path must fit in `sockaddr_un.sun_path` with its terminating NUL (108 bytes on Linux, 104
//! on Apple and the BSDs); a longer one is an `InvalidInput` error naming the limit.
//! Binding creates the socket file; corium never removes it (as with std), so remove it
//! yourself when done.

use std::io;
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use super::addr::RawAddr;
use super::fd::{impl_fd_traits, impl_read, impl_source, impl_write};
use super::socket::Socket;

/// The `listen` backlog, as for TCP.
const BACKLOG: libc::c_int = 1024;

/// A new `AF_UNIX` socket of `ty`, bound to `addr`.
fn bound(addr: &RawAddr, ty: libc::c_int) -> io::Result<Socket> {
    let socket = Socket::new(libc::AF_UNIX, ty)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// A new `AF_UNIX` stream socket, connecting to `addr`.
fn connected(addr: &RawAddr) -> io::Result<Socket> {
    let socket = Socket::new(libc::AF_UNIX, libc::SOCK_STREAM)?;
    socket.connect(addr)?;
    Ok(socket)
}

/// A nonblocking Unix stream listening socket.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("corium-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let _client = UnixStream::connect(&path)?;
/// // The connection is queued at once on a Unix socket.
/// let (_conn, _peer) = listener.accept()?;
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UnixListener {
    inner: Socket,
}

impl UnixListener {
    /// Creates a listener bound to the filesystem path `path` (the socket file must not
    /// exist yet).
    ///
    /// # Errors
    /// `InvalidInput` if the path is too long for `sun_path` or holds a NUL byte;
    /// `AddrInUse` if the file exists; `NotFound`/`PermissionDenied` for the directory; other
    /// OS errors of `socket`/`bind`/`listen`.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::bind_raw(&RawAddr::from_path(path.as_ref())?)
    }

    /// Creates a listener bound to `address`: a path, or on Linux an abstract name
    /// (`SocketAddr::from_abstract_name`).
    ///
    /// # Errors
    /// `InvalidInput` for an unnamed address or one too long; `AddrInUse`; other OS errors
    /// of `socket`/`bind`/`listen`.
    pub fn bind_addr(address: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::bind_raw(&RawAddr::from_unix(address)?)
    }

    fn bind_raw(addr: &RawAddr) -> io::Result<UnixListener> {
        let inner = bound(addr, libc::SOCK_STREAM)?;
        inner.listen(BACKLOG)?;
        Ok(UnixListener { inner })
    }

    /// Wraps a std listener. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::UnixListener::set_nonblocking) first).
    pub fn from_std(listener: net::UnixListener) -> UnixListener {
        UnixListener {
            inner: Socket::from(std::os::fd::OwnedFd::from(listener)),
        }
    }

    /// Accepts one queued connection, with the peer's address (usually unnamed: clients
    /// rarely bind).
    ///
    /// # Errors
    /// `WouldBlock` when none is queued; `EMFILE` when out of descriptors; other OS errors of
    /// `accept4`.
    pub fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (inner, addr) = self.inner.accept()?;
        Ok((UnixStream { inner }, addr.to_unix()?))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_unix()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

impl_fd_traits!(UnixListener);
impl_source!(UnixListener);

/// A nonblocking Unix stream socket. `Read`/`Write` are implemented for `UnixStream` and
/// `&UnixStream`; a write to a closed peer returns `BrokenPipe`, never `SIGPIPE`.
#[derive(Debug)]
pub struct UnixStream {
    inner: Socket,
}

impl UnixStream {
    /// Connects to the socket at `path`. Unlike TCP, a Unix connect usually completes at
    /// once; if it does not, the writable event says it finished, as for TCP.
    ///
    /// # Errors
    /// `InvalidInput` if the path is too long or holds a NUL byte; `NotFound` if nothing is
    /// there; `ConnectionRefused` if nobody listens; `WouldBlock` if the listener's backlog is
    /// full (Linux); other OS errors of `socket`/`connect`.
    pub fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let inner = connected(&RawAddr::from_path(path.as_ref())?)?;
        Ok(UnixStream { inner })
    }

    /// Connects to `address`: a path, or on Linux an abstract name.
    ///
    /// # Errors
    /// `InvalidInput` for an unnamed address; otherwise as for
    /// [`connect`](UnixStream::connect).
    pub fn connect_addr(address: &SocketAddr) -> io::Result<UnixStream> {
        let inner = connected(&RawAddr::from_unix(address)?)?;
        Ok(UnixStream { inner })
    }

    /// Two connected streams (`socketpair`).
    ///
    /// # Errors
    /// `EMFILE` when out of descriptors; other OS errors of `socketpair`.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = Socket::pair(libc::SOCK_STREAM)?;
        Ok((UnixStream { inner: a }, UnixStream { inner: b }))
    }

    /// Wraps a std stream. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::UnixStream::set_nonblocking) first).
    pub fn from_std(stream: net::UnixStream) -> UnixStream {
        UnixStream {
            inner: Socket::from(std::os::fd::OwnedFd::from(stream)),
        }
    }

    /// This end's address (usually unnamed for a client).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_unix()
    }

    /// The peer's address.
    ///
    /// # Errors
    /// `NotConnected` if not connected; the OS error of `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()?.to_unix()
    }

    /// The credentials of the peer process, as recorded when the connection was made (see
    /// [`PeerCred`](super::PeerCred)).
    ///
    /// # Errors
    /// The OS error of the query; `Unsupported` on a system without one.
    pub fn peer_cred(&self) -> io::Result<super::PeerCred> {
        self.inner.peer_cred()
    }

    /// Shuts down the read half, the write half (the peer then reads end-of-stream), or both.
    ///
    /// # Errors
    /// `NotConnected` if not connected; the OS error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Switches blocking mode (streams are created nonblocking; see
    /// [`TcpStream::set_nonblocking`](super::TcpStream::set_nonblocking)).
    ///
    /// # Errors
    /// The OS error of `fcntl`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }
}

impl_fd_traits!(UnixStream);
impl_source!(UnixStream);
impl_read!(UnixStream);
impl_write!(UnixStream);

/// A nonblocking Unix datagram socket. Datagrams keep their boundaries, and unlike UDP they
/// are never lost or reordered; a full receiver makes the send return `WouldBlock`.
#[derive(Debug)]
pub struct UnixDatagram {
    inner: Socket,
}

impl UnixDatagram {
    /// Creates a socket bound to the filesystem path `path`.
    ///
    /// # Errors
    /// `InvalidInput` if the path is too long or holds a NUL byte; `AddrInUse` if the file
    /// exists; other OS errors of `socket`/`bind`.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let inner = bound(&RawAddr::from_path(path.as_ref())?, libc::SOCK_DGRAM)?;
        Ok(UnixDatagram { inner })
    }

    /// Creates a socket bound to `address`: a path, or on Linux an abstract name.
    ///
    /// # Errors
    /// `InvalidInput` for an unnamed address; otherwise as for [`bind`](UnixDatagram::bind).
    pub fn bind_addr(address: &SocketAddr) -> io::Result<UnixDatagram> {
        let inner = bound(&RawAddr::from_unix(address)?, libc::SOCK_DGRAM)?;
        Ok(UnixDatagram { inner })
    }

    /// Creates a socket bound to no address. It can send (with `send_to`, or `send` after
    /// [`connect`](UnixDatagram::connect)), but nobody can address a reply to it.
    ///
    /// # Errors
    /// The OS error of `socket`.
    pub fn unbound() -> io::Result<UnixDatagram> {
        let inner = Socket::new(libc::AF_UNIX, libc::SOCK_DGRAM)?;
        Ok(UnixDatagram { inner })
    }

    /// Two connected, unnamed datagram sockets (`socketpair`).
    ///
    /// # Errors
    /// `EMFILE` when out of descriptors; other OS errors of `socketpair`.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = Socket::pair(libc::SOCK_DGRAM)?;
        Ok((UnixDatagram { inner: a }, UnixDatagram { inner: b }))
    }

    /// Wraps a std socket. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::UnixDatagram::set_nonblocking) first).
    pub fn from_std(socket: net::UnixDatagram) -> UnixDatagram {
        UnixDatagram {
            inner: Socket::from(std::os::fd::OwnedFd::from(socket)),
        }
    }

    /// Sets the default peer to the socket at `path`: `send` goes there and only its
    /// datagrams are received.
    ///
    /// # Errors
    /// `InvalidInput` if the path is too long; `NotFound`/`ConnectionRefused` if no socket
    /// is bound there; other OS errors of `connect`.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.inner.connect(&RawAddr::from_path(path.as_ref())?)
    }

    /// Sends one datagram to the socket at `path`.
    ///
    /// # Errors
    /// `InvalidInput` if the path is too long; `NotFound`/`ConnectionRefused` if no socket is
    /// bound there; `WouldBlock` if the receiver's queue is full; other OS errors of
    /// `sendto`.
    pub fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        self.inner.send_to(buf, &RawAddr::from_path(path.as_ref())?)
    }

    /// Sends one datagram to `address`: a path, or on Linux an abstract name.
    ///
    /// # Errors
    /// `InvalidInput` for an unnamed address; otherwise as for
    /// [`send_to`](UnixDatagram::send_to).
    pub fn send_to_addr(&self, buf: &[u8], address: &SocketAddr) -> io::Result<usize> {
        self.inner.send_to(buf, &RawAddr::from_unix(address)?)
    }

    /// Receives one datagram and its sender's address (unnamed if the sender is unbound).
    ///
    /// # Errors
    /// `WouldBlock` when none is queued; other OS errors of `recvfrom`.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.inner.recv_from(buf, 0)?;
        Ok((n, addr.to_unix()?))
    }

    /// [`recv_from`](UnixDatagram::recv_from) into possibly uninitialised memory: returns
    /// the bytes the kernel filled (the start of `buf`, now initialised) and the sender.
    ///
    /// # Errors
    /// As for `recv_from`.
    pub fn recv_from_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
    ) -> io::Result<(&'a mut [u8], SocketAddr)> {
        let (filled, addr) = self.inner.recv_from_uninit(buf, 0)?;
        Ok((filled, addr.to_unix()?))
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without a peer; `WouldBlock` if its queue is full; `ConnectionRefused`
    /// if the peer is gone; other OS errors of `send`.
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    /// Receives one datagram.
    ///
    /// # Errors
    /// `WouldBlock` when none is queued; other OS errors of `recv`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }

    /// [`recv`](UnixDatagram::recv) into possibly uninitialised memory: returns the bytes the
    /// kernel filled, the start of `buf`, now initialised.
    ///
    /// # Errors
    /// As for `recv`.
    pub fn recv_uninit<'a>(&self, buf: &'a mut [MaybeUninit<u8>]) -> io::Result<&'a mut [u8]> {
        self.inner.read_uninit(buf)
    }

    /// This socket's address.
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_unix()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` without a peer; the OS error of `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()?.to_unix()
    }

    /// Shuts down reading, writing, or both.
    ///
    /// # Errors
    /// The OS error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

impl_fd_traits!(UnixDatagram);
impl_source!(UnixDatagram);
