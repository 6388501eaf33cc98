//! The epoll backend (Linux, Android).
//!
//! One epoll instance per [`Poll`](crate::Poll). Every registration is `EPOLLET`
//! (edge-triggered): the kernel reports a source when its readiness *changes*, and the caller
//! drains it until `WouldBlock`. That is what lets one `epoll_wait` serve thousands of sockets
//! without re-reporting the ones nobody has touched.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::trace::{self, describe::WaitMs, Layer};
use crate::{syscall, Interest, Token};

pub(crate) type Event = libc::epoll_event;
pub(crate) type Events = Vec<Event>;

#[derive(Debug)]
pub(crate) struct Selector {
    ep: OwnedFd,
    has_waker: Arc<AtomicBool>,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: epoll_create1 takes only flags.
        let fd = syscall!(
            epoll_create1(libc::EPOLL_CLOEXEC);
            "Poll::new", "EPOLL_CLOEXEC"
        )?;
        // SAFETY: the call succeeded, so `fd` is a fresh descriptor nobody else owns.
        let ep = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Selector {
            ep,
            has_waker: Arc::new(AtomicBool::new(false)),
        })
    }

    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        let ep = self.ep.try_clone()?;
        Ok(Selector {
            ep,
            has_waker: Arc::clone(&self.has_waker),
        })
    }

    pub(crate) fn waker_slot(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.has_waker)
    }

    #[inline]
    pub(crate) fn select(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        if events.capacity() == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Events has capacity 0, so no event could be returned: use Events::with_capacity(n) with n > 0",
            ));
        }
        let max = events.capacity().min(libc::c_int::MAX as usize) as libc::c_int;
        let n = match timeout {
            // The event loop's most common call: check without sleeping.
            Some(t) if t.is_zero() => self.wait_ms(events, max, 0)?,
            Some(t) if needs_sub_ms_precision(t) => match pwait2(&self.ep, events, max, t) {
                Some(res) => res?,
                None => self.wait_ms(events, max, ms_rounded_up(t))?,
            },
            Some(t) => self.wait_ms(events, max, ms_rounded_up(t))?,
            None => self.wait_ms(events, max, -1)?,
        };
        // SAFETY: the kernel initialised the first `n` entries, and `n <= max <= capacity`.
        unsafe { events.set_len(n as usize) };
        if trace::COMPILED && trace::enabled(Layer::Selector) {
            for ev in events.iter() {
                crate::trace!(
                    Layer::Selector,
                    "Poll::poll ← {:?}",
                    event::DebugDetails(ev)
                );
            }
        }
        Ok(())
    }

    fn wait_ms(
        &self,
        events: &mut Events,
        max: libc::c_int,
        ms: libc::c_int,
    ) -> io::Result<libc::c_int> {
        // `epoll_pwait(2)` with no signal mask *is* `epoll_wait` (which aarch64 lacks as a
        // system call), issued directly: see "Direct system calls" in `sys/mod.rs` for why.
        // SAFETY: the buffer has room for `max` events (max <= capacity) and the fd is our
        // live epoll instance; a null sigmask leaves the signal mask alone.
        syscall!(
            syscall6(
                libc::SYS_epoll_pwait,
                libc::c_long::from(self.ep.as_raw_fd()),
                events.as_mut_ptr(),
                libc::c_long::from(max),
                libc::c_long::from(ms),
                std::ptr::null::<libc::sigset_t>(),
                0 as libc::c_long,
            ) as epoll_wait;
            "Poll::poll", "epfd={}, max={max}, timeout={}", self.ep.as_raw_fd(), WaitMs(ms)
        )
        .map(|n| n as libc::c_int)
    }

    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: interests_to_epoll(interests),
            u64: token.0 as u64,
        };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call; a bad `fd` is
        // reported by the kernel as EBADF, not undefined behaviour.
        syscall!(
            epoll_ctl(self.ep.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut ev);
            "Registry::register", "epfd={}, ADD, fd={fd}, token={}, {interests:?}",
                self.ep.as_raw_fd(), token.0
        )
        .map(drop)
        .map_err(|e| misuse(e, fd))
    }

    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: interests_to_epoll(interests),
            u64: token.0 as u64,
        };
        // SAFETY: as in `register`.
        syscall!(
            epoll_ctl(self.ep.as_raw_fd(), libc::EPOLL_CTL_MOD, fd, &mut ev);
            "Registry::reregister", "epfd={}, MOD, fd={fd}, token={}, {interests:?}",
                self.ep.as_raw_fd(), token.0
        )
        .map(drop)
        .map_err(|e| misuse(e, fd))
    }

    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        // SAFETY: EPOLL_CTL_DEL ignores the event pointer on Linux >= 2.6.9; null is allowed.
        syscall!(
            epoll_ctl(self.ep.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut());
            "Registry::deregister", "epfd={}, DEL, fd={fd}", self.ep.as_raw_fd()
        )
        .map(drop)
        .map_err(|e| misuse(e, fd))
    }
}

