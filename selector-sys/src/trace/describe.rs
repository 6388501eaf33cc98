//! Names for the integer arguments of syscalls, for trace lines: `SOL_SOCKET, SO_REUSEADDR`
//! rather than `1, 2`. Each helper is a cheap wrapper whose `Display` does the work, so it
//! costs nothing unless a line is actually written.

use std::fmt;

/// Writes the names of the bits of `value` found in `names`, `|`-separated, then any bits
/// left over in hex; `0` if there are none.
fn bits(f: &mut fmt::Formatter<'_>, value: i64, names: &[(i64, &str)]) -> fmt::Result {
    if value == 0 {
        return f.write_str("0");
    }
    let mut rest = value;
    let mut sep = "";
    for &(bit, name) in names {
        if bit != 0 && rest & bit == bit {
            write!(f, "{sep}{name}")?;
            sep = "|";
            rest &= !bit;
        }
    }
    if rest != 0 {
        write!(f, "{sep}{rest:#x}")?;
    }
    Ok(())
}

/// The first name in `names` for `value`, or the number.
fn name(f: &mut fmt::Formatter<'_>, value: i64, names: &[(i64, &str)]) -> fmt::Result {
    match names.iter().find(|&&(v, _)| v == value) {
        Some((_, name)) => f.write_str(name),
        None => write!(f, "{value}"),
    }
}

/// An errno by name (`EAGAIN`), `errno <n>` for one without a name, `0` for none.
pub(crate) struct Errno(pub(crate) i32);

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, super::errno_name(self.0)) {
            (0, _) => f.write_str("0"),
            (_, Some(name)) => f.write_str(name),
            (errno, None) => write!(f, "errno {errno}"),
        }
    }
}

/// An `epoll_wait` timeout in milliseconds: `block` for -1.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) struct WaitMs(pub(crate) libc::c_int);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl fmt::Display for WaitMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            -1 => f.write_str("block"),
            ms => write!(f, "{ms}ms"),
        }
    }
}

/// A timeout as a `Duration`: `block` for none.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) struct Timeout(pub(crate) Option<std::time::Duration>);

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("block"),
            Some(t) => write!(f, "{t:?}"),
        }
    }
}

/// A socket address family.
pub(crate) struct Family(pub(crate) libc::c_int);

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (libc::AF_INET, "AF_INET"),
            (libc::AF_INET6, "AF_INET6"),
            (libc::AF_UNIX, "AF_UNIX"),
        ];
        name(f, i64::from(self.0), &names.map(|(v, n)| (i64::from(v), n)))
    }
}

/// A socket type with its creation flags (`SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC`).
pub(crate) struct SockType(pub(crate) libc::c_int);

impl fmt::Display for SockType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(target_vendor = "apple"))]
        let (flags, ty) = {
            let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
            (self.0 & flags, self.0 & !flags)
        };
        #[cfg(target_vendor = "apple")]
        let (flags, ty) = (0, self.0);
        let types = [
            (libc::SOCK_STREAM, "SOCK_STREAM"),
            (libc::SOCK_DGRAM, "SOCK_DGRAM"),
            (libc::SOCK_SEQPACKET, "SOCK_SEQPACKET"),
        ];
        name(f, i64::from(ty), &types.map(|(v, n)| (i64::from(v), n)))?;
        if flags != 0 {
            f.write_str("|")?;
            SockFlags(flags).fmt(f)?;
        }
        Ok(())
    }
}

/// `SOCK_NONBLOCK|SOCK_CLOEXEC` flags, as `accept4` and `socket` take them.
pub(crate) struct SockFlags(pub(crate) libc::c_int);

impl fmt::Display for SockFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(target_vendor = "apple"))]
        let names = [
            (libc::SOCK_NONBLOCK, "SOCK_NONBLOCK"),
            (libc::SOCK_CLOEXEC, "SOCK_CLOEXEC"),
        ];
        #[cfg(target_vendor = "apple")]
        let names: [(libc::c_int, &str); 0] = [];
        bits(f, i64::from(self.0), &names.map(|(v, n)| (i64::from(v), n)))
    }
}

/// A socket option: `SOL_SOCKET, SO_REUSEADDR`.
pub(crate) struct OptName(pub(crate) libc::c_int, pub(crate) libc::c_int);

impl fmt::Display for OptName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let levels = [
            (libc::SOL_SOCKET, "SOL_SOCKET"),
            (libc::IPPROTO_TCP, "IPPROTO_TCP"),
            (libc::IPPROTO_IP, "IPPROTO_IP"),
            (libc::IPPROTO_IPV6, "IPPROTO_IPV6"),
        ];
        let options: &[(libc::c_int, libc::c_int, &str)] = &[
            (libc::SOL_SOCKET, libc::SO_REUSEADDR, "SO_REUSEADDR"),
            (libc::SOL_SOCKET, libc::SO_ERROR, "SO_ERROR"),
            (libc::SOL_SOCKET, libc::SO_BROADCAST, "SO_BROADCAST"),
            (libc::SOL_SOCKET, libc::SO_LINGER, "SO_LINGER"),
            (libc::SOL_SOCKET, libc::SO_KEEPALIVE, "SO_KEEPALIVE"),
            (libc::IPPROTO_TCP, libc::TCP_NODELAY, "TCP_NODELAY"),
            (libc::IPPROTO_IP, libc::IP_TTL, "IP_TTL"),
            (
                libc::IPPROTO_IP,
                libc::IP_MULTICAST_LOOP,
                "IP_MULTICAST_LOOP",
            ),
            (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, "IP_MULTICAST_TTL"),
            (
                libc::IPPROTO_IP,
                libc::IP_ADD_MEMBERSHIP,
                "IP_ADD_MEMBERSHIP",
            ),
            (
                libc::IPPROTO_IP,
                libc::IP_DROP_MEMBERSHIP,
                "IP_DROP_MEMBERSHIP",
            ),
            (
                libc::IPPROTO_IPV6,
                libc::IPV6_MULTICAST_LOOP,
                "IPV6_MULTICAST_LOOP",
            ),
        ];
        let (level, option) = (self.0, self.1);
        name(f, i64::from(level), &levels.map(|(v, n)| (i64::from(v), n)))?;
        match options.iter().find(|&&(l, o, _)| l == level && o == option) {
            Some((_, _, name)) => write!(f, ", {name}"),
            None => write!(f, ", {option}"),
        }
    }
}

