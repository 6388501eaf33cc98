//! [`UdpSocket`]: nonblocking UDP.

use std::io;
use std::mem::MaybeUninit;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::addr::RawAddr;
use super::fd::{impl_fd_traits, impl_source};
use super::socket::{ttl_value, Socket};

/// The C type of `IP_MULTICAST_LOOP` and `IP_MULTICAST_TTL`: a `u_char` on the BSDs (which
/// reject an `int`), an `int` on Linux and Apple.
#[cfg(any(
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
type McastV4 = libc::c_uchar;
#[cfg(not(any(
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
type McastV4 = libc::c_int;

/// Linux names the IPv6 membership options after the IPv4 ones; the BSDs and Apple use the
/// RFC 3493 names. Same meaning.
#[cfg(any(target_os = "linux", target_os = "android"))]
const IPV6_JOIN: libc::c_int = libc::IPV6_ADD_MEMBERSHIP;
#[cfg(any(target_os = "linux", target_os = "android"))]
const IPV6_LEAVE: libc::c_int = libc::IPV6_DROP_MEMBERSHIP;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const IPV6_JOIN: libc::c_int = libc::IPV6_JOIN_GROUP;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const IPV6_LEAVE: libc::c_int = libc::IPV6_LEAVE_GROUP;

/// A nonblocking UDP socket.
///
/// Register it for [`Interest::READABLE`](crate::Interest::READABLE) and receive until
/// `WouldBlock`: each receive returns exactly one datagram (truncated if the buffer is too
/// small). A send either queues the whole datagram or fails.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::net::UdpSocket;
///
/// let a = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// let b = UdpSocket::bind("127.0.0.1:0".parse().unwrap())?;
/// a.send_to(b"ping", b.local_addr()?)?;
/// # let mut buf = [0; 8];
/// # let (n, from) = loop {
/// #     match b.recv_from(&mut buf) {
/// #         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
/// #         other => break other?,
/// #     }
/// # };
/// # assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    inner: Socket,
}

