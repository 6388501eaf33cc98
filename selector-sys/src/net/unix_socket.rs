//! [`UnixSocket`]: a Unix-domain socket not yet bound, listening or connected — the Unix twin
//! of [`TcpSocket`](super::TcpSocket), for binding a client socket before it connects or
//! choosing the listen backlog.

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::addr::RawAddr;
use super::fd::{impl_fd_traits, impl_source};
use super::socket::Socket;
use super::{UnixDatagram, UnixListener, UnixStream};

/// An unconnected Unix-domain socket, stream or datagram (nonblocking, close-on-exec).
#[derive(Debug)]
pub struct UnixSocket {
    inner: Socket,
}

impl UnixSocket {
    /// A new `SOCK_STREAM` socket.
    ///
    /// # Errors
    /// The OS error of `socket` (`EMFILE`, ...).
    pub fn new_stream() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: Socket::new(libc::AF_UNIX, libc::SOCK_STREAM)?,
        })
    }

    /// A new `SOCK_DGRAM` socket.
    ///
    /// # Errors
    /// The OS error of `socket`.
    pub fn new_datagram() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: Socket::new(libc::AF_UNIX, libc::SOCK_DGRAM)?,
        })
    }

    /// Binds to a path (creating the socket file), or on Linux an abstract name written
    /// `"\0name"`.
    ///
    /// # Errors
    /// `InvalidInput` for a path that does not fit `sun_path`; `AddrInUse` if it exists.
    pub fn bind<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.inner.bind(&RawAddr::from_path(path.as_ref())?)
    }

    /// Binds to a std address (a path or an abstract name).
    ///
    /// # Errors
    /// As [`bind`](UnixSocket::bind); `InvalidInput` for an unnamed address.
    pub fn bind_addr(&self, addr: &SocketAddr) -> io::Result<()> {
        self.inner.bind(&RawAddr::from_unix(addr)?)
    }

    /// Starts listening with a queue of `backlog` pending connections.
    ///
    /// # Errors
    /// `EOPNOTSUPP` on a datagram socket; the OS error of `listen`.
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        let backlog = libc::c_int::try_from(backlog).unwrap_or(libc::c_int::MAX);
        self.inner.listen(backlog)?;
        Ok(UnixListener::from(OwnedFd::from(self.inner)))
    }

    /// Starts a nonblocking connect to a path (or `"\0name"`): returns at once; the stream
    /// turns writable when the connection is made, then `take_error` says whether it failed.
    ///
    /// # Errors
    /// `NotFound`, `ConnectionRefused`, `WouldBlock` (Linux, listener queue full) at once.
    pub fn connect<P: AsRef<Path>>(self, path: P) -> io::Result<UnixStream> {
        self.inner.connect(&RawAddr::from_path(path.as_ref())?)?;
        Ok(UnixStream::from(OwnedFd::from(self.inner)))
    }

    /// Turns a datagram socket (bound or not) into a [`UnixDatagram`].
    ///
    /// # Errors
    /// `InvalidInput` if this is a stream socket.
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        let ty: libc::c_int = self.inner.opt(libc::SOL_SOCKET, libc::SO_TYPE)?;
        if ty != libc::SOCK_DGRAM {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "UnixSocket::datagram needs a socket made with UnixSocket::new_datagram",
            ));
        }
        Ok(UnixDatagram::from(OwnedFd::from(self.inner)))
    }

    /// The bound address (unnamed if not bound).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_unix()
    }

    /// Takes the pending socket error (`SO_ERROR`).
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

impl_fd_traits!(UnixSocket);
impl_source!(UnixSocket);
