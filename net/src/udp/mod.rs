//! [`UdpSocket`]: async UDP.
//!
//! The same pattern as TCP: a nonblocking selector socket inside a
//! [`PollEvented`]; each operation runs when the reactor reports
//! readiness and waits again on `WouldBlock`. A datagram is sent or received whole (a receive
//! buffer that is too small truncates it), so there is no `AsyncRead`/`AsyncWrite` here.
//!
//! # Errors from the network
//!
//! On a connected socket, an ICMP "port unreachable" for an earlier datagram becomes the
//! socket's pending error. The reactor reports it as an [`ERROR`](Ready::ERROR) readiness,
//! which wakes waiters of either direction: a [`recv`](UdpSocket::recv) already waiting for
//! data is woken and returns the error (`ConnectionRefused`), which the kernel then forgets.
//! It can also be collected with [`take_error`](UdpSocket::take_error) once
//! [`ready`](UdpSocket::ready) reports [`is_error`](Ready::is_error).
//!
//! # Layout
//!
//! One type, its methods grouped by concern: this file holds construction, connection,
//! readiness and addresses; `transfer.rs` sending and receiving; `peek.rs` looking at the
//! next datagram without taking it; `options.rs` socket options and multicast membership.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::net as sys;

use crate::addr::{to_socket_addrs, try_each, ToSocketAddrs};

mod options;
mod peek;
mod transfer;

/// A UDP socket driven by the corium reactor.
///
/// Every method takes `&self`, so one socket can be shared (in an `Arc`) by a task that sends
/// and a task that receives.
///
/// # Examples
///
/// ```
/// use corium_net::UdpSocket;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"ping", b.local_addr()?).await?;
///
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UdpSocket {
    io: PollEvented<sys::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr`, trying each address it resolves to and keeping the last
    /// error. Port 0 picks a free port.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `addr` names no address; otherwise the last address's error
    /// (`AddrInUse`, `AddrNotAvailable`, ...); `Other` outside a runtime with I/O enabled.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let addrs = to_socket_addrs(addr).await?;
        try_each(addrs, |addr| UdpSocket::new(sys::UdpSocket::bind(addr)?))
    }

    fn new(sys: sys::UdpSocket) -> io::Result<UdpSocket> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE | Interest::WRITABLE)?;
        Ok(UdpSocket { io })
    }

    /// Wraps a bound std socket, switching it to nonblocking mode (see
    /// [`TcpStream::from_std`](crate::TcpStream::from_std)).
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::new(sys::UdpSocket::from_std(socket))
    }

    /// Deregisters the socket and returns it as a std socket, still nonblocking.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        let sys = self.io.into_inner()?;
        Ok(std::net::UdpSocket::from(OwnedFd::from(sys)))
    }

    /// Sets the default peer: [`send`](UdpSocket::send) goes there, and only its datagrams are
    /// received. Tries each address `addr` resolves to, keeping the last error.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `addr` names no address; the last address's error of `connect`.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = to_socket_addrs(addr).await?;
        try_each(addrs, |addr| self.io.get_ref().connect(addr))
    }

    /// Waits until the socket is ready for any of `interest`; returns what is ready (see
    /// [`TcpStream::ready`](crate::TcpStream::ready) on false positives).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until a datagram may be received, or a receive would return the socket's
    /// pending error.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a datagram may be sent.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_read_ready(cx).map_ok(drop)
    }

    /// Polls for write readiness.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_write_ready(cx).map_ok(drop)
    }

    /// Runs `f` if the socket is ready for `interest`, clearing the readiness on
    /// `WouldBlock`; see [`TcpStream::try_io`](crate::TcpStream::try_io).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not ready; `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().try_io(interest, f)
    }

    /// Waits for `interest` and runs `f` until it does not return `WouldBlock`; see
    /// [`TcpStream::async_io`](crate::TcpStream::async_io).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; `f`'s error other than `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().async_io(interest, f).await
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
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

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// As [`UdpSocket::from_std`].
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}
