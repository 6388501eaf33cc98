//! Less common socket options on [`Socket`]: the IPv4 type-of-service byte, the IPv6 traffic
//! class, Linux's quick-ACK switch and binding a socket to one network interface.
//!
//! Each is a single `setsockopt`/`getsockopt` through [`Socket::set_opt`]/[`Socket::opt`];
//! what this file adds is the checking done *before* the kernel sees a value, because the
//! kernel silently truncates what does not fit (a TOS above 255, an interface name longer than
//! `IFNAMSIZ - 1`) and would then act on a value nobody asked for.
//!
//! The `cfg` gates follow where the option exists: `IP_TOS` everywhere corium builds,
//! `IPV6_TCLASS` on Linux, Android, macOS and the BSDs, `TCP_QUICKACK` and `SO_BINDTODEVICE`
//! on Linux and Android only.

use std::io;

use super::socket::{header_byte, Socket};

impl Socket {
    /// `IP_TOS`: the type-of-service byte (DSCP and ECN bits) of outgoing IPv4 packets.
    pub(crate) fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        let value = header_byte("IPv4 type of service (IP_TOS)", tos)?;
        self.set_opt(libc::IPPROTO_IP, libc::IP_TOS, value)
    }

    /// Reads `IP_TOS`.
    pub(crate) fn tos_v4(&self) -> io::Result<u32> {
        Ok(self.opt::<libc::c_int>(libc::IPPROTO_IP, libc::IP_TOS)? as u32)
    }
}

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
impl Socket {
    /// `IPV6_TCLASS`: the traffic-class byte of outgoing IPv6 packets.
    pub(crate) fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        let value = header_byte("IPv6 traffic class (IPV6_TCLASS)", tclass)?;
        self.set_opt(libc::IPPROTO_IPV6, libc::IPV6_TCLASS, value)
    }

    /// Reads `IPV6_TCLASS`.
    pub(crate) fn tclass_v6(&self) -> io::Result<u32> {
        Ok(self.opt::<libc::c_int>(libc::IPPROTO_IPV6, libc::IPV6_TCLASS)? as u32)
    }
}

/// The Linux-only options: quick ACKs and binding to an interface.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
mod linux {
    use std::io;

    use super::Socket;

    impl Socket {
        /// `TCP_QUICKACK`: acknowledge at once instead of delaying ACKs. Linux clears it again
        /// by itself as the connection goes on, so it is a hint, not a mode.
        pub(crate) fn set_quickack(&self, quickack: bool) -> io::Result<()> {
            self.set_flag(libc::IPPROTO_TCP, libc::TCP_QUICKACK, quickack)
        }

        /// Reads `TCP_QUICKACK`.
        pub(crate) fn quickack(&self) -> io::Result<bool> {
            self.flag(libc::IPPROTO_TCP, libc::TCP_QUICKACK)
        }

        /// `SO_BINDTODEVICE`: only traffic through the named interface reaches the socket, and
        /// its packets leave through it. `None` or an empty name removes the binding.
        pub(crate) fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
            let name = interface.unwrap_or_default();
            let value = device_name(name)?;
            self.set_opt(libc::SOL_SOCKET, libc::SO_BINDTODEVICE, value)
                .map_err(|e| explain_bind_device(e, name))
        }

