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

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{ready, Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::net as sys;

use crate::addr::{no_addresses, to_socket_addrs, try_each, ToSocketAddrs};
use crate::io::ReadBuf;

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

    /// Sends one datagram to the connected peer; returns its length.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](UdpSocket::connect); `ConnectionRefused` when an
    /// earlier datagram was answered by an ICMP "port unreachable"; `Other` once the runtime
    /// shuts down; the OS error of `send`.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .async_io(Interest::WRITABLE, || sock.send(buf))
            .await
    }

    /// Receives one datagram from the connected peer into `buf`; returns its length
    /// (truncated to `buf.len()`).
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` (see [`send`](UdpSocket::send)); `Other` once the runtime shuts
    /// down; the OS error of `recv`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .async_io(Interest::READABLE, || sock.recv(buf))
            .await
    }

    /// Sends one datagram to `target` (resolved first; the first address is used).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `target` names no address; the resolver's error; the OS error of
    /// `sendto` (`NetworkUnreachable`, `InvalidInput` for a family mismatch, ...).
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = to_socket_addrs(target)
            .await?
            .next()
            .ok_or_else(no_addresses)?;
        let sock = self.io.get_ref();
        self.io
            .registration()
            .async_io(Interest::WRITABLE, || sock.send_to(buf, target))
            .await
    }

    /// Receives one datagram and its sender's address.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; the OS error of `recvfrom`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .async_io(Interest::READABLE, || sock.recv_from(buf))
            .await
    }

    /// Like [`recv_from`](UdpSocket::recv_from), but leaves the datagram queued
    /// (`MSG_PEEK`): the next receive returns it again.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .async_io(Interest::READABLE, || sock.peek_from(buf))
            .await
    }

    /// Sends to the connected peer if the socket is writable, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not writable (the readiness is cleared); otherwise as
    /// [`send`](UdpSocket::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .try_io(Interest::WRITABLE, || sock.send(buf))
    }

    /// Receives from the connected peer if a datagram is queued, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued (the readiness is cleared: await
    /// [`readable`](UdpSocket::readable) next); otherwise as [`recv`](UdpSocket::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .try_io(Interest::READABLE, || sock.recv(buf))
    }

    /// Sends to `target` if the socket is writable, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not writable; otherwise the OS error of `sendto`.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .try_io(Interest::WRITABLE, || sock.send_to(buf, target))
    }

    /// Receives a datagram and its sender's address if one is queued, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise the OS error of `recvfrom`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .try_io(Interest::READABLE, || sock.recv_from(buf))
    }

    /// Peeks at a queued datagram and its sender without waiting or dequeuing it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise the OS error of `recvfrom`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .try_io(Interest::READABLE, || sock.peek_from(buf))
    }

    /// Polls to receive a datagram from the connected peer into `buf`'s unfilled part.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let sock = self.io.get_ref();
        let unfilled = buf.initialize_unfilled();
        let n = ready!(self
            .io
            .registration()
            .poll_read_io(cx, || sock.recv(unfilled)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Polls to send a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// As [`send`](UdpSocket::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let sock = self.io.get_ref();
        self.io.registration().poll_write_io(cx, || sock.send(buf))
    }

    /// Polls to receive a datagram into `buf`'s unfilled part; returns the sender.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let sock = self.io.get_ref();
        let unfilled = buf.initialize_unfilled();
        let (n, from) = ready!(self
            .io
            .registration()
            .poll_read_io(cx, || sock.recv_from(unfilled)))?;
        buf.advance(n);
        Poll::Ready(Ok(from))
    }

    /// Polls to send a datagram to `target`.
    ///
    /// # Errors
    ///
    /// As [`try_send_to`](UdpSocket::try_send_to), without `WouldBlock`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        let sock = self.io.get_ref();
        self.io
            .registration()
            .poll_write_io(cx, || sock.send_to(buf, target))
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

    /// Sets `SO_BROADCAST`, needed to send to a broadcast address.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `IP_TTL`.
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

    /// Sets `IP_MULTICAST_LOOP`: whether this host receives its own IPv4 multicast.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above 255; the OS error of `setsockopt`.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Reads `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the kernel picks).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `multiaddr` is not multicast; the OS error of `setsockopt`.
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv4 multicast group.
    ///
    /// # Errors
    ///
    /// `AddrNotAvailable` if not a member; the OS error of `setsockopt`.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: the
    /// kernel picks).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `multiaddr` is not multicast; the OS error of `setsockopt`.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// # Errors
    ///
    /// `AddrNotAvailable` if not a member; the OS error of `setsockopt`.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
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
