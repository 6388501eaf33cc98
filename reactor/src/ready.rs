//! [`Ready`]: the readiness a source has, and [`ReadyEvent`]: one observation of it.
//!
//! The bits of [`Ready`] are the low bits of the [`ScheduledIo`](crate::ScheduledIo) readiness
//! word, so converting between them is a mask, never a table.

use std::fmt;
use std::ops;

use corium_selector_sys::event::Event;
use corium_selector_sys::Interest;

/// A set of readiness flags, as last reported by the selector for one source.
///
/// The two closed flags are *sticky*: once the selector reports a close, no clear removes it,
/// because the peer will never un-close. Every other flag is removed by
/// [`Registration::clear_readiness`](crate::Registration::clear_readiness) when the operation it
/// allowed returns `WouldBlock`.
///
/// # Which side a flag belongs to
///
/// Each direction has its own tick (see [`ScheduledIo`](crate::ScheduledIo)). Every flag but
/// `ERROR` belongs to exactly one direction; `ERROR` belongs to both:
///
/// | flag           | direction  | woken by interest                   | cleared by a clear? |
/// |----------------|------------|-------------------------------------|---------------------|
/// | `READABLE`     | read       | `READABLE`                          | yes                 |
/// | `READ_CLOSED`  | read       | `READABLE`, `PRIORITY`              | no (sticky)         |
/// | `PRIORITY`     | read       | `PRIORITY`                          | yes                 |
/// | `WRITABLE`     | write      | `WRITABLE`                          | yes                 |
/// | `WRITE_CLOSED` | write      | `WRITABLE`                          | no (sticky)         |
/// | `ERROR`        | read+write | `READABLE`, `WRITABLE`, `PRIORITY`  | yes (either side)   |
///
/// A pending socket error is returned by the next syscall of *either* direction: a
/// nonblocking connect reports failure through it (the connect path waits for writable, then
/// calls `take_error`), and a connected UDP socket's ICMP "port unreachable" is returned by
/// the next `recv`. So a waiter of any interest is woken by `ERROR`, and an `ERROR` event
/// bumps both ticks. That second rule is what makes clearing safe: whichever side's operation
/// then returns `WouldBlock` (the error was taken by the other side, or was a false alarm)
/// clears `ERROR` under its own tick, and a *newer* `ERROR` event has moved that tick too, so
/// it is never cleared unseen.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ready(u8);

const READABLE: u8 = 1 << 0;
const WRITABLE: u8 = 1 << 1;
const READ_CLOSED: u8 = 1 << 2;
const WRITE_CLOSED: u8 = 1 << 3;
const PRIORITY: u8 = 1 << 4;
const ERROR: u8 = 1 << 5;

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// A read would not block (data, or a connection to accept).
    pub const READABLE: Ready = Ready(READABLE);
    /// A write would not block (buffer room, or a finished connect).
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The peer will send nothing more: reads drain the buffer, then return 0. Sticky.
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// Writes can no longer succeed (the peer closed, or the socket failed). Sticky.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Priority (out-of-band) data or a `POLLPRI` state change; epoll only.
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// The source has a pending error (read it with `take_error`).
    pub const ERROR: Ready = Ready(ERROR);
    /// Every flag.
    pub const ALL: Ready =
        Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | PRIORITY | ERROR);

    /// The flags of the read direction (guarded by the read tick). `ERROR` is in both.
    pub(crate) const READ_DIRECTION: Ready = Ready(READABLE | READ_CLOSED | PRIORITY | ERROR);
    /// The flags of the write direction (guarded by the write tick). `ERROR` is in both.
    pub(crate) const WRITE_DIRECTION: Ready = Ready(WRITABLE | WRITE_CLOSED | ERROR);
    /// The sticky flags, which no clear removes.
    pub(crate) const CLOSED: Ready = Ready(READ_CLOSED | WRITE_CLOSED);

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read would make progress: `READABLE` or `READ_CLOSED` (a read returns 0).
    pub const fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Whether a write would make progress or fail at once: `WRITABLE` or `WRITE_CLOSED`.
    pub const fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// Whether `READ_CLOSED` is set.
    pub const fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether `WRITE_CLOSED` is set.
    pub const fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Whether `PRIORITY` is set.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Whether `ERROR` is set.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether every flag of `other` is also in `self`.
    pub const fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }

    /// The flags in both sets.
    #[must_use]
    pub const fn intersection(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }

    /// The flags a waiter with `interest` is woken by (see the table on [`Ready`]).
    pub(crate) const fn from_interest(interest: Interest) -> Ready {
        // A pending error fails the next syscall whatever it is, so every waiter hears of it
        // (and an `Interest::ERROR`-only waiter hears of nothing else).
        let mut bits = ERROR;
        if interest.is_readable() {
            bits |= READABLE | READ_CLOSED;
        }
        if interest.is_writable() {
            bits |= WRITABLE | WRITE_CLOSED;
        }
        if interest.is_priority() {
            bits |= PRIORITY | READ_CLOSED;
        }
        Ready(bits)
    }

    /// What one selector event reports.
    pub(crate) fn from_event(event: &Event) -> Ready {
        let bit = |on: bool, bit: u8| u8::from(on) * bit;
        let mut bits = bit(event.is_readable(), READABLE) | bit(event.is_writable(), WRITABLE);
        // The usual event says only readable and/or writable (one per echo round trip, one
        // per event in a busy turn): one test of the raw flags rules out the four rare ones.
        if !event.is_plain() {
            bits |= bit(event.is_read_closed(), READ_CLOSED)
                | bit(event.is_write_closed(), WRITE_CLOSED)
                | bit(event.is_priority(), PRIORITY)
                | bit(event.is_error(), ERROR);
        }
        Ready(bits)
    }

    pub(crate) const fn as_bits(self) -> u32 {
        self.0 as u32
    }

    pub(crate) const fn from_bits(bits: u32) -> Ready {
        // Only the six flag bits survive: the caller may pass a whole readiness word.
        Ready((bits as u8) & Ready::ALL.0)
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    /// The flags of `self` that are not in `other`.
    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("EMPTY");
        }
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (READ_CLOSED, "READ_CLOSED"),
            (WRITE_CLOSED, "WRITE_CLOSED"),
            (PRIORITY, "PRIORITY"),
            (ERROR, "ERROR"),
        ];
        let mut sep = "";
        for (bit, name) in names {
            if self.0 & bit != 0 {
                write!(f, "{sep}{name}")?;
                sep = " | ";
            }
        }
        Ok(())
    }
}

