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

    corium_selector_sys::__packet_options!(|this| this.io.get_ref(), deprecated_tos);
}