        /// Reads `SO_BINDTODEVICE`: the interface name, or `None` when the socket is not bound
        /// to one.
        pub(crate) fn device(&self) -> io::Result<Option<Vec<u8>>> {
            // Linux refuses (EINVAL) a buffer shorter than IFNAMSIZ, and writes the name with its
            // NUL, or nothing at all when unbound; the buffer starts zeroed, so the first NUL
            // ends the name in both cases.
            let buf: DeviceName = self.opt(libc::SOL_SOCKET, libc::SO_BINDTODEVICE)?;
            let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            Ok((len > 0).then(|| buf[..len].to_vec()))
        }
    }

    /// An interface name as `SO_BINDTODEVICE` takes and returns it: NUL-terminated, in a buffer
    /// of `IFNAMSIZ` bytes.
    type DeviceName = [u8; libc::IFNAMSIZ];

    // SAFETY: a byte array is valid for any bit pattern.
    unsafe impl crate::net::socket::SockOpt for DeviceName {}

    /// Copies an interface name into the NUL-terminated form `SO_BINDTODEVICE` takes, refusing
    /// what the kernel would otherwise cut short and then bind to a *different* interface.
    fn device_name(name: &[u8]) -> io::Result<DeviceName> {
        // A C-style name with its terminator is the same name.
        let bare = name.strip_suffix(b"\0").unwrap_or(name);
        if bare.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "interface name \"{}\" contains a NUL byte: the kernel would read only the \
                     part before it",
                    bare.escape_ascii()
                ),
            ));
        }
        let mut buf: DeviceName = [0; libc::IFNAMSIZ];
        // One byte stays for the terminating NUL.
        if bare.len() >= buf.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "interface name \"{}\" is {} bytes long: names are at most {} bytes \
                     (IFNAMSIZ is {} including the terminating NUL)",
                    bare.escape_ascii(),
                    bare.len(),
                    libc::IFNAMSIZ - 1,
                    libc::IFNAMSIZ
                ),
            ));
        }
        buf[..bare.len()].copy_from_slice(bare);
        Ok(buf)
    }

    /// Names the interface and the likely fix in the two errors a caller can act on; `ENODEV`
    /// has no `ErrorKind` of its own in std, which would leave it uncategorised.
    fn explain_bind_device(e: io::Error, name: &[u8]) -> io::Error {
        let name = name.escape_ascii();
        match e.raw_os_error() {
            Some(libc::ENODEV) => io::Error::new(
                io::ErrorKind::NotFound,
                format!("no network interface is named \"{name}\" ({e}); `ip link` lists them"),
            ),
            Some(libc::EPERM) => io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("binding a socket to interface \"{name}\" needs CAP_NET_RAW ({e})"),
            ),
            _ => e,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn device_names_are_checked_before_the_kernel() {
            assert_eq!(&device_name(b"lo").unwrap()[..3], b"lo\0");
            assert_eq!(device_name(b"lo\0").unwrap(), device_name(b"lo").unwrap());
            assert_eq!(device_name(b"").unwrap(), [0; libc::IFNAMSIZ]);
            let longest = [b'a'; libc::IFNAMSIZ - 1];
            assert_eq!(
                &device_name(&longest).unwrap()[..libc::IFNAMSIZ - 1],
                &longest
            );
            let err = device_name(&[b'a'; libc::IFNAMSIZ]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("at most 15 bytes"), "{err}");
            let err = device_name(b"lo\0x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("NUL"), "{err}");
        }
    }
}