/// The two per-direction ticks of a readiness word, as seen by one observation.
///
/// A tick counts (modulo 2¹⁶) the events the driver delivered for one direction. A clear
/// carries the ticks it observed; the driver having moved a tick on since means a newer event
/// arrived, and the clear of that direction is dropped.
///
/// Kept as the whole word it was read from (the ticks are fields of it, see
/// `scheduled_io/word.rs`): taking an observation is then a copy, and a clear compares a
/// direction's field of the two words with one mask.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ticks(pub(crate) u64);

/// One observation of a source's readiness: what was ready, and when (the ticks).
///
/// Returned by [`Registration::poll_read_ready`](crate::Registration::poll_read_ready),
/// [`Registration::readiness`](crate::Registration::readiness) and friends; handed back to
/// [`Registration::clear_readiness`](crate::Registration::clear_readiness) after the I/O call
/// returned `WouldBlock`, which clears only what *this* observation saw.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReadyEvent {
    pub(crate) ticks: Ticks,
    pub(crate) ready: Ready,
}

impl ReadyEvent {
    /// What was ready.
    pub fn ready(&self) -> Ready {
        self.ready
    }

    /// The same observation narrowed to `ready` (intersected with what was seen), for clearing
    /// only one side, e.g. after a read returned `WouldBlock` while writes still succeed.
    #[must_use]
    pub fn with_ready(self, ready: Ready) -> ReadyEvent {
        ReadyEvent {
            ticks: self.ticks,
            ready: self.ready.intersection(ready),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn interest_masks_follow_the_table() {
        let read = Ready::from_interest(Interest::READABLE);
        assert_eq!(read, Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR);
        let write = Ready::from_interest(Interest::WRITABLE);
        assert_eq!(write, Ready::WRITABLE | Ready::WRITE_CLOSED | Ready::ERROR);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let pri = Ready::from_interest(Interest::PRIORITY);
            assert_eq!(pri, Ready::PRIORITY | Ready::READ_CLOSED | Ready::ERROR);
        }
        // The directions cover every flag and share only ERROR.
        assert_eq!(Ready::READ_DIRECTION | Ready::WRITE_DIRECTION, Ready::ALL);
        assert_eq!(
            Ready::READ_DIRECTION.intersection(Ready::WRITE_DIRECTION),
            Ready::ERROR
        );
    }

    #[test]
    fn bits_round_trip_and_debug() {
        let r = Ready::READABLE | Ready::ERROR;
        assert_eq!(Ready::from_bits(r.as_bits() | 0xFF00), r);
        assert_eq!(format!("{r:?}"), "READABLE | ERROR");
        assert_eq!(format!("{:?}", Ready::EMPTY), "EMPTY");
        assert_eq!((r - Ready::ERROR), Ready::READABLE);
        assert!(Ready::READ_CLOSED.is_readable() && !Ready::READ_CLOSED.is_writable());
    }
}
