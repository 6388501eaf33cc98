//! [`Interest`]: which readiness a registration asks the kernel to report.

use std::fmt;
use std::num::NonZeroU8;
use std::ops;

const READABLE: u8 = 0b001;
const WRITABLE: u8 = 0b010;
#[cfg(any(target_os = "linux", target_os = "android"))]
const PRIORITY: u8 = 0b100;
const ERROR: u8 = 0b1000;

/// The readiness a source is registered for.
///
/// An `Interest` is never empty: there is no constant for "nothing", and
/// [`Interest::remove`] returns `None` rather than an empty set. (To stop events, deregister.)
///
/// | interest   | epoll (Linux, Android)     | kqueue (BSD, Apple) |
/// |------------|----------------------------|---------------------|
/// | `READABLE` | `EPOLLIN \| EPOLLRDHUP`    | `EVFILT_READ`       |
/// | `WRITABLE` | `EPOLLOUT`                 | `EVFILT_WRITE`      |
/// | `PRIORITY` | `EPOLLPRI`                 | (not available)     |
/// | `ERROR`    | (nothing: `EPOLLERR` is always reported) | `EVFILT_READ` (errors come as `EV_EOF` with `fflags`) |
///
/// Every registration is edge-triggered (`EPOLLET`, `EV_CLEAR`).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interest(NonZeroU8);

impl Interest {
    /// Readable interest: data to read, a peer's close, a pending connection to accept.
    pub const READABLE: Interest = Interest(NonZeroU8::new(READABLE).unwrap());
    /// Writable interest: room in the send buffer, a finished (or failed) connect.
    pub const WRITABLE: Interest = Interest(NonZeroU8::new(WRITABLE).unwrap());
    /// Priority interest: out-of-band data, or a state change reported as `POLLPRI` (for
    /// example on `/proc/self/mounts` or a cgroup file). Only where the OS has it (epoll).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Interest = Interest(NonZeroU8::new(PRIORITY).unwrap());

    /// Error interest: wake on an error condition only (a socket's error queue, a failed
    /// connect), not on data. epoll reports `EPOLLERR` whatever the interest, so an
    /// `ERROR`-only registration asks epoll for no other event; kqueue has no error filter,
    /// so there it registers `EVFILT_READ`, whose events carry errors (as tokio does over
    /// mio). Readiness waiters with this interest are woken by `ERROR` readiness only.
    pub const ERROR: Interest = Interest(NonZeroU8::new(ERROR).unwrap());

    /// Both interests together; `const` so it can build constants.
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(NonZeroU8::new(self.0.get() | other.0.get()).unwrap())
    }

    /// `self` without `other`, or `None` if nothing would be left.
    #[must_use]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        NonZeroU8::new(self.0.get() & !other.0.get()).map(Interest)
    }

    /// Whether readable interest is included.
    pub const fn is_readable(self) -> bool {
        self.0.get() & READABLE != 0
    }

    /// Whether writable interest is included.
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITABLE != 0
    }

    /// Whether error interest is included.
    pub const fn is_error(self) -> bool {
        self.0.get() & ERROR != 0
    }

    /// Whether AIO interest is included. corium has no AIO interest (mio's `Interest::AIO`
    /// exists only on some BSDs), so this is always `false`; it is here so code written
    /// against mio's `Interest` compiles unchanged.
    pub const fn is_aio(self) -> bool {
        false
    }

    /// Whether `lio_listio` interest is included: always `false`, as [`is_aio`](Interest::is_aio).
    pub const fn is_lio(self) -> bool {
        false
    }

    /// Whether priority interest is included (always `false` where the OS lacks it).
    pub const fn is_priority(self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        return self.0.get() & PRIORITY != 0;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        return false;
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_priority(), "PRIORITY"),
            (self.is_error(), "ERROR"),
        ];
        let mut sep = "";
        for (_, name) in names.iter().filter(|(on, _)| *on) {
            write!(f, "{sep}{name}")?;
            sep = " | ";
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Interest;

    #[test]
    fn add_remove_never_empty() {
        let both = Interest::READABLE | Interest::WRITABLE;
        assert!(both.is_readable() && both.is_writable());
        assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
        assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
        assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");
        let e = Interest::ERROR;
        assert!(e.is_error() && !e.is_readable() && !e.is_writable());
        assert!(!e.is_aio() && !e.is_lio());
        assert_eq!(format!("{:?}", e | Interest::READABLE), "READABLE | ERROR");
    }
}