/// Generates, inside an `impl` block, the public forms of the options above for a socket type
/// that reaches a type having them (the sys `TcpSocket`/`UdpSocket` reach [`Socket`]; corium's
/// async `TcpSocket`/`UdpSocket` reach the sys ones): `set_tos_v4`, `tos_v4`,
/// `set_tclass_v6`, `tclass_v6`, `bind_device` and `device`, each gated to the platforms
/// that have it. One definition for every layer and transport, so the docs, the platform
/// lists and the forwarding cannot drift apart.
///
/// `|this| expr` says how to reach the inner socket from `this` (which is `&self`);
/// `deprecated_tos` adds tokio's old `tos`/`set_tos` names, hidden and deprecated.
#[doc(hidden)]
#[macro_export]
macro_rules! __packet_options {
    (|$this:ident| $inner:expr, deprecated_tos) => {
        $crate::__packet_options!(|$this| $inner);

        /// The old name of [`tos_v4`](Self::tos_v4), kept so code written for it still builds.
        ///
        /// # Errors
        /// As for `tos_v4`.
        #[deprecated(note = "renamed `tos_v4`: the option applies to IPv4 only")]
        #[doc(hidden)]
        pub fn tos(&self) -> ::std::io::Result<u32> {
            self.tos_v4()
        }

        /// The old name of [`set_tos_v4`](Self::set_tos_v4), kept so code written for it
        /// still builds.
        ///
        /// # Errors
        /// As for `set_tos_v4`.
        #[deprecated(note = "renamed `set_tos_v4`: the option applies to IPv4 only")]
        #[doc(hidden)]
        pub fn set_tos(&self, tos: u32) -> ::std::io::Result<()> {
            self.set_tos_v4(tos)
        }
    };
    (|$this:ident| $inner:expr) => {
        /// Sets `IP_TOS`, the type-of-service byte (DSCP and ECN bits) of outgoing IPv4
        /// packets. Linux keeps the ECN bits of a TCP socket for itself, so only the DSCP
        /// part of the value sticks there.
        ///
        /// # Errors
        /// `InvalidInput` above 255 (the field is one byte); the OS error of `setsockopt`
        /// (for example on an IPv6 socket).
        pub fn set_tos_v4(&self, tos: u32) -> ::std::io::Result<()> {
            let $this = self;
            $inner.set_tos_v4(tos)
        }

        /// Reads `IP_TOS` (see [`set_tos_v4`](Self::set_tos_v4)).
        ///
        /// # Errors
        /// The OS error of `getsockopt`.
        pub fn tos_v4(&self) -> ::std::io::Result<u32> {
            let $this = self;
            $inner.tos_v4()
        }

        /// Sets `IPV6_TCLASS`, the traffic-class byte of outgoing IPv6 packets (the IPv6
        /// counterpart of [`set_tos_v4`](Self::set_tos_v4)).
        ///
        /// # Errors
        /// `InvalidInput` above 255; the OS error of `setsockopt` (for example on an IPv4
        /// socket).
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
        pub fn set_tclass_v6(&self, tclass: u32) -> ::std::io::Result<()> {
            let $this = self;
            $inner.set_tclass_v6(tclass)
        }

        /// Reads `IPV6_TCLASS` (see [`set_tclass_v6`](Self::set_tclass_v6)).
        ///
        /// # Errors
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
        pub fn tclass_v6(&self) -> ::std::io::Result<u32> {
            let $this = self;
            $inner.tclass_v6()
        }

        /// Sets `SO_BINDTODEVICE`: only packets through the interface named `interface` (for
        /// example `b"eth0"`) reach the socket, and its packets leave through it. `None` or an
        /// empty name removes the binding. Needs `CAP_NET_RAW`.
        ///
        /// # Errors
        /// `InvalidInput` for a name longer than 15 bytes (`IFNAMSIZ` less its NUL) or with a
        /// NUL inside, which the kernel would silently cut short; `NotFound` if no interface
        /// has that name (`ENODEV`); `PermissionDenied` without `CAP_NET_RAW`; other OS
        /// errors of `setsockopt`.
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
        pub fn bind_device(&self, interface: Option<&[u8]>) -> ::std::io::Result<()> {
            let $this = self;
            $inner.bind_device(interface)
        }

        /// Reads `SO_BINDTODEVICE`: the name of the interface the socket is bound to, without
        /// its NUL, or `None`.
        ///
        /// # Errors
        /// The OS error of `getsockopt`.
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
        pub fn device(&self) -> ::std::io::Result<Option<Vec<u8>>> {
            let $this = self;
            $inner.device()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_byte_refuses_more_than_one_byte() {
        assert_eq!(header_byte("TOS", 0xff).unwrap(), 0xff);
        let err = header_byte("TOS", 0x100).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("0x100"), "{err}");
        // u32::MAX would become -1, "reset to default", after a plain cast.
        assert!(header_byte("TOS", u32::MAX).is_err());
    }

    #[test]
    fn tos_round_trips_on_a_fresh_socket() {
        let s = Socket::new(libc::AF_INET, libc::SOCK_DGRAM).unwrap();
        s.set_tos_v4(0x10).unwrap();
        assert_eq!(s.tos_v4().unwrap(), 0x10);
    }
}
