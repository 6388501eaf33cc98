//! The readiness word of a [`ScheduledIo`](super::ScheduledIo): its bit layout, the pure
//! function that moves it from one state to the next, and the trace line of each move.
//!
//! ```text
//!  63        48 47      32 31        16 15 14  13  12  11  10   9   8   7    6   5 … 0
//! +------------+----------+------------+-----+---+---+---+---+---+---+-----+---+-------+
//! | WRITE_TICK |    0     | READ_TICK  |  0  |W_G|R_G|W_B|W_A|R_B|R_A| LNK |SHD| Ready |
//! +------------+----------+------------+-----+---+---+---+---+---+---+-----+---+-------+
//! ```
//!
//! * bits 0–5: the [`Ready`] flags, at [`Ready`]'s own bit positions;
//! * bit 6, `SHUTDOWN`: the reactor shut down (set once, never cleared);
//! * bit 7, `LINKED`: at least one [`Readiness`](crate::Readiness) future is in the waiter
//!   list, so the driver must take the list's lock; changed only under that lock;
//! * bits 8–13: the two waker slots' states, `ARMED`, `BUSY` and `GONE` per direction (see
//!   the docs of [`ScheduledIo`](super::ScheduledIo) for the protocol); each direction's
//!   `BUSY` is its `ARMED` shifted left by one, so one shift turns claimed armed bits busy;
//! * bits 16–31 and 48–63: the read and write ticks, 16-bit counters bumped by the driver for
//!   each event carrying flags of that direction. Both are bumped with one addition: the write
//!   tick's carry falls off the top of the word, the read tick's lands in bit 32 and is masked
//!   off (bits 32–47 stay zero).
//!
//! Everything lives in one word so that one compare-and-swap decides everything at once: the
//! driver's swap that sets a flag also sees (and disarms) the waiter it must wake, and a task's
//! swap that arms its slot also sees any flag set before it. No second location means no
//! store-load race to reason about, and no fence.

use std::fmt;

use corium_selector_sys::Interest;

use crate::ready::{Ready, ReadyEvent, Ticks};

pub(super) const SHUTDOWN: u64 = 1 << 6;
pub(super) const LINKED: u64 = 1 << 7;
const TICK_MASK: u64 = 0xFFFF;
const READ_TICK_SHIFT: u32 = 16;
const WRITE_TICK_SHIFT: u32 = 48;
const READ_TICK_FIELD: u64 = TICK_MASK << READ_TICK_SHIFT;
const WRITE_TICK_FIELD: u64 = TICK_MASK << WRITE_TICK_SHIFT;
/// Where the read tick's carry lands when it wraps (dropped).
const READ_TICK_CARRY: u64 = 1 << 32;
/// The flags of each direction, as word bits.
const READ_BITS: u64 = Ready::READ_DIRECTION.as_bits() as u64;
const WRITE_BITS: u64 = Ready::WRITE_DIRECTION.as_bits() as u64;

/// The two directions a source can be waited on, each with its own waker slot and tick.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(super) const BOTH: [Direction; 2] = [Direction::Read, Direction::Write];

    /// The flags of this direction (see the table on [`Ready`]).
    pub(crate) fn ready_bits(self) -> Ready {
        match self {
            Direction::Read => Ready::READ_DIRECTION,
            Direction::Write => Ready::WRITE_DIRECTION,
        }
    }

    /// The flags this direction's waker slot is woken by.
    #[inline]
    pub(super) const fn wait_mask(self) -> Ready {
        match self {
            Direction::Read => Ready::from_interest(Interest::READABLE),
            Direction::Write => Ready::from_interest(Interest::WRITABLE),
        }
    }

    /// The slot holds a waker that the next matching event must wake.
    #[inline]
    pub(super) const fn armed(self) -> u64 {
        match self {
            Direction::Read => 1 << 8,
            Direction::Write => 1 << 10,
        }
    }

    /// Someone (a registering task, or a waking driver) has the slot's cell to itself.
    #[inline]
    pub(super) const fn busy(self) -> u64 {
        match self {
            Direction::Read => 1 << 9,
            Direction::Write => 1 << 11,
        }
    }

    /// The source went away while the driver held the slot: the driver drops the waker.
    #[inline]
    pub(super) const fn gone(self) -> u64 {
        match self {
            Direction::Read => 1 << 12,
            Direction::Write => 1 << 13,
        }
    }

    fn tick_shift(self) -> u32 {
        match self {
            Direction::Read => READ_TICK_SHIFT,
            Direction::Write => WRITE_TICK_SHIFT,
        }
    }
}