impl UdpSocket {
    /// Creates a socket bound to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// `AddrInUse`, `AddrNotAvailable`, `PermissionDenied`, or another OS error of
    /// `socket`/`bind`.
    pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
        let inner = Socket::new_inet(&addr, libc::SOCK_DGRAM)?;
        inner.bind(&RawAddr::from_inet(&addr))?;
        Ok(UdpSocket { inner })
    }

    /// Wraps a std socket. It must already be nonblocking (call
    /// [`set_nonblocking(true)`](net::UdpSocket::set_nonblocking) first).
    pub fn from_std(socket: net::UdpSocket) -> UdpSocket {
        UdpSocket {
            inner: Socket::from(std::os::fd::OwnedFd::from(socket)),
        }
    }

    /// Sets the default peer: [`send`](UdpSocket::send) goes there and only its datagrams
    /// are received. Nothing is sent; UDP has no handshake.
    ///
    /// # Errors
    /// `AddrNotAvailable`, `NetworkUnreachable`, or another OS error of `connect`.
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.connect(&RawAddr::from_inet(&addr))
    }

    /// Sends one datagram to `target`, returning the bytes sent (all of `buf`).
    ///
    /// # Errors
    /// `WouldBlock` when the send buffer is full; `InvalidInput` or `EMSGSIZE` for a
    /// datagram too large; `PermissionDenied` for a broadcast address without
    /// [`set_broadcast`](UdpSocket::set_broadcast); other OS errors of `sendto`.
    pub fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner.send_to(buf, &RawAddr::from_inet(&target))
    }

    /// Receives one datagram and its sender.
    ///
    /// # Errors
    /// `WouldBlock` when none is queued; other OS errors of `recvfrom`.
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.inner.recv_from(buf, 0)?;
        Ok((n, addr.to_inet()?))
    }

    /// Like [`recv_from`](UdpSocket::recv_from) but leaves the datagram queued.
    ///
    /// # Errors
    /// As for `recv_from`.
    pub fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.inner.recv_from(buf, libc::MSG_PEEK)?;
        Ok((n, addr.to_inet()?))
    }

    /// [`recv_from`](UdpSocket::recv_from) into possibly uninitialised memory: returns the
    /// bytes the kernel filled (the start of `buf`, now initialised) and the sender.
    ///
    /// # Errors
    /// As for `recv_from`.
    pub fn recv_from_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
    ) -> io::Result<(&'a mut [u8], SocketAddr)> {
        let (filled, addr) = self.inner.recv_from_uninit(buf, 0)?;
        Ok((filled, addr.to_inet()?))
    }

    /// [`peek_from`](UdpSocket::peek_from) into possibly uninitialised memory; as
    /// [`recv_from_uninit`](UdpSocket::recv_from_uninit).
    ///
    /// # Errors
    /// As for `recv_from`.
    pub fn peek_from_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
    ) -> io::Result<(&'a mut [u8], SocketAddr)> {
        let (filled, addr) = self.inner.recv_from_uninit(buf, libc::MSG_PEEK)?;
        Ok((filled, addr.to_inet()?))
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](UdpSocket::connect); `ConnectionRefused` if an
    /// earlier datagram to the peer bounced (ICMP port unreachable); `WouldBlock`; other OS
    /// errors of `send`.
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    /// `WouldBlock` when none is queued; `ConnectionRefused` if an earlier datagram to the
    /// peer bounced; other OS errors of `recv`.
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }

    /// Like [`recv`](UdpSocket::recv) but leaves the datagram queued.
    ///
    /// # Errors
    /// As for `recv`.
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.recv(buf, libc::MSG_PEEK)
    }

    /// [`recv`](UdpSocket::recv) into possibly uninitialised memory: returns the bytes the
    /// kernel filled, the start of `buf`, now initialised.
    ///
    /// # Errors
    /// As for `recv`.
    pub fn recv_uninit<'a>(&self, buf: &'a mut [MaybeUninit<u8>]) -> io::Result<&'a mut [u8]> {
        self.inner.read_uninit(buf)
    }

    /// [`peek`](UdpSocket::peek) into possibly uninitialised memory; as
    /// [`recv_uninit`](UdpSocket::recv_uninit).
    ///
    /// # Errors
    /// As for `recv`.
    pub fn peek_uninit<'a>(&self, buf: &'a mut [MaybeUninit<u8>]) -> io::Result<&'a mut [u8]> {
        self.inner.recv_uninit(buf, libc::MSG_PEEK)
    }

    /// The local address (with the real port if it bound port 0).
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.to_inet()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` without [`connect`](UdpSocket::connect); the OS error of
    /// `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()?.to_inet()
    }

    /// Sets `SO_BROADCAST`, needed to send to a broadcast address.
    ///
    /// # Errors
    /// The OS error of `setsockopt`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::SOL_SOCKET, libc::SO_BROADCAST, on)
    }

    /// Reads `SO_BROADCAST`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.flag(libc::SOL_SOCKET, libc::SO_BROADCAST)
    }

    /// Sets `IP_TTL`, the time-to-live of outgoing unicast packets.
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

    /// Sets `IP_MULTICAST_LOOP`: whether IPv4 multicast sent by this host is looped back to
    /// its own listeners.
    ///
    /// # Errors
    /// The OS error of `setsockopt` (for example on an IPv6 socket).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        let value = McastV4::from(on);
        self.inner
            .set_opt(libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, value)
    }

    /// Reads `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        let value: McastV4 = self.inner.opt(libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP)?;
        Ok(value != 0)
    }

    /// Sets `IP_MULTICAST_TTL`, the time-to-live of outgoing IPv4 multicast (default 1:
    /// stay on the local network).
    ///
    /// # Errors
    /// `InvalidInput` for a TTL above 255; the OS error of `setsockopt`.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        let value = ttl_value(ttl)? as McastV4;
        self.inner
            .set_opt(libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, value)
    }

    /// Reads `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        let value: McastV4 = self.inner.opt(libc::IPPROTO_IP, libc::IP_MULTICAST_TTL)?;
        Ok(value as u32)
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error of `setsockopt` (for example on an IPv4 socket).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.inner
            .set_flag(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, on)
    }

    /// Reads `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The OS error of `getsockopt`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.inner
            .flag(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP)
    }

    /// Joins IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`0.0.0.0` lets the kernel choose).
    ///
    /// # Errors
    /// `InvalidInput` if `multiaddr` is not a multicast address; `AddrNotAvailable` or
    /// `ENODEV` if no interface fits; other OS errors of `setsockopt(IP_ADD_MEMBERSHIP)`.
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        let mreq = ip_mreq(multiaddr, interface);
        self.inner
            .set_opt(libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, mreq)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](UdpSocket::join_multicast_v4).
    ///
    /// # Errors
    /// `AddrNotAvailable` if the group was not joined; other OS errors of `setsockopt`.
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        let mreq = ip_mreq(multiaddr, interface);
        self.inner
            .set_opt(libc::IPPROTO_IP, libc::IP_DROP_MEMBERSHIP, mreq)
    }

    /// Joins IPv6 multicast group `multiaddr` on interface index `interface` (0 lets the
    /// kernel choose).
    ///
    /// # Errors
    /// `InvalidInput` if `multiaddr` is not a multicast address; `ENODEV` for an unknown
    /// interface; other OS errors of `setsockopt(IPV6_JOIN_GROUP)`.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.set_opt(
            libc::IPPROTO_IPV6,
            IPV6_JOIN,
            ipv6_mreq(multiaddr, interface),
        )
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// # Errors
    /// `AddrNotAvailable` if the group was not joined; other OS errors of `setsockopt`.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.inner.set_opt(
            libc::IPPROTO_IPV6,
            IPV6_LEAVE,
            ipv6_mreq(multiaddr, interface),
        )
    }

    crate::__packet_options!(|this| this.inner);

    /// Takes the pending socket error (`SO_ERROR`), clearing it; for example the
    /// `ConnectionRefused` left by an ICMP port-unreachable reply.
    ///
    /// # Errors
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }
}

fn ip_mreq(multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> libc::ip_mreq {
    libc::ip_mreq {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from_ne_bytes(multiaddr.octets()),
        },
        imr_interface: libc::in_addr {
            s_addr: u32::from_ne_bytes(interface.octets()),
        },
    }
}

fn ipv6_mreq(multiaddr: &Ipv6Addr, interface: u32) -> libc::ipv6_mreq {
    libc::ipv6_mreq {
        ipv6mr_multiaddr: libc::in6_addr {
            s6_addr: multiaddr.octets(),
        },
        ipv6mr_interface: interface as _,
    }
}

impl_fd_traits!(UdpSocket);
impl_source!(UdpSocket);
