//! [`UnixListener`]: accepting Unix-domain stream connections.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::task::{Context, Poll};

use corium_reactor::{Interest, PollEvented};
use corium_selector_sys::net as sys;

use crate::unix::{SocketAddr, UnixStream};

/// A Unix-domain socket listening for connections, driven by the corium reactor.
///
/// Out of descriptors, `accept` behaves as for TCP: the error is returned and the queued
/// connection is kept for the next call (see
/// [`TcpListener`](crate::TcpListener#running-out-of-descriptors)).
///
/// # Examples
///
/// ```
/// use corium_net::{UnixListener, UnixStream};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("corium-net-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("listener.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let _client = UnixStream::connect(&path).await?;
/// let (_server, _addr) = listener.accept().await?;
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixListener {
    io: PollEvented<sys::UnixListener>,
}

impl UnixListener {
    /// Creates a listener bound to `path` (which must not exist yet) and registers it with
    /// the current reactor.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists, `InvalidInput` for a path too long for `sun_path`, the
    /// OS error of `socket`/`bind`/`listen`; `Other` outside a runtime with I/O enabled.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        UnixListener::new(sys::UnixListener::bind(path)?)
    }

    pub(crate) fn new(sys: sys::UnixListener) -> io::Result<UnixListener> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE)?;
        Ok(UnixListener { io })
    }

    /// Waits for a connection and accepts it. Cancel-safe.
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when out of descriptors (the connection stays queued); `Other` once
    /// the runtime shuts down; other OS errors of `accept`.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let listener = self.io.get_ref();
        let (sys, addr) = self
            .io
            .registration()
            .async_io(Interest::READABLE, || listener.accept())
            .await?;
        Ok((UnixStream::new(sys)?, addr))
    }

    /// Polls to accept a connection.
    ///
    /// # Errors
    ///
    /// As [`accept`](UnixListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let listener = self.io.get_ref();
        self.io
            .registration()
            .poll_read_io(cx, || listener.accept())
            .map(|res| {
                let (sys, addr) = res?;
                Ok((UnixStream::new(sys)?, addr))
            })
    }

    /// Wraps a std listener, switching it to nonblocking mode.
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::new(sys::UnixListener::from_std(listener))
    }

    /// Deregisters the listener and returns it as a std listener, still nonblocking.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        let sys = self.io.into_inner()?;
        Ok(std::os::unix::net::UnixListener::from(OwnedFd::from(sys)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// As [`UnixListener::from_std`].
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