#[inline]
pub(super) fn tick(word: u64, direction: Direction) -> u16 {
    ((word >> direction.tick_shift()) & TICK_MASK) as u16
}

#[cfg(test)]
fn with_tick(word: u64, direction: Direction, tick: u16) -> u64 {
    let shift = direction.tick_shift();
    (word & !(TICK_MASK << shift)) | (u64::from(tick) << shift)
}

/// The [`Ready`] flags of `word`.
#[inline]
pub(super) fn flags(word: u64) -> Ready {
    // `from_bits` keeps only the six flag bits, which are the word's lowest.
    Ready::from_bits(word as u32)
}

/// The readiness `word` holds within `mask`, as an event stamped with both ticks; `None` if
/// none. (The caller checks `SHUTDOWN`.)
#[inline]
pub(super) fn event_in(word: u64, mask: Ready) -> Option<ReadyEvent> {
    let ready = flags(word).intersection(mask);
    (!ready.is_empty()).then_some(ReadyEvent {
        ticks: Ticks(word),
        ready,
    })
}

/// How the readiness flags may change.
#[derive(Copy, Clone, Debug)]
pub(super) enum Update {
    /// The driver delivered an event: add its flags, bump the tick of each direction it names.
    Set(Ready),
    /// A task's operation returned `WouldBlock`: remove what it saw, direction by direction,
    /// if that direction's tick has not moved since.
    Clear(ReadyEvent),
    /// The reactor is shutting down.
    Shutdown,
}

/// What one update did: the word before and after (equal if nothing changed).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transition {
    pub(crate) before: u64,
    pub(crate) after: u64,
}

/// What an update adds to the word and which slots it claims, worked out once, before the
/// compare-and-swap loop (none of it depends on the word).
#[derive(Copy, Clone, Debug)]
pub(super) struct Step {
    update: Update,
    /// The tick increments (`Set`).
    bump: u64,
    /// The `ARMED` bits of the slots this update wakes.
    claims: u64,
}

/// For each value of the six [`Ready`] flag bits: what an event carrying them adds to the
/// ticks, and the `ARMED` bits of the slots it claims (a table, so the driver's per-event
/// step is two loads, not a dozen bit operations).
const SET_STEPS: [(u64, u64); 64] = {
    let mut steps = [(0, 0); 64];
    let mut bits = 0;
    while bits < 64 {
        let read = (bits as u64 & READ_BITS != 0) as u64;
        let write = (bits as u64 & WRITE_BITS != 0) as u64;
        steps[bits] = (
            (read << READ_TICK_SHIFT) | (write << WRITE_TICK_SHIFT),
            (read * Direction::Read.armed()) | (write * Direction::Write.armed()),
        );
        bits += 1;
    }
    steps
};

impl Step {
    #[inline(always)]
    pub(super) fn new(update: Update) -> Step {
        let (bump, claims) = match update {
            Update::Set(ready) => SET_STEPS[ready.as_bits() as usize & 63],
            Update::Clear(_) => (0, 0),
            Update::Shutdown => (0, Direction::Read.armed() | Direction::Write.armed()),
        };
        Step {
            update,
            bump,
            claims,
        }
    }