/// A `shutdown` direction.
pub(crate) struct How(pub(crate) libc::c_int);

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (libc::SHUT_RD, "SHUT_RD"),
            (libc::SHUT_WR, "SHUT_WR"),
            (libc::SHUT_RDWR, "SHUT_RDWR"),
        ];
        name(f, i64::from(self.0), &names.map(|(v, n)| (i64::from(v), n)))
    }
}

/// `send`/`recv` flags.
pub(crate) struct MsgFlags(pub(crate) libc::c_int);

impl fmt::Display for MsgFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(not(target_vendor = "apple"))]
        let names = [
            (libc::MSG_PEEK, "MSG_PEEK"),
            (libc::MSG_NOSIGNAL, "MSG_NOSIGNAL"),
        ];
        #[cfg(target_vendor = "apple")]
        let names = [(libc::MSG_PEEK, "MSG_PEEK")];
        bits(f, i64::from(self.0), &names.map(|(v, n)| (i64::from(v), n)))
    }
}

/// A kevent changelist after the call: each change with its receipt, as
/// `[fd 7 READ ADD|CLEAR|RECEIPT → ok, fd 7 WRITE ADD|CLEAR|RECEIPT → ENOENT]`. The kqueue
/// backend passes the changelist as the event list too, so after the call each slot holds its
/// change's receipt (`EV_ERROR` set, `data` the errno or 0).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) struct Kevents<'a>(pub(crate) &'a [libc::kevent]);

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl fmt::Display for Kevents<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filters = [
            (i64::from(libc::EVFILT_READ), "READ"),
            (i64::from(libc::EVFILT_WRITE), "WRITE"),
            (i64::from(libc::EVFILT_USER), "USER"),
        ];
        let flags = [
            (i64::from(libc::EV_ADD), "ADD"),
            (i64::from(libc::EV_DELETE), "DELETE"),
            (i64::from(libc::EV_ENABLE), "ENABLE"),
            (i64::from(libc::EV_DISABLE), "DISABLE"),
            (i64::from(libc::EV_CLEAR), "CLEAR"),
            (i64::from(libc::EV_RECEIPT), "RECEIPT"),
            (i64::from(libc::EV_ONESHOT), "ONESHOT"),
            (i64::from(libc::EV_EOF), "EOF"),
        ];
        f.write_str("[")?;
        for (i, kev) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            // Copied out: `struct kevent` is packed on some targets (macOS on ARM).
            let (ident, filter, kflags, data) = (kev.ident, kev.filter, kev.flags, kev.data);
            write!(f, "{ident} ")?;
            name(f, i64::from(filter), &filters)?;
            f.write_str(" ")?;
            bits(f, i64::from(kflags & !libc::EV_ERROR), &flags)?;
            if kflags & libc::EV_ERROR != 0 {
                match i32::try_from(data).unwrap_or(i32::MAX) {
                    0 => f.write_str(" → ok")?,
                    errno => write!(f, " → {}", Errno(errno))?,
                }
            }
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Errno(libc::EINPROGRESS).to_string(), "EINPROGRESS");
        assert_eq!(Errno(0).to_string(), "0");
        assert_eq!(Errno(-7).to_string(), "errno -7");
        assert_eq!(Family(libc::AF_INET6).to_string(), "AF_INET6");
        assert_eq!(
            OptName(libc::SOL_SOCKET, libc::SO_REUSEADDR).to_string(),
            "SOL_SOCKET, SO_REUSEADDR"
        );
        assert_eq!(
            OptName(libc::SOL_SOCKET, 9999).to_string(),
            "SOL_SOCKET, 9999"
        );
        assert_eq!(How(libc::SHUT_WR).to_string(), "SHUT_WR");
        assert_eq!(MsgFlags(0).to_string(), "0");
        assert_eq!(MsgFlags(libc::MSG_PEEK).to_string(), "MSG_PEEK");
        assert_eq!(SockType(libc::SOCK_DGRAM).to_string(), "SOCK_DGRAM");
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            assert_eq!(WaitMs(-1).to_string(), "block");
            assert_eq!(WaitMs(5).to_string(), "5ms");
            assert_eq!(
                SockType(libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC).to_string(),
                "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"
            );
            assert_eq!(
                MsgFlags(libc::MSG_NOSIGNAL | 0x4000_0000).to_string(),
                "MSG_NOSIGNAL|0x40000000"
            );
        }
    }
}