impl AsRawFd for Selector {
    fn as_raw_fd(&self) -> RawFd {
        self.ep.as_raw_fd()
    }
}

/// Turns the errnos that mean "misuse" into errors that say what to do.
fn misuse(err: io::Error, fd: RawFd) -> io::Error {
    let msg = match err.raw_os_error() {
        Some(libc::EEXIST) => format!(
            "fd {fd} is already registered with this Poll: use Registry::reregister to change its token or interests"
        ),
        Some(libc::ENOENT) => {
            format!("fd {fd} is not registered with this Poll: call Registry::register first")
        }
        Some(libc::EPERM) => format!(
            "fd {fd} cannot be watched by epoll (regular files and directories are always ready; read them directly)"
        ),
        _ => return err,
    };
    io::Error::new(err.kind(), msg)
}

fn interests_to_epoll(interests: Interest) -> u32 {
    let mut flags = libc::EPOLLET;
    if interests.is_readable() {
        // EPOLLRDHUP so a peer's shutdown(Write) is seen as read-closed, not only as readable.
        flags |= libc::EPOLLIN | libc::EPOLLRDHUP;
    }
    if interests.is_writable() {
        flags |= libc::EPOLLOUT;
    }
    if interests.is_priority() {
        flags |= libc::EPOLLPRI;
    }
    flags as u32
}

/// Whether `t` has a part finer than a millisecond that `epoll_wait` would lose.
fn needs_sub_ms_precision(t: Duration) -> bool {
    t.subsec_nanos() % 1_000_000 != 0
}

/// Milliseconds for `epoll_wait`: rounded *up* (so 100 µs waits 1 ms, not a busy 0 ms), and
/// clamped to `c_int::MAX` (about 24.8 days).
/// Done in u64: a u128 division here costs a libcall on every poll.
fn ms_rounded_up(t: Duration) -> libc::c_int {
    let ms = t
        .as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(t.subsec_nanos().div_ceil(1_000_000)));
    ms.min(libc::c_int::MAX as u64) as libc::c_int
}

/// Whether `epoll_pwait2` is known to work: 0 = not tried yet, 1 = yes, 2 = no.
static PWAIT2: AtomicU8 = AtomicU8::new(0);

/// `epoll_pwait2` (Linux 5.11+) takes a `timespec`, so sub-millisecond timeouts keep their
/// precision — the timer layer relies on it to wake within microseconds of a deadline.
/// Returns `None` when the kernel lacks it, so the caller falls back to `epoll_wait`.
#[cfg(target_os = "linux")]
fn pwait2(
    ep: &OwnedFd,
    events: &mut Events,
    max: libc::c_int,
    t: Duration,
) -> Option<io::Result<libc::c_int>> {
    if PWAIT2.load(Ordering::Relaxed) == 2 {
        return None;
    }
    let ts = libc::timespec {
        tv_sec: t.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: t.subsec_nanos() as _,
    };
    // SAFETY: the buffer has room for `max` events; `ts` outlives the call; a null sigmask
    // means "do not change the signal mask", as for epoll_wait.
    let res = syscall!(
        syscall6(
            libc::SYS_epoll_pwait2,
            ep.as_raw_fd(),
            events.as_mut_ptr(),
            max,
            &ts as *const libc::timespec,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        ) as epoll_pwait2;
        "Poll::poll", "epfd={}, max={max}, timeout={t:?}", ep.as_raw_fd()
    );
    match res {
        Ok(n) => {
            PWAIT2.store(1, Ordering::Relaxed);
            Some(Ok(n as libc::c_int))
        }
        // ENOSYS: a kernel older than 5.11. EPERM: a seccomp filter (some container runtimes)
        // that predates the syscall and denies what it does not know. Either way, fall back.
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
            PWAIT2.store(2, Ordering::Relaxed);
            None
        }
        Err(e) => Some(Err(e)),
    }
}

