//! [`TcpListener`]: accepting TCP connections.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use corium_reactor::{Interest, PollEvented};
use corium_selector_sys::net as sys;
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::addr::{to_socket_addrs, try_each, ToSocketAddrs};
use crate::tcp::TcpStream;

/// A TCP socket listening for connections, driven by the corium reactor.
///
/// # Running out of descriptors
///
/// When the process has no descriptor left, `accept(2)` fails with `EMFILE` (or `ENFILE`
/// system-wide) and the connection stays queued in the kernel. [`accept`](TcpListener::accept)
/// returns that error, and — this is the point — **keeps the listener's readiness**: only a
/// `WouldBlock` clears it. The queue did not drain, and with edge-triggered events no new
/// event would come for connections already queued, so clearing on `EMFILE` would strand
/// them until the next client arrived. As it is, the next `accept` after descriptors are
/// freed finds the queued connection at once. A server typically logs the error, waits a
/// little (or closes idle connections), and calls `accept` again.
///
/// # Examples
///
/// ```
/// use corium_net::{TcpListener, TcpStream};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, peer) = listener.accept().await?;
/// assert_eq!(peer, client.local_addr()?);
/// assert_eq!(server.peer_addr()?, peer);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct TcpListener {
    io: PollEvented<sys::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr` (`SO_REUSEADDR`, `bind`, `listen(1024)`), trying each
    /// address `addr` resolves to in order and keeping the last error. Port 0 picks a free
    /// port; read it back with [`local_addr`](TcpListener::local_addr). For another backlog
    /// or other options, use [`TcpSocket`](crate::TcpSocket).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `addr` names no address (or is malformed); otherwise the last
    /// address's error: `AddrInUse`, `AddrNotAvailable`, `PermissionDenied` (a privileged
    /// port), ...; `Other` outside a runtime with I/O enabled.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = to_socket_addrs(addr).await?;
        try_each(addrs, TcpListener::bind_addr)
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::new(sys::TcpListener::bind(addr)?)
    }

    /// Registers a listening nonblocking socket with the current reactor (readable only: a
    /// listener never becomes writable).
    pub(crate) fn new(sys: sys::TcpListener) -> io::Result<TcpListener> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE)?;
        Ok(TcpListener { io })
    }

    /// Waits for a connection and accepts it, returning the connected stream (registered
    /// with the reactor) and the peer's address.
    ///
    /// Cancel-safe: if the future is dropped before it completes, no connection is lost (it
    /// stays queued for the next `accept`).
    ///
    /// # Errors
    ///
    /// `EMFILE`/`ENFILE` when out of descriptors (the queued connection is kept; see
    /// [Running out of descriptors](TcpListener#running-out-of-descriptors));
    /// `ConnectionAborted` if a queued connection was reset before it was accepted (simply
    /// accept again); `Other` once the runtime shuts down.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let listener = self.io.get_ref();
        let accepted = self
            .io
            .registration()
            .async_io(Interest::READABLE, || listener.accept())
            .await;
        let (sys, addr) = accepted.inspect_err(|e| {
            trace!(
                Layer::Net,
                "TcpListener::accept: fd {}: {e} (readiness kept)",
                self.as_raw_fd()
            );
        })?;
        trace!(
            Layer::Net,
            "TcpListener::accept: fd {} accepted {addr} as fd {}",
            self.as_raw_fd(),
            sys.as_raw_fd()
        );
        Ok((TcpStream::new(sys)?, addr))
    }

    /// Polls to accept a connection; `Pending` stores `cx`'s waker (only the last task to
    /// poll is woken).
    ///
    /// # Errors
    ///
    /// As [`accept`](TcpListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let listener = self.io.get_ref();
        self.io
            .registration()
            .poll_read_io(cx, || listener.accept())
            .map(|res| {
                let (sys, addr) = res?;
                Ok((TcpStream::new(sys)?, addr))
            })
    }

    /// Wraps a bound, listening std listener, switching it to nonblocking mode (see
    /// [`TcpStream::from_std`] for why corium does this for you).
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(sys::TcpListener::from_std(listener))
    }

    /// Deregisters the listener and returns it as a std listener, still nonblocking.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        let sys = self.io.into_inner()?;
        Ok(std::net::TcpListener::from(OwnedFd::from(sys)))
    }

    /// The address the listener is bound to (with the real port if it bound port 0).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets `IP_TTL` for packets sent by accepted sockets.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above 255; the OS error of `setsockopt`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
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

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// As [`TcpListener::from_std`].
    fn try_from(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
