//! How a kqueue event reads: its token and the readiness flags (the table in the backend's
//! module docs), and `Debug` output naming the raw fields.

use std::fmt;

use super::{Event, Flags};
use crate::Token;

pub(crate) fn token(event: &Event) -> Token {
    Token(event.0.udata as usize)
}

pub(crate) fn is_readable(event: &Event) -> bool {
    event.0.filter == libc::EVFILT_READ || event.0.filter == libc::EVFILT_USER
}

pub(crate) fn is_writable(event: &Event) -> bool {
    event.0.filter == libc::EVFILT_WRITE
}

pub(crate) fn is_error(event: &Event) -> bool {
    // With EV_EOF, a socket's pending error (if any) is in fflags.
    event.0.flags & libc::EV_ERROR != 0
        || (event.0.flags & libc::EV_EOF != 0 && event.0.fflags != 0)
}

pub(crate) fn is_read_closed(event: &Event) -> bool {
    event.0.filter == libc::EVFILT_READ && event.0.flags & libc::EV_EOF != 0
}

pub(crate) fn is_write_closed(event: &Event) -> bool {
    event.0.filter == libc::EVFILT_WRITE && event.0.flags & libc::EV_EOF != 0
}

pub(crate) fn is_priority(_: &Event) -> bool {
    false
}

/// Neither `EV_ERROR` nor `EV_EOF`: no error and no closed side (kqueue has no priority).
pub(crate) fn is_plain(event: &Event) -> bool {
    event.0.flags & (libc::EV_ERROR | libc::EV_EOF) == 0
}

/// A POSIX AIO completion (`EVFILT_AIO`), where the OS has that filter.
pub(crate) fn is_aio(event: &Event) -> bool {
    #[cfg(any(
        target_os = "freebsd",
        target_os = "dragonfly",
        target_vendor = "apple"
    ))]
    return event.0.filter == libc::EVFILT_AIO;
    #[cfg(not(any(
        target_os = "freebsd",
        target_os = "dragonfly",
        target_vendor = "apple"
    )))]
    return {
        let _ = event;
        false
    };
}

/// A `lio_listio` completion (`EVFILT_LIO`): FreeBSD only.
pub(crate) fn is_lio(event: &Event) -> bool {
    #[cfg(target_os = "freebsd")]
    return event.0.filter == libc::EVFILT_LIO;
    #[cfg(not(target_os = "freebsd"))]
    return {
        let _ = event;
        false
    };
}

/// Prints the raw kevent — filter and flags by name — for `Debug`.
pub(crate) struct DebugDetails<'a>(pub(crate) &'a Event);

impl fmt::Debug for DebugDetails<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FLAGS: [(Flags, &str); 10] = [
            (libc::EV_ADD, "EV_ADD"),
            (libc::EV_DELETE, "EV_DELETE"),
            (libc::EV_ENABLE, "EV_ENABLE"),
            (libc::EV_DISABLE, "EV_DISABLE"),
            (libc::EV_ONESHOT, "EV_ONESHOT"),
            (libc::EV_CLEAR, "EV_CLEAR"),
            (libc::EV_RECEIPT, "EV_RECEIPT"),
            (libc::EV_DISPATCH, "EV_DISPATCH"),
            (libc::EV_EOF, "EV_EOF"),
            (libc::EV_ERROR, "EV_ERROR"),
        ];
        // Copied out field by field: Apple's kevent is `repr(packed(4))`, so its 8-byte
        // fields cannot be borrowed in place (as formatting would).
        let kev = &self.0 .0;
        let (ident, data, udata) = (kev.ident, kev.data, kev.udata as usize);
        write!(f, "kevent {{ ident: {ident}, filter: ")?;
        match kev.filter {
            libc::EVFILT_READ => write!(f, "EVFILT_READ")?,
            libc::EVFILT_WRITE => write!(f, "EVFILT_WRITE")?,
            libc::EVFILT_USER => write!(f, "EVFILT_USER")?,
            other => write!(f, "{other}")?,
        }
        write!(f, ", flags: ")?;
        let mut rest = kev.flags;
        let mut sep = "";
        for (bit, name) in FLAGS {
            if kev.flags & bit != 0 {
                write!(f, "{sep}{name}")?;
                sep = " | ";
                rest &= !bit;
            }
        }
        if rest != 0 {
            write!(f, "{sep}{rest:#x}")?;
        } else if sep.is_empty() {
            write!(f, "0")?;
        }
        write!(
            f,
            ", fflags: {:#x}, data: {data}, udata: {udata} }}",
            kev.fflags
        )
    }
}