    /// The word after this step: flags and ticks moved (see [`next_word`]), and each armed
    /// slot it wakes moved to busy.
    #[inline(always)]
    pub(super) fn apply(self, word: u64) -> u64 {
        let claimed = word & self.claims;
        let next = match self.update {
            Update::Set(ready) => {
                (word | u64::from(ready.as_bits())).wrapping_add(self.bump) & !READ_TICK_CARRY
            }
            Update::Clear(event) => {
                // Each direction's flags go only if its tick is still the one `event` saw.
                let moved = word ^ event.ticks.0;
                let seen = u64::from((event.ready - Ready::CLOSED).as_bits());
                let read = if moved & READ_TICK_FIELD == 0 {
                    READ_BITS
                } else {
                    0
                };
                let write = if moved & WRITE_TICK_FIELD == 0 {
                    WRITE_BITS
                } else {
                    0
                };
                word & !(seen & (read | write))
            }
            Update::Shutdown => word | SHUTDOWN,
        };
        // Each direction's `BUSY` is its `ARMED` shifted left by one.
        (next & !claimed) | (claimed << 1)
    }
}

/// The state-transition function of the flags and ticks spelled out direction by direction:
/// the reference [`Step::apply`]'s bit arithmetic is tested against.
#[cfg(test)]
pub(super) fn next_word(word: u64, update: Update) -> u64 {
    match update {
        Update::Set(ready) => {
            let mut next = word | u64::from(ready.as_bits());
            for direction in Direction::BOTH {
                if !ready.intersection(direction.ready_bits()).is_empty() {
                    let bumped = tick(word, direction).wrapping_add(1);
                    next = with_tick(next, direction, bumped);
                }
            }
            next
        }
        Update::Clear(event) => {
            let mut next = word;
            for direction in Direction::BOTH {
                let clear = event.ready.intersection(direction.ready_bits()) - Ready::CLOSED;
                if !clear.is_empty() && tick(word, direction) == tick(event.ticks.0, direction) {
                    next &= !u64::from(clear.as_bits());
                }
            }
            next
        }
        Update::Shutdown => word | SHUTDOWN,
    }
}

/// One update as its trace line reads, e.g.
/// `ScheduledIo::set_readiness: token 3 +READABLE read-tick 1→2`. Built only when the line is
/// recorded.
///
/// The fd is not named: the reactor never learns it (a source registers itself); the
/// selector's `Registry::register → epoll_ctl(…, fd=7, token=3, …)` line pairs the two.
pub(super) struct Change {
    pub(super) token: usize,
    pub(super) update: Update,
    pub(super) transition: Transition,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Transition { before, after } = self.transition;
        let token = self.token;
        match self.update {
            Update::Set(ready) => {
                write!(f, "ScheduledIo::set_readiness: token {token} +{ready:?}")?;
                for (direction, name) in [(Direction::Read, "read"), (Direction::Write, "write")] {
                    let (old, new) = (tick(before, direction), tick(after, direction));
                    if old != new {
                        write!(f, " {name}-tick {old}→{new}")?;
                    }
                    if before & direction.armed() != 0 && after & direction.busy() != 0 {
                        write!(f, " (wakes the {name} slot)")?;
                    }
                }
                Ok(())
            }
            Update::Clear(event) => {
                write!(f, "ScheduledIo::clear_readiness: token {token}")?;
                for (direction, name) in [(Direction::Read, "read"), (Direction::Write, "write")] {
                    let seen = tick(event.ticks.0, direction);
                    let wanted = event.ready.intersection(direction.ready_bits()) - Ready::CLOSED;
                    if wanted.is_empty() {
                        continue;
                    }
                    let now = tick(before, direction);
                    if now == seen {
                        let cleared = flags(before & !after).intersection(wanted);
                        write!(f, " -{cleared:?} ({name}-tick {now})")?;
                    } else {
                        write!(
                            f,
                            " refused {wanted:?}: {name}-tick moved {seen}→{now} since it was seen"
                        )?;
                    }
                }
                if flags(before) == flags(after) {
                    f.write_str(" (no change)")?;
                }
                Ok(())
            }
            Update::Shutdown => write!(f, "ScheduledIo::shutdown: token {token} +SHUTDOWN"),
        }
    }
}
