//! [`RawAddr`]: the one place where Rust socket addresses become C `sockaddr`s and back.
//!
//! Every socket call that takes or returns an address (`bind`, `connect`, `accept`,
//! `sendto`, `recvfrom`, `getsockname`, `getpeername`) speaks `struct sockaddr *` plus a length.
//! A `sockaddr_storage` is large and aligned enough for every family corium uses
//! (`sockaddr_in`, `sockaddr_in6`, `sockaddr_un`), so one type serves TCP, UDP and Unix
//! sockets alike, and the family-specific code lives only here.
//!
//! BSD-derived systems (Apple, FreeBSD, NetBSD, OpenBSD, DragonFly) start each `sockaddr`
//! with a one-byte length field (`sin_len`, `sin6_len`, `sun_len`); Linux has none.

use std::ffi::OsStr;
use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::SocketAddr as UnixAddr;
use std::path::Path;

/// A C socket address: a `sockaddr_storage` and the number of its bytes in use.
pub(crate) struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl RawAddr {
    /// An all-zero address with room for any family, to be filled by the kernel through
    /// [`RawAddr::as_mut_ptr`] and [`RawAddr::len_mut`].
    pub(crate) fn empty() -> RawAddr {
        RawAddr {
            // SAFETY: sockaddr_storage is plain old data (integers and byte arrays), for which
            // all-zero bytes are a valid value.
            storage: unsafe { mem::zeroed() },
            len: mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    /// The address as the `const struct sockaddr *` that `bind`/`connect`/`sendto` take.
    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        (&self.storage as *const libc::sockaddr_storage).cast()
    }

    /// The storage as the `struct sockaddr *` that `accept`/`recvfrom`/`getsockname` fill.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&mut self.storage as *mut libc::sockaddr_storage).cast()
    }

    /// The length in use, for calls that read the address.
    pub(crate) fn len(&self) -> libc::socklen_t {
        self.len
    }

    /// The length as the in/out `socklen_t *` of calls that fill the address: in, the room
    /// there is (set by [`RawAddr::empty`]); out, the bytes the kernel wrote.
    pub(crate) fn len_mut(&mut self) -> &mut libc::socklen_t {
        &mut self.len
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`).
    pub(crate) fn family(&self) -> libc::c_int {
        libc::c_int::from(self.storage.ss_family)
    }

    /// Builds a `sockaddr_in` or `sockaddr_in6`.
    pub(crate) fn from_inet(addr: &SocketAddr) -> RawAddr {
        let mut raw = RawAddr::empty();
        match addr {
            SocketAddr::V4(v4) => {
                // SAFETY: sockaddr_storage is at least as large and as aligned as any
                // sockaddr_* (that is its purpose), and all-zero bytes are a valid sockaddr_in,
                // so viewing the storage as one is sound.
                let sin = unsafe { &mut *raw.as_mut_ptr().cast::<libc::sockaddr_in>() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = v4.port().to_be();
                sin.sin_addr = libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                };
                raw.len = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            }
            SocketAddr::V6(v6) => {
                // SAFETY: as above, for sockaddr_in6.
                let sin6 = unsafe { &mut *raw.as_mut_ptr().cast::<libc::sockaddr_in6>() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = v6.port().to_be();
                sin6.sin6_addr = libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                };
                // std keeps both exactly as the C fields hold them: they pass through as is.
                sin6.sin6_flowinfo = v6.flowinfo();
                sin6.sin6_scope_id = v6.scope_id();
                raw.len = mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            }
        }
        raw.set_bsd_len();
        raw
    }

    /// Reads back a `sockaddr_in` or `sockaddr_in6` filled by the kernel.
    ///
    /// # Errors
    /// `InvalidInput` if the kernel returned another family (for example an `AF_UNIX` fd
    /// wrapped as a TCP type through `from_raw_fd`).
    pub(crate) fn to_inet(&self) -> io::Result<SocketAddr> {
        match self.family() {
            libc::AF_INET if self.len as usize >= mem::size_of::<libc::sockaddr_in>() => {
                // SAFETY: the family says the kernel wrote a sockaddr_in, the length says all
                // of it, and the storage is aligned for it.
                let sin = unsafe { &*self.as_ptr().cast::<libc::sockaddr_in>() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Ok(SocketAddrV4::new(ip, u16::from_be(sin.sin_port)).into())
            }
            libc::AF_INET6 if self.len as usize >= mem::size_of::<libc::sockaddr_in6>() => {
                // SAFETY: as above, for sockaddr_in6.
                let sin6 = unsafe { &*self.as_ptr().cast::<libc::sockaddr_in6>() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                let port = u16::from_be(sin6.sin6_port);
                Ok(SocketAddrV6::new(ip, port, sin6.sin6_flowinfo, sin6.sin6_scope_id).into())
            }
            family => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "expected an IPv4 or IPv6 socket address but the socket has address family \
                     {family} ({} bytes): is this fd really a TCP/UDP socket?",
                    self.len
                ),
            )),
        }
    }

    /// Builds a `sockaddr_un` for a filesystem path — or, on Linux and Android, for an
    /// abstract name when the "path" starts with a NUL byte (`"\0name"`, as tokio accepts).
    ///
    /// # Errors
    /// `InvalidInput` if the path holds a NUL byte (anywhere but first, on Linux), or does not
    /// fit in `sun_path` with its terminating NUL.
    pub(crate) fn from_path(path: &Path) -> io::Result<RawAddr> {
        let bytes = path.as_os_str().as_bytes();
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(name) = bytes.strip_prefix(&[0]) {
            return RawAddr::from_abstract(name);
        }
        if bytes.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "unix socket path {path:?} contains a NUL byte, which sun_path cannot hold"
                ),
            ));
        }
        // Room for the terminating NUL, which some systems require to find the end.
        RawAddr::unix_with(bytes, 1, || format!("path {path:?}"))
    }

    /// Builds a `sockaddr_un` for a std unix address: a path, or on Linux and Android an
    /// abstract name.
    ///
    /// # Errors
    /// `InvalidInput` for an unnamed address (nothing to bind or connect to) or one that does
    /// not fit in `sun_path`.
    pub(crate) fn from_unix(addr: &UnixAddr) -> io::Result<RawAddr> {
        if let Some(path) = addr.as_pathname() {
            return RawAddr::from_path(path);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(name) = abstract_name(addr) {
            return RawAddr::from_abstract(name);
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an unnamed unix socket address cannot be bound or connected to: use an address \
             with a path (SocketAddr::from_pathname) or, on Linux, an abstract name",
        ))
    }

    /// Builds a `sockaddr_un` for a Linux abstract name (the bytes after the leading NUL).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn from_abstract(name: &[u8]) -> io::Result<RawAddr> {
        // An abstract name is a leading NUL then the name's bytes, no terminator: the length
        // alone delimits it, so the NUL is part of the name's room.
        let mut with_nul = Vec::with_capacity(name.len() + 1);
        with_nul.push(0);
        with_nul.extend_from_slice(name);
        RawAddr::unix_with(&with_nul, 0, || {
            format!("abstract name {:?}", String::from_utf8_lossy(name))
        })
    }

    /// Fills a `sockaddr_un` whose `sun_path` starts with `bytes`, keeping `spare` more bytes
    /// of `sun_path` zero; `what` names the address in the error.
    fn unix_with(bytes: &[u8], spare: usize, what: impl Fn() -> String) -> io::Result<RawAddr> {
        let mut raw = RawAddr::empty();
        // SAFETY: sockaddr_storage is at least as large and as aligned as sockaddr_un, and
        // all-zero bytes are a valid sockaddr_un.
        let sun = unsafe { &mut *raw.as_mut_ptr().cast::<libc::sockaddr_un>() };
        let room = sun.sun_path.len();
        if bytes.len() + spare > room {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "unix socket {} is {} bytes, but sun_path holds at most {} on this OS \
                     (including the terminating NUL): use a shorter path, for example a \
                     relative one or a shorter directory",
                    what(),
                    bytes.len(),
                    room
                ),
            ));
        }
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (dst, &src) in sun.sun_path.iter_mut().zip(bytes) {
            *dst = src as libc::c_char;
        }
        raw.len = (sun_path_offset() + bytes.len() + spare) as libc::socklen_t;
        raw.set_bsd_len();
        Ok(raw)
    }

    /// Reads back a `sockaddr_un` filled by the kernel as a std unix address.
    ///
    /// # Errors
    /// `InvalidInput` if the kernel returned another family.
    pub(crate) fn to_unix(&self) -> io::Result<UnixAddr> {
        let offset = sun_path_offset();
        // A datagram from an unbound socket comes with no address at all on some systems
        // (length 0) and with only the family on others: both mean "unnamed".
        if self.len == 0 || self.len as usize <= offset {
            return unnamed();
        }
        if self.family() != libc::AF_UNIX {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "expected a unix socket address but the socket has address family {}: is \
                     this fd really a unix socket?",
                    self.family()
                ),
            ));
        }
        // SAFETY: the family is AF_UNIX, so the kernel wrote a sockaddr_un, which fits in
        // (and is aligned within) the storage.
        let sun = unsafe { &*self.as_ptr().cast::<libc::sockaddr_un>() };
        let used = (self.len as usize - offset).min(sun.sun_path.len());
        // SAFETY: `c_char` and `u8` have the same size and alignment, and `used` is within
        // the array.
        let path: &[u8] = unsafe { std::slice::from_raw_parts(sun.sun_path.as_ptr().cast(), used) };
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if path.first() == Some(&0) {
            return from_abstract_name(&path[1..]);
        }
        // The kernel may count a terminating NUL (Linux) or the whole array (BSD): a path
        // name ends at its first NUL.
        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
        if end == 0 {
            return unnamed();
        }
        UnixAddr::from_pathname(Path::new(OsStr::from_bytes(&path[..end])))
    }

    /// Sets the BSD length byte, which the kernel checks against the length argument.
    fn set_bsd_len(&mut self) {
        #[cfg(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        ))]
        {
            // Every sockaddr corium builds is at most sizeof(sockaddr_storage) = 128 bytes.
            self.storage.ss_len = self.len as u8;
        }
    }
}

/// Where `sun_path` starts inside `sockaddr_un` (after `sun_family`, and `sun_len` on BSD).
fn sun_path_offset() -> usize {
    mem::offset_of!(libc::sockaddr_un, sun_path)
}

/// std has no constructor for an unnamed address, but an empty path is exactly that: its
/// length is the bare `sun_path` offset, which std reports as unnamed (a unit test pins this).
fn unnamed() -> io::Result<UnixAddr> {
    UnixAddr::from_pathname("")
}

#[cfg(target_os = "android")]
use std::os::android::net::SocketAddrExt;
#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_name(addr: &UnixAddr) -> Option<&[u8]> {
    addr.as_abstract_name()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn from_abstract_name(name: &[u8]) -> io::Result<UnixAddr> {
    UnixAddr::from_abstract_name(name)
}

/// For trace lines: `127.0.0.1:6142`, `[::1]:80`, a unix address as std shows it, or `-` for
/// storage the kernel did not fill (a call that failed).
impl std::fmt::Display for RawAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.family() {
            libc::AF_INET | libc::AF_INET6 => match self.to_inet() {
                Ok(addr) => write!(f, "{addr}"),
                Err(_) => write!(f, "{self:?}"),
            },
            libc::AF_UNIX => match self.to_unix() {
                Ok(addr) => write!(f, "{addr:?}"),
                Err(_) => write!(f, "{self:?}"),
            },
            libc::AF_UNSPEC => f.write_str("-"),
            _ => write!(f, "{self:?}"),
        }
    }
}

impl std::fmt::Debug for RawAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawAddr")
            .field("family", &self.family())
            .field("len", &self.len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_round_trip() {
        for text in ["127.0.0.1:8080", "[::1]:443", "[fe80::1%7]:9", "0.0.0.0:0"] {
            let addr: SocketAddr = text.parse().unwrap();
            assert_eq!(RawAddr::from_inet(&addr).to_inet().unwrap(), addr, "{text}");
        }
        let v6 = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0x1234, 3));
        assert_eq!(RawAddr::from_inet(&v6).to_inet().unwrap(), v6);
    }

    #[test]
    fn port_is_network_order() {
        let raw = RawAddr::from_inet(&"10.0.0.1:258".parse().unwrap());
        // SAFETY: from_inet wrote a sockaddr_in into the aligned storage.
        let sin = unsafe { &*raw.as_ptr().cast::<libc::sockaddr_in>() };
        let port_bytes = sin.sin_port.to_ne_bytes();
        assert_eq!(port_bytes, [1, 2]);
        assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), [10, 0, 0, 1]);
    }

    #[test]
    fn empty_path_is_unnamed() {
        assert!(unnamed().unwrap().is_unnamed());
        // What recvfrom reports for a datagram from an unbound socket on some systems.
        let mut raw = RawAddr::empty();
        *raw.len_mut() = 0;
        assert!(raw.to_unix().unwrap().is_unnamed());
    }

    #[test]
    fn path_round_trip() {
        let raw = RawAddr::from_path(Path::new("/tmp/corium.sock")).unwrap();
        assert_eq!(raw.family(), libc::AF_UNIX);
        let back = raw.to_unix().unwrap();
        assert_eq!(back.as_pathname(), Some(Path::new("/tmp/corium.sock")));
    }

    #[test]
    fn too_long_path_names_the_limit() {
        let long = "x".repeat(200);
        let err = RawAddr::from_path(Path::new(&long)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let msg = err.to_string();
        assert!(
            msg.contains("200 bytes") && msg.contains("at most"),
            "{msg}"
        );
    }

    #[test]
    fn nul_in_path_is_rejected() {
        let err = RawAddr::from_path(Path::new(OsStr::from_bytes(b"a\0b"))).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn abstract_round_trip() {
        let addr = UnixAddr::from_abstract_name(b"corium\0test").unwrap();
        let back = RawAddr::from_unix(&addr).unwrap().to_unix().unwrap();
        assert_eq!(back.as_abstract_name(), Some(&b"corium\0test"[..]));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_leading_nul_in_a_path_is_an_abstract_name() {
        let raw = RawAddr::from_path(Path::new(OsStr::from_bytes(b"\0corium-abs"))).unwrap();
        let back = raw.to_unix().unwrap();
        assert_eq!(back.as_abstract_name(), Some(&b"corium-abs"[..]));
        assert!(back.as_pathname().is_none());
    }

    #[test]
    fn wrong_family_is_an_error() {
        let raw = RawAddr::from_path(Path::new("/x")).unwrap();
        assert_eq!(
            raw.to_inet().unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let inet = RawAddr::from_inet(&"127.0.0.1:1".parse().unwrap());
        assert_eq!(
            inet.to_unix().unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }
}