/// Android's libc does not expose the syscall number everywhere; round up to milliseconds.
#[cfg(not(target_os = "linux"))]
fn pwait2(
    _: &OwnedFd,
    _: &mut Events,
    _: libc::c_int,
    _: Duration,
) -> Option<io::Result<libc::c_int>> {
    let _ = &PWAIT2;
    None
}

pub(crate) mod event {
    use std::fmt;

    use super::Event;
    use crate::Token;

    fn flags(event: &Event) -> libc::c_int {
        // Copy out of the (packed on x86_64) struct before use.
        let events = event.events;
        events as libc::c_int
    }

    pub(crate) fn token(event: &Event) -> Token {
        let data = event.u64;
        Token(data as usize)
    }

    pub(crate) fn is_readable(event: &Event) -> bool {
        flags(event) & libc::EPOLLIN != 0
    }

    pub(crate) fn is_writable(event: &Event) -> bool {
        flags(event) & libc::EPOLLOUT != 0
    }

    pub(crate) fn is_error(event: &Event) -> bool {
        flags(event) & libc::EPOLLERR != 0
    }

    pub(crate) fn is_read_closed(event: &Event) -> bool {
        let f = flags(event);
        // EPOLLHUP: both directions are gone. EPOLLRDHUP is trusted only with EPOLLIN: the
        // readable edge is what guarantees the FIN has been queued for the reader.
        f & libc::EPOLLHUP != 0 || (f & libc::EPOLLIN != 0 && f & libc::EPOLLRDHUP != 0)
    }

    pub(crate) fn is_write_closed(event: &Event) -> bool {
        let f = flags(event);
        // EPOLLERR alone is what a pipe's write end gets when the last reader closes; with
        // EPOLLOUT it is a socket whose peer reset the connection.
        f & libc::EPOLLHUP != 0
            || (f & libc::EPOLLOUT != 0 && f & libc::EPOLLERR != 0)
            || f == libc::EPOLLERR
    }

    pub(crate) fn is_priority(event: &Event) -> bool {
        flags(event) & libc::EPOLLPRI != 0
    }

    /// Only `EPOLLIN` and/or `EPOLLOUT`: every other predicate above is false.
    pub(crate) fn is_plain(event: &Event) -> bool {
        flags(event) & !(libc::EPOLLIN | libc::EPOLLOUT) == 0
    }

