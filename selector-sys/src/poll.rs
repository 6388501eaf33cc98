//! [`Poll`] and [`Registry`]: the portable face of the selector.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use crate::event::Source;
use crate::{sys, Events, Interest, Token};

/// The event loop's heart: waits for readiness on every registered source.
///
/// `Poll::new` creates the kernel queue (`epoll_create1(EPOLL_CLOEXEC)` or `kqueue()`);
/// [`Poll::poll`] waits on it (`epoll_wait` / `kevent`). Registration goes through the
/// [`Registry`], which can be shared with (or cloned into) other threads and used while this
/// thread is blocked in `poll`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_selector_sys::{Events, Interest, Poll, Token, net::TcpListener};
///
/// let mut poll = Poll::new()?;
/// let mut events = Events::with_capacity(128);
/// let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
/// poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
///
/// // Nobody connects, so a zero timeout returns at once with no events.
/// poll.poll(&mut events, Some(Duration::ZERO))?;
/// assert!(events.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Poll {
    registry: Registry,
}

impl Poll {
    /// Creates a new kernel event queue.
    ///
    /// # Errors
    /// The OS error of `epoll_create1`/`kqueue` (for example `EMFILE` when out of fds).
    pub fn new() -> io::Result<Poll> {
        Ok(Poll {
            registry: Registry {
                selector: sys::Selector::new()?,
            },
        })
    }

    /// The registry of this poll, for registering sources.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Waits for events and stores them in `events` (cleared first).
    ///
    /// * `None` blocks until at least one event (or a [`Waker`](crate::Waker) wake).
    /// * `Some(Duration::ZERO)` never blocks.
    /// * Otherwise waits at most about `timeout`, and never returns *early* because of rounding:
    ///   a sub-millisecond timeout is passed with nanosecond precision where the kernel has
    ///   `epoll_pwait2` (Linux 5.11+) or `kevent`, and rounded *up* to the next millisecond
    ///   elsewhere — never down to a busy 0 ms spin. A timeout longer than the kernel accepts
    ///   (about 24.8 days for `epoll_wait`, 10^8 s for `kevent`, whose older macOS kernels
    ///   reject more) is clamped; the call then returns with no events.
    ///
    /// # Errors
    /// * `Interrupted` when a signal handler ran while waiting (`EINTR`). The policy is to
    ///   return it rather than retry: the caller knows its own deadline and whether the signal
    ///   means "stop". Retrying is just calling `poll` again.
    /// * `InvalidInput` if `events` has a capacity of 0.
    // Inlined across crates so the event loop's hot call costs no extra frame.
    #[inline]
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        self.registry.selector.select(events.sys(), timeout)
    }
}

impl AsRawFd for Poll {
    fn as_raw_fd(&self) -> RawFd {
        self.registry.as_raw_fd()
    }
}

impl fmt::Debug for Poll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poll")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}

/// Registers [`Source`]s with a [`Poll`].
///
/// All methods take `&self` and are safe to call from any thread, including while another
/// thread is blocked in [`Poll::poll`]: the kernel serialises changes to its queue.
///
/// Misuse is caught by the kernel's own table, in release builds too, so nothing goes stale
/// when an fd is closed and its number reused: registering the same fd twice is
/// `AlreadyExists`, reregistering or deregistering one that is not registered is `NotFound`.
pub struct Registry {
    selector: sys::Selector,
}

impl Registry {
    /// Registers `source` for `interests`; events for it will carry `token`.
    ///
    /// One fd may be registered with **several** `Poll`s at once: the kernel keeps one entry
    /// per (queue, fd), and each queue reports the fd's readiness changes on its own (each
    /// gets its own edge). corium relies on this (a signal listener in each runtime watches a
    /// `dup` of the same self-pipe). mio refuses it in debug builds; corium does not, since
    /// the kernel is the only registration table here. Registering the *same* fd twice with
    /// *one* `Poll` is refused (`AlreadyExists`).
    ///
    /// Registration is edge-triggered: an event is reported when readiness *changes*, so after
    /// an event the source must be drained until `WouldBlock` before another one comes.
    ///
    /// # Errors
    /// `AlreadyExists` if the source's fd is already registered with this poll; the OS error
    /// otherwise (`EPERM` for a regular file, which epoll cannot watch).
    pub fn register<S>(&self, source: &mut S, token: Token, interests: Interest) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        source.register(self, token, interests)
    }

    /// Replaces the token and interests of a registered source.
    ///
    /// # Errors
    /// `NotFound` if the source is not registered with this poll.
    pub fn reregister<S>(&self, source: &mut S, token: Token, interests: Interest) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        source.reregister(self, token, interests)
    }

    /// Stops watching a source. No event for it is returned by a poll that starts afterwards.
    ///
    /// # Errors
    /// `NotFound` if the source is not registered with this poll.
    pub fn deregister<S>(&self, source: &mut S) -> io::Result<()>
    where
        S: Source + ?Sized,
    {
        source.deregister(self)
    }

    /// A second handle to the same kernel queue (its own fd, from `F_DUPFD_CLOEXEC`).
    ///
    /// # Errors
    /// The OS error of `fcntl` (for example `EMFILE`).
    pub fn try_clone(&self) -> io::Result<Registry> {
        Ok(Registry {
            selector: self.selector.try_clone()?,
        })
    }

    pub(crate) fn selector(&self) -> &sys::Selector {
        &self.selector
    }
}

impl AsRawFd for Registry {
    fn as_raw_fd(&self) -> RawFd {
        self.selector.as_raw_fd()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("fd", &self.as_raw_fd())
            .finish()
    }
}
