//! [`UnixSocket`]: an unconnected Unix-domain socket, configured before it becomes a
//! listener, a stream or a datagram socket.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;

use corium_selector_sys::net as sys;

use crate::unix::SocketAddr;
use crate::{UnixDatagram, UnixListener, UnixStream};

/// A Unix-domain socket not yet listening or connected, as tokio's `UnixSocket`: bind a
/// client socket to a name before connecting, or choose the listen backlog.
///
/// # Examples
///
/// ```
/// use corium_net::unix::UnixSocket;
/// use corium_net::io::{AsyncReadExt, AsyncWriteExt};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("corium-doc-unixsocket-{}", std::process::id()));
/// let _ = std::fs::remove_file(&dir);
/// let server = UnixSocket::new_stream()?;
/// server.bind(&dir)?;
/// let listener = server.listen(16)?;
/// let mut client = UnixSocket::new_stream()?.connect(&dir).await?;
/// let (mut served, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// served.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixSocket {
    inner: sys::UnixSocket,
}

impl UnixSocket {
    /// A new stream socket (for [`listen`](UnixSocket::listen) or
    /// [`connect`](UnixSocket::connect)).
    ///
    /// # Errors
    /// The OS error of `socket`.
    pub fn new_stream() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: sys::UnixSocket::new_stream()?,
        })
    }

    /// A new datagram socket (for [`datagram`](UnixSocket::datagram)).
    ///
    /// # Errors
    /// The OS error of `socket`.
    pub fn new_datagram() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: sys::UnixSocket::new_datagram()?,
        })
    }

    /// Binds to a path, or on Linux an abstract name written `"\0name"`.
    ///
    /// # Errors
    /// `InvalidInput` for a path too long for `sun_path`; `AddrInUse` if it exists.
    pub fn bind<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.inner.bind(path)
    }

    /// Binds to a std address (a path or an abstract name).
    ///
    /// # Errors
    /// As [`bind`](UnixSocket::bind); `InvalidInput` for an unnamed address.
    pub fn bind_addr(&self, addr: &SocketAddr) -> io::Result<()> {
        self.inner.bind_addr(addr)
    }

    /// Listens with a queue of `backlog` connections; registers with the current runtime.
    ///
    /// # Errors
    /// The OS error of `listen` (`EOPNOTSUPP` on a datagram socket); `Other` outside a runtime.
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        UnixListener::new(self.inner.listen(backlog)?)
    }

    /// Connects to a path (or `"\0name"`) and waits until the connection is made.
    ///
    /// # Errors
    /// `NotFound`, `ConnectionRefused`, `WouldBlock` (listener queue full, Linux); `Other`
    /// outside a runtime.
    pub async fn connect<P: AsRef<Path>>(self, path: P) -> io::Result<UnixStream> {
        let stream = UnixStream::new(self.inner.connect(path)?)?;
        poll_fn(|cx| stream.poll_write_ready(cx)).await?;
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    /// The datagram socket, registered with the current runtime.
    ///
    /// # Errors
    /// `InvalidInput` for a stream socket; `Other` outside a runtime.
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        UnixDatagram::new(self.inner.datagram()?)
    }

    /// The bound address (unnamed if not bound).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// Takes the pending socket error.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixSocket")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
