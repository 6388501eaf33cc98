//! [`Event`] and [`Events`]: what one call to [`Poll::poll`](crate::Poll::poll) reports.
//!
//! Also home of the [`Source`] trait (as `event::Source`, where mio keeps it).

use std::fmt;

use crate::sys;
use crate::Token;

pub use crate::source::Source;

/// One readiness event: a token and what became ready.
///
/// An event is a *hint*, not a promise: the only way to know a socket is readable is to read it
/// until it returns `WouldBlock`. Events may be spurious, and several may be merged.
///
/// # Portability: what each method reads
///
/// | method            | epoll (Linux, Android)                                     | kqueue (BSD, Apple)                      |
/// |-------------------|------------------------------------------------------------|------------------------------------------|
/// | `is_readable`     | `EPOLLIN`                                                  | filter `EVFILT_READ` (or the waker's `EVFILT_USER`) |
/// | `is_writable`     | `EPOLLOUT`                                                 | filter `EVFILT_WRITE`                    |
/// | `is_error`        | `EPOLLERR`                                                 | `EV_ERROR`, or `EV_EOF` with `fflags` ≠ 0 (the socket error) |
/// | `is_read_closed`  | `EPOLLHUP`, or `EPOLLIN` together with `EPOLLRDHUP`        | `EVFILT_READ` with `EV_EOF`              |
/// | `is_write_closed` | `EPOLLHUP`, or `EPOLLOUT` with `EPOLLERR`, or `EPOLLERR` alone | `EVFILT_WRITE` with `EV_EOF`          |
/// | `is_priority`     | `EPOLLPRI`                                                 | never                                    |
///
/// The closed mappings are chosen for **no false positives**: when `is_read_closed` is true the
/// peer really will send nothing more, so a caller may stop reading once it has drained the
/// buffer. The reverse does not hold (a close may be seen only as readable + `read` → 0).
/// `EPOLLRDHUP` alone is not trusted for read-closed: some kernels and socket types set it
/// without `EPOLLIN`, while the readable edge is what guarantees the close is queued.
///
/// `Debug` shows the raw OS flags too, so a trace says exactly what the kernel said.
#[repr(transparent)]
pub struct Event {
    inner: sys::Event,
}

impl Event {
    pub(crate) fn from_sys_event_ref(sys_event: &sys::Event) -> &Event {
        // SAFETY: `Event` is `repr(transparent)` over `sys::Event`, so the two types have the
        // same layout and a reference to one is a valid reference to the other, with the same
        // lifetime.
        unsafe { &*(sys_event as *const sys::Event as *const Event) }
    }

    /// The token given when the source was registered.
    #[inline]
    pub fn token(&self) -> Token {
        sys::event::token(&self.inner)
    }

    /// The source can be read (or accepted from) without blocking — until `WouldBlock`.
    #[inline]
    pub fn is_readable(&self) -> bool {
        sys::event::is_readable(&self.inner)
    }

    /// The source can be written to without blocking — until `WouldBlock`. For a connecting
    /// socket: the connect finished, successfully or not (check `take_error`).
    #[inline]
    pub fn is_writable(&self) -> bool {
        sys::event::is_writable(&self.inner)
    }

    /// An error is pending on the source (for a socket, fetch it with `take_error`).
    #[inline]
    pub fn is_error(&self) -> bool {
        sys::event::is_error(&self.inner)
    }

    /// The read half is closed: the peer shut down writing or the connection is gone.
    #[inline]
    pub fn is_read_closed(&self) -> bool {
        sys::event::is_read_closed(&self.inner)
    }

    /// The write half is closed: the peer is gone, or for a pipe, every reader closed.
    #[inline]
    pub fn is_write_closed(&self) -> bool {
        sys::event::is_write_closed(&self.inner)
    }

    /// Priority data is readable (`EPOLLPRI`). Always `false` where the OS has no such event.
    #[inline]
    pub fn is_priority(&self) -> bool {
        sys::event::is_priority(&self.inner)
    }

    /// The event says nothing but readable and/or writable: none of error, closed or
    /// priority. One test of the raw flags, for a consumer's fast path (the usual event of a
    /// busy socket); when `false`, ask the other predicates.
    #[inline]
    pub fn is_plain(&self) -> bool {
        sys::event::is_plain(&self.inner)
    }

    /// A POSIX AIO operation completed (kqueue's `EVFILT_AIO` on FreeBSD, DragonFly and Apple).
    /// Always `false` on epoll, which has no AIO events; corium registers no AIO itself, so
    /// this only matters for events of sources registered by hand.
    #[inline]
    pub fn is_aio(&self) -> bool {
        sys::event::is_aio(&self.inner)
    }

    /// A `lio_listio` batch completed (kqueue's `EVFILT_LIO`, FreeBSD only). Always `false` on
    /// epoll.
    #[inline]
    pub fn is_lio(&self) -> bool {
        sys::event::is_lio(&self.inner)
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("token", &self.token())
            .field("readable", &self.is_readable())
            .field("writable", &self.is_writable())
            .field("error", &self.is_error())
            .field("read_closed", &self.is_read_closed())
            .field("write_closed", &self.is_write_closed())
            .field("priority", &self.is_priority())
            .field("os", &sys::event::DebugDetails(&self.inner))
            .finish()
    }
}

/// A reusable buffer of events filled by [`Poll::poll`](crate::Poll::poll).
///
/// The buffer is allocated once, in [`Events::with_capacity`]; polling never allocates. If more
/// sources are ready than fit, the rest are reported by the next poll (the kernel keeps them
/// queued), so capacity trades syscalls for memory, never correctness.
pub struct Events {
    inner: sys::Events,
}

impl Events {
    /// A buffer for at most `capacity` events per poll.
    ///
    /// A capacity of 0 is accepted here but makes [`Poll::poll`](crate::Poll::poll) return an
    /// `InvalidInput` error, since no event could ever be delivered.
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            inner: Vec::with_capacity(capacity),
        }
    }

    /// How many events one poll can return.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// Whether the last poll returned no events.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The events of the last poll, in the order the kernel returned them.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.inner.iter(),
        }
    }

    /// Forgets the events (keeps the buffer).
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    pub(crate) fn sys(&mut self) -> &mut sys::Events {
        &mut self.inner
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Iterator over the [`Event`]s in an [`Events`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, sys::Event>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Event;
    fn next(&mut self) -> Option<&'a Event> {
        self.inner.next().map(Event::from_sys_event_ref)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}
