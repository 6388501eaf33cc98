//! Socket options: broadcast, TTL, IPv4/IPv6 multicast membership and loopback, the TOS and
//! traffic-class bytes, and binding to one network interface.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::udp::UdpSocket;

impl UdpSocket {
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

    /// Sets `IP_TOS`, the type-of-service byte (DSCP and ECN bits) of outgoing IPv4
    /// packets. It may have no effect on an IPv6 socket.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above 255 (the field is one byte); the OS error of `setsockopt`.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.io.get_ref().set_tos_v4(tos)
    }

    /// Reads `IP_TOS` (see [`set_tos_v4`](Self::set_tos_v4)).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.io.get_ref().tos_v4()
    }

    /// The old name of [`tos_v4`](Self::tos_v4), kept so code written for it still builds.
    ///
    /// # Errors
    ///
    /// As for `tos_v4`.
    #[deprecated(note = "renamed `tos_v4`: the option applies to IPv4 only")]
    #[doc(hidden)]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// The old name of [`set_tos_v4`](Self::set_tos_v4), kept so code written for it still
    /// builds.
    ///
    /// # Errors
    ///
    /// As for `set_tos_v4`.
    #[deprecated(note = "renamed `set_tos_v4`: the option applies to IPv4 only")]
    #[doc(hidden)]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// Sets `IPV6_TCLASS`, the traffic-class byte of outgoing IPv6 packets (the IPv6
    /// counterpart of [`set_tos_v4`](Self::set_tos_v4)). It may have no effect on an IPv4
    /// socket.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above 255; the OS error of `setsockopt`.
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
    ))]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        self.io.get_ref().set_tclass_v6(tclass)
    }

    /// Reads `IPV6_TCLASS` (see [`set_tclass_v6`](Self::set_tclass_v6)).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
    ))]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.io.get_ref().tclass_v6()
    }

    /// Sets `SO_BINDTODEVICE`: only packets that arrive through the interface named
    /// `interface` (for example `b"eth0"`) reach the socket, and its packets leave through
    /// that interface. `None` or an empty name removes the binding. Needs `CAP_NET_RAW`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a name longer than 15 bytes (`IFNAMSIZ` less the terminating NUL)
    /// or with a NUL inside, which the kernel would silently cut short; `NotFound` if no
    /// interface has that name (`ENODEV`); `PermissionDenied` without `CAP_NET_RAW`; other
    /// OS errors of `setsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        self.io.get_ref().bind_device(interface)
    }

    /// Reads `SO_BINDTODEVICE`: the name of the interface the socket is bound to (without a
    /// NUL), or `None` if it is not bound to one.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        self.io.get_ref().device()
    }
}