    /// epoll has no AIO events.
    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    /// epoll has no `lio_listio` events.
    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    /// Prints the raw `epoll_event.events` bits by name, for `Debug`.
    pub(crate) struct DebugDetails<'a>(pub(crate) &'a Event);

    impl fmt::Debug for DebugDetails<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            const NAMES: [(libc::c_int, &str); 8] = [
                (libc::EPOLLIN, "EPOLLIN"),
                (libc::EPOLLPRI, "EPOLLPRI"),
                (libc::EPOLLOUT, "EPOLLOUT"),
                (libc::EPOLLERR, "EPOLLERR"),
                (libc::EPOLLHUP, "EPOLLHUP"),
                (libc::EPOLLRDHUP, "EPOLLRDHUP"),
                (libc::EPOLLRDNORM, "EPOLLRDNORM"),
                (libc::EPOLLWRNORM, "EPOLLWRNORM"),
            ];
            let bits = flags(self.0);
            let data = self.0.u64;
            write!(f, "epoll_event {{ events: ")?;
            let mut sep = "";
            for (bit, name) in NAMES {
                if bits & bit != 0 {
                    write!(f, "{sep}{name}")?;
                    sep = " | ";
                }
            }
            if sep.is_empty() {
                write!(f, "0")?;
            }
            write!(f, ", u64: {data} }}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_plain_means_every_rare_predicate_is_false() {
        let bits = [
            libc::EPOLLIN,
            libc::EPOLLOUT,
            libc::EPOLLPRI,
            libc::EPOLLERR,
            libc::EPOLLHUP,
            libc::EPOLLRDHUP,
        ];
        for combo in 0..1u32 << bits.len() {
            let flags = (0..bits.len())
                .filter(|i| combo & (1 << i) != 0)
                .fold(0, |f, i| f | bits[i]);
            let ev = libc::epoll_event {
                events: flags as u32,
                u64: 0,
            };
            let rare = event::is_error(&ev)
                || event::is_read_closed(&ev)
                || event::is_write_closed(&ev)
                || event::is_priority(&ev);
            // Plain exactly when nothing but IN/OUT is set; never when a rare predicate holds.
            assert_eq!(
                event::is_plain(&ev),
                flags & !(libc::EPOLLIN | libc::EPOLLOUT) == 0,
                "{flags:#x}"
            );
            assert!(!(event::is_plain(&ev) && rare), "{flags:#x}");
        }
    }

    #[test]
    fn sub_ms_rounds_up_never_to_zero() {
        assert_eq!(ms_rounded_up(Duration::from_nanos(1)), 1);
        assert_eq!(ms_rounded_up(Duration::from_micros(100)), 1);
        assert_eq!(ms_rounded_up(Duration::from_micros(1500)), 2);
        assert_eq!(ms_rounded_up(Duration::from_millis(7)), 7);
        assert_eq!(
            ms_rounded_up(Duration::from_secs(u64::MAX)),
            libc::c_int::MAX
        );
        assert!(needs_sub_ms_precision(Duration::from_micros(1500)));
        assert!(!needs_sub_ms_precision(Duration::from_millis(3)));
    }

    #[test]
    fn interest_mapping() {
        let r = interests_to_epoll(Interest::READABLE) as libc::c_int;
        assert_eq!(r, libc::EPOLLET | libc::EPOLLIN | libc::EPOLLRDHUP);
        let w = interests_to_epoll(Interest::WRITABLE) as libc::c_int;
        assert_eq!(w, libc::EPOLLET | libc::EPOLLOUT);
        let p = interests_to_epoll(Interest::PRIORITY) as libc::c_int;
        assert_eq!(p, libc::EPOLLET | libc::EPOLLPRI);
        // EPOLLERR is reported whatever the mask: an error-only registration asks for nothing.
        let e = interests_to_epoll(Interest::ERROR) as libc::c_int;
        assert_eq!(e, libc::EPOLLET);
    }

    fn ev(bits: libc::c_int) -> Event {
        libc::epoll_event {
            events: bits as u32,
            u64: 9,
        }
    }

    #[test]
    fn closed_mapping_has_no_false_positives() {
        // RDHUP without IN is not trusted as read-closed.
        assert!(!event::is_read_closed(&ev(libc::EPOLLRDHUP)));
        assert!(event::is_read_closed(&ev(libc::EPOLLIN | libc::EPOLLRDHUP)));
        assert!(event::is_read_closed(&ev(libc::EPOLLHUP)));
        assert!(!event::is_write_closed(&ev(libc::EPOLLOUT)));
        assert!(event::is_write_closed(&ev(libc::EPOLLERR)));
        assert!(event::is_write_closed(&ev(libc::EPOLLOUT | libc::EPOLLERR)));
        assert!(!event::is_write_closed(&ev(libc::EPOLLIN | libc::EPOLLERR)));
        let shown = format!(
            "{:?}",
            event::DebugDetails(&ev(libc::EPOLLIN | libc::EPOLLRDHUP))
        );
        assert_eq!(
            shown,
            "epoll_event { events: EPOLLIN | EPOLLRDHUP, u64: 9 }"
        );
    }
}
