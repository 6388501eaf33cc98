//! [`ScheduledIo`]: the reactor's state for one registered source (layout and protocol are
//! documented on the type).

use std::fmt;
use std::io;
use std::sync::atomic::{self, AtomicUsize};
use std::task::{Context, Poll, Waker};

use corium_selector_sys::trace::Layer;
use corium_selector_sys::{trace, Interest};

use crate::loom::{AtomicU32, Mutex, Ordering};
use crate::readiness::Readiness;
use crate::ready::{Ready, ReadyEvent, Ticks};
use crate::waiter_list::WaiterList;
use crate::wake_list::{self, WakeList};

const SHUTDOWN: u32 = 1 << 6;
const TICK_BITS: u32 = 12;
const TICK_MASK: u32 = (1 << TICK_BITS) - 1;
const READ_TICK_SHIFT: u32 = 8;
const WRITE_TICK_SHIFT: u32 = READ_TICK_SHIFT + TICK_BITS;

/// The two directions a source can be waited on, each with its own waker slot and tick.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The flags of this direction (see the table on [`Ready`]).
    pub(crate) fn ready_bits(self) -> Ready {
        match self {
            Direction::Read => Ready::READ_DIRECTION,
            Direction::Write => Ready::WRITE_DIRECTION,
        }
    }

    /// The flags a waiter in this direction's slot is woken by.
    fn wait_mask(self) -> Ready {
        match self {
            Direction::Read => Ready::from_interest(Interest::READABLE),
            Direction::Write => Ready::from_interest(Interest::WRITABLE),
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
fn tick(word: u32, direction: Direction) -> u16 {
    ((word >> direction.tick_shift()) & TICK_MASK) as u16
}

fn with_tick(word: u32, direction: Direction, tick: u16) -> u32 {
    let shift = direction.tick_shift();
    (word & !(TICK_MASK << shift)) | ((u32::from(tick) & TICK_MASK) << shift)
}

fn ticks(word: u32) -> Ticks {
    Ticks {
        read: tick(word, Direction::Read),
        write: tick(word, Direction::Write),
    }
}

/// The readiness `word` holds within `mask`, as an event stamped with both ticks; `None` if
/// none. (The caller checks `SHUTDOWN`.)
#[inline]
fn event_in(word: u32, mask: Ready) -> Option<ReadyEvent> {
    let ready = Ready::from_bits(word).intersection(mask);
    (!ready.is_empty()).then_some(ReadyEvent {
        ticks: ticks(word),
        ready,
    })
}

/// The error every readiness operation returns once the reactor has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(crate::SHUTDOWN_MESSAGE)
}

/// How the readiness word may change. All changes go through [`ScheduledIo::update`].
#[derive(Copy, Clone, Debug)]
enum Update {
    /// The driver delivered an event: add its flags, bump the tick of each direction it names.
    Set(Ready),
    /// A task's operation returned `WouldBlock`: remove what it saw, direction by direction,
    /// if that direction's tick has not moved since.
    Clear(ReadyEvent),
    /// The reactor is shutting down.
    Shutdown,
}

/// What one [`ScheduledIo::update`] did: the word before and after (equal if nothing changed).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Transition {
    pub(crate) before: u32,
    pub(crate) after: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// The task waiting through `poll_read_ready`.
    reader: Option<Waker>,
    /// The task waiting through `poll_write_ready`.
    writer: Option<Waker>,
    /// Every waiting [`Readiness`] future.
    pub(crate) list: WaiterList,
}

/// The reactor's state for one registered source: its readiness and who waits for it.
///
/// A slot of the driver's slab (`registration_set.rs`), handed to a source when it registers
/// and reused after it leaves; the slab finds it from an event's token, and the
/// [`Registration`](crate::Registration) holds it to check and clear it. Its methods are internal; this page documents the protocol.
///
/// # The readiness word
///
/// One `AtomicU32` holds everything a readiness check needs, so a check is one load:
///
/// ```text
///  31        20 19         8   7   6   5     4     3       2       1     0
/// +------------+------------+---+---+-----+-----+-------+-------+-----+-----+
/// | WRITE_TICK | READ_TICK  | 0 |SHD| ERR | PRI | W_CLS | R_CLS |  W  |  R  |
/// +------------+------------+---+---+-----+-----+-------+-------+-----+-----+
/// ```
///
/// * bits 0–5: the [`Ready`] flags, same bit positions as [`Ready`] itself;
/// * bit 6, `SHUTDOWN`: the reactor shut down; set once, never cleared; every readiness check
///   then fails with the shutdown error;
/// * bit 7: always zero;
/// * bits 8–19, `READ_TICK`, and bits 20–31, `WRITE_TICK`: 12-bit counters (wrapping) bumped by
///   the driver each time it delivers an event carrying flags of that direction. `ERROR` is a
///   flag of *both* directions (see the table on [`Ready`]), so an event carrying it bumps both
///   ticks.
///
/// **Why a tick per direction.** A task that saw "readable", read, and got `WouldBlock` clears
/// readable — unless an event arrived since it looked, in which case the clear must be dropped
/// or that event's readiness is lost (see [`Registration::clear_readiness`](crate::Registration::clear_readiness)). With one shared
/// tick, a stream of *write* events makes every read-side clear fail: the reader keeps seeing a
/// stale "readable", spins on `WouldBlock`, and never parks. With a tick per direction, only an
/// event of the same direction can defeat a clear.
///
/// **`ERROR` on both sides.** A pending socket error fails the next syscall of either
/// direction (a connect's outcome is read on the write side, a connected UDP socket's ICMP
/// error is returned by `recv`), so both waker slots wait for it. Either side's clear after
/// `WouldBlock` removes it, checked against that side's tick; since an `ERROR` event bumps
/// both ticks, a newer error always defeats the clear, and an old one is removed by the first
/// side that finds the socket has nothing to say (no spinning on a stale `ERROR`).
///
/// **Sticky flags.** `READ_CLOSED`, `WRITE_CLOSED` and `SHUTDOWN` are never cleared: the
/// conditions they report cannot be undone.
///
/// # Waiters
///
/// Two kinds of waiter, both behind one mutex:
///
/// * one waker slot per direction, for the `poll_read_ready` / `poll_write_ready` path (one
///   task per direction at a time, as for any `AsyncRead`/`AsyncWrite`);
/// * an intrusive list (`waiter_list.rs`) of pinned [`Readiness`] futures, for
///   any number of tasks waiting on any interest.
///
/// **No lost wake-up.** A waiter registers *then* re-checks the word under the lock; the driver
/// updates the word *then* takes the lock to collect wakers. Whichever takes the lock second
/// sees the other's write. Wakers are woken outside the lock, in batches of 32 (`wake_list.rs`).
///
/// # Alignment
///
/// `ScheduledIo`s are neighbouring elements of one page array, touched by different threads
/// (the driver sets, tasks check and clear). x86_64's adjacent-line prefetcher and many aarch64 cores move cache
/// lines in 128-byte pairs, so a 64-byte alignment would still let two neighbours share a pair
/// and bounce between cores (false sharing); elsewhere 64 bytes is the line size.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), repr(align(128)))]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    repr(align(64))
)]
#[derive(Debug)]
pub struct ScheduledIo {
    /// The readiness word (layout in the module docs).
    readiness: AtomicU32,
    /// Waker slots and the waiter list.
    pub(crate) waiters: Mutex<Waiters>,
    /// The token the current occupant's events carry (slot index + generation). Changes only
    /// when the slab frees the slot (see `registration_set.rs`); the driver compares it with
    /// each event's token to drop stale events.
    token: AtomicUsize,
}

impl ScheduledIo {
    pub(crate) fn new(token: usize) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicU32::new(0),
            waiters: Mutex::new(Waiters::default()),
            token: AtomicUsize::new(token),
        }
    }

    /// The token of the source in this slot.
    #[inline]
    pub(crate) fn token(&self) -> usize {
        // Acquire pairs with `set_token`'s release: a reader that sees a freed slot's new
        // token also sees everything before the free. What orders the next occupant's
        // `reset` before the driver's first event for it is the selector registration the
        // allocating thread makes after the reset, which the kernel orders before any event
        // it reports for that token.
        self.token.load(atomic::Ordering::Acquire)
    }

    /// The slab gives the slot a new token (freed: the generation moved on).
    pub(crate) fn set_token(&self, token: usize) {
        self.token.store(token, atomic::Ordering::Release);
    }

    /// The slab hands this slot to a new source: no readiness, no waiters.
    pub(crate) fn reset(&self) {
        self.readiness.store(0, Ordering::Release);
        // Normally none left (the old registration cleared them).
        self.clear_wakers();
    }

    /// The single place the readiness word changes (the trace point for "readiness change":
    /// the returned [`Transition`] holds the ticks before and after).
    /// Always inlined: each caller's constant [`Update`] kind folds it to that kind's CAS loop.
    #[inline(always)]
    fn update(&self, update: Update) -> Transition {
        let mut before = self.readiness.load(Ordering::Acquire);
        let transition = loop {
            let after = next_word(before, update);
            if after == before {
                break Transition { before, after };
            }
            // AcqRel: a task that later loads `after` (Acquire) also sees whatever the driver
            // did before setting it; a failed exchange just retries with the fresh word.
            match self.readiness.compare_exchange_weak(
                before,
                after,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break Transition { before, after },
                Err(actual) => before = actual,
            }
        };
        trace!(
            Layer::Reactor,
            "{}",
            Change {
                token: self.token(),
                update,
                transition
            }
        );
        transition
    }

    /// Driver side: records an event's flags and bumps the tick of each direction it names
    /// (both for `ERROR`).
    /// The caller then calls [`wake`](ScheduledIo::wake).
    pub(crate) fn set_readiness(&self, ready: Ready) -> Transition {
        self.update(Update::Set(ready))
    }

    /// Task side: removes what `event` saw, except sticky flags, per direction and only if that
    /// direction's tick still equals the one in `event`.
    ///
    /// A changed tick means the driver delivered a newer event of that direction after `event`
    /// was observed — possibly *between* the task's `WouldBlock` and this call — and clearing
    /// would lose it. Keeping the flag costs at most one spurious retry.
    #[inline]
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) -> Transition {
        self.update(Update::Clear(event))
    }

    /// Sets `SHUTDOWN` and wakes every waiter (who then sees the shutdown error).
    /// Returns how many wakers were woken.
    pub(crate) fn shutdown(&self) -> usize {
        self.update(Update::Shutdown);
        self.wake(Ready::ALL)
    }

    /// The current readiness within `mask`: `Ok(None)` if none, `Err` after shutdown.
    #[inline]
    pub(crate) fn ready_event(&self, mask: Ready) -> io::Result<Option<ReadyEvent>> {
        let word = self.readiness.load(Ordering::Acquire);
        if word & SHUTDOWN != 0 {
            return Err(shutdown_error());
        }
        Ok(event_in(word, mask))
    }

    /// The poll path: ready now, or store `cx`'s waker in `direction`'s slot and re-check.
    ///
    /// Only the most recent task to poll a direction is woken (one slot per direction).
    ///
    /// The ready case is one atomic load and is inlined into every I/O call; waiting is the
    /// out-of-line [`poll_readiness_slow`](ScheduledIo::poll_readiness_slow).
    #[inline(always)]
    pub(crate) fn poll_readiness(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let word = self.readiness.load(Ordering::Acquire);
        if word & SHUTDOWN == 0 {
            if let Some(event) = event_in(word, direction.wait_mask()) {
                return Poll::Ready(Ok(event));
            }
        }
        self.poll_readiness_slow(cx, direction)
    }

    #[inline(never)]
    fn poll_readiness_slow(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let mask = direction.wait_mask();
        let mut waiters = self.waiters.lock();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Check (again, for the caller that came from the fast path) under the lock: an event
        // set between the caller's check and storing the waker found no waker to wake, so it
        // must be seen here (the no-lost-wake-up rule).
        match self.ready_event(mask).transpose() {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }

    /// A future that resolves when any flag `interest` is woken by is set.
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness::new(self, Ready::from_interest(interest))
    }

    /// Wakes every waiter woken by `ready`: the matching slots and every matching
    /// [`Readiness`] future (which is unlinked and marked ready). Wakers run outside the lock, in
    /// batches of [`BATCH`](crate::wake_list::BATCH). Returns how many were woken.
    pub(crate) fn wake(&self, ready: Ready) -> usize {
        let token = self.token();
        let mut waiters = self.waiters.lock();
        let reader = if ready.intersection(Direction::Read.ready_bits()).is_empty() {
            None
        } else {
            waiters.reader.take()
        };
        let writer = if ready.intersection(Direction::Write.ready_bits()).is_empty() {
            None
        } else {
            waiters.writer.take()
        };
        if waiters.list.is_empty() {
            // The common case, a task per direction at most: no batch to build.
            drop(waiters);
            return wake_list::wake_slots(token, reader, writer);
        }
        let mut wakers = WakeList::new();
        wakers.push_some(reader);
        wakers.push_some(writer);
        let mut woken = 0;
        while waiters.list.drain_matching(ready, &mut wakers) {
            // The batch is full: never run foreign code under the lock.
            drop(waiters);
            woken += wakers.wake_all(token);
            waiters = self.waiters.lock();
        }
        drop(waiters);
        woken + wakers.wake_all(token)
    }

    /// Drops the stored poll-path wakers (the registration is going away, or the slot is
    /// being reused). No [`Readiness`] future can still be linked: each borrows the
    /// registration that is going.
    pub(crate) fn clear_wakers(&self) {
        let (reader, writer) = {
            let mut waiters = self.waiters.lock();
            debug_assert!(
                waiters.list.is_empty(),
                "a Readiness future outlived its source"
            );
            (waiters.reader.take(), waiters.writer.take())
        };
        // Dropped here, outside the lock: dropping a waker may run arbitrary code.
        drop((reader, writer));
    }

    /// How many [`Readiness`] futures are linked (tests check that a dropped future unlinks).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn waiter_count(&self) -> usize {
        self.waiters.lock().list.len()
    }
}

/// The pure state-transition function behind [`ScheduledIo::update`].
#[inline]
fn next_word(word: u32, update: Update) -> u32 {
    match update {
        Update::Set(ready) => {
            let mut next = word | ready.as_bits();
            for direction in [Direction::Read, Direction::Write] {
                if !ready.intersection(direction.ready_bits()).is_empty() {
                    let bumped = tick(word, direction).wrapping_add(1);
                    next = with_tick(next, direction, bumped);
                }
            }
            next
        }
        Update::Clear(event) => {
            let mut next = word;
            for (direction, seen) in [
                (Direction::Read, event.ticks.read),
                (Direction::Write, event.ticks.write),
            ] {
                let clear = event.ready.intersection(direction.ready_bits()) - Ready::CLOSED;
                if !clear.is_empty() && tick(word, direction) == seen {
                    next &= !clear.as_bits();
                }
            }
            next
        }
        Update::Shutdown => word | SHUTDOWN,
    }
}

/// One [`ScheduledIo::update`] as its trace line reads, e.g.
/// `ScheduledIo::set_readiness: token 3 +READABLE read-tick 1→2`. Built only when the line is
/// recorded.
///
/// The fd is not named: the reactor never learns it (a source registers itself); the
/// selector's `Registry::register → epoll_ctl(…, fd=7, token=3, …)` line pairs the two.
struct Change {
    token: usize,
    update: Update,
    transition: Transition,
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
                }
                Ok(())
            }
            Update::Clear(event) => {
                write!(f, "ScheduledIo::clear_readiness: token {token}")?;
                for (direction, name, seen) in [
                    (Direction::Read, "read", event.ticks.read),
                    (Direction::Write, "write", event.ticks.write),
                ] {
                    let wanted = event.ready.intersection(direction.ready_bits()) - Ready::CLOSED;
                    if wanted.is_empty() {
                        continue;
                    }
                    let now = tick(before, direction);
                    if now == seen {
                        let cleared = Ready::from_bits(before & !after).intersection(wanted);
                        write!(f, " -{cleared:?} ({name}-tick {now})")?;
                    } else {
                        write!(
                            f,
                            " refused {wanted:?}: {name}-tick moved {seen}→{now} since it was seen"
                        )?;
                    }
                }
                if before == after {
                    f.write_str(" (no change)")?;
                }
                Ok(())
            }
            Update::Shutdown => write!(f, "ScheduledIo::shutdown: token {token} +SHUTDOWN"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn event_of(io: &ScheduledIo, mask: Ready) -> ReadyEvent {
        io.ready_event(mask).unwrap().expect("readiness expected")
    }

    #[test]
    fn set_bumps_only_the_named_direction() {
        let io = ScheduledIo::new(0);
        let t = io.set_readiness(Ready::READABLE);
        assert_eq!(tick(t.after, Direction::Read), 1);
        assert_eq!(tick(t.after, Direction::Write), 0);
        let t = io.set_readiness(Ready::WRITABLE);
        assert_eq!(tick(t.after, Direction::Read), 1);
        assert_eq!(tick(t.after, Direction::Write), 1);
        // ERROR belongs to both directions.
        let t = io.set_readiness(Ready::ERROR);
        assert_eq!(tick(t.after, Direction::Read), 2);
        assert_eq!(tick(t.after, Direction::Write), 2);
    }

    #[test]
    fn an_error_wakes_the_reader_and_either_side_clears_it() {
        let io = ScheduledIo::new(0);
        let waker = std::sync::Arc::new(CountWaker::default());
        let w = Waker::from(waker.clone());
        let mut cx = Context::from_waker(&w);
        assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
        let t = io.set_readiness(Ready::ERROR);
        assert_eq!(io.wake(Ready::from_bits(t.after)), 1);
        assert_eq!(waker.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        let seen = match io.poll_readiness(&mut cx, Direction::Read) {
            Poll::Ready(event) => event.unwrap(),
            Poll::Pending => panic!("an ERROR must make the read side ready"),
        };
        assert_eq!(seen.ready(), Ready::ERROR);
        // The writer sees it too, until a read-side clear (after WouldBlock) removes it.
        assert!(io.ready_event(Ready::WRITE_DIRECTION).unwrap().is_some());
        io.clear_readiness(seen);
        assert!(io.ready_event(Ready::ALL).unwrap().is_none());
        // A newer ERROR defeats a write-side clear of the older one.
        io.set_readiness(Ready::WRITABLE | Ready::ERROR);
        let old = event_of(&io, Ready::WRITE_DIRECTION);
        io.set_readiness(Ready::ERROR);
        io.clear_readiness(old);
        assert_eq!(
            event_of(&io, Ready::ALL).ready(),
            Ready::WRITABLE | Ready::ERROR
        );
    }

    #[derive(Default)]
    struct CountWaker(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for CountWaker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn ticks_wrap_without_touching_neighbours() {
        let word = with_tick(SHUTDOWN | 0x3F, Direction::Read, TICK_MASK as u16);
        let next = next_word(word, Update::Set(Ready::READABLE));
        assert_eq!(tick(next, Direction::Read), 0);
        assert_eq!(tick(next, Direction::Write), 0);
        assert_eq!(next & 0xFF, SHUTDOWN | 0x3F);
    }

    #[test]
    fn clear_is_refused_after_a_newer_event_of_the_same_direction() {
        let io = ScheduledIo::new(0);
        io.set_readiness(Ready::READABLE);
        let seen = event_of(&io, Ready::READ_DIRECTION);
        io.set_readiness(Ready::READABLE);
        io.clear_readiness(seen);
        assert!(io.ready_event(Ready::READ_DIRECTION).unwrap().is_some());
        // A fresh observation clears.
        io.clear_readiness(event_of(&io, Ready::READ_DIRECTION));
        assert!(io.ready_event(Ready::READ_DIRECTION).unwrap().is_none());
    }

    #[test]
    fn closed_flags_are_sticky() {
        let io = ScheduledIo::new(0);
        io.set_readiness(Ready::READABLE | Ready::READ_CLOSED);
        io.clear_readiness(event_of(&io, Ready::ALL));
        assert_eq!(event_of(&io, Ready::ALL).ready(), Ready::READ_CLOSED);
    }

    #[test]
    fn alignment_matches_the_cache_line_pair() {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        assert_eq!(std::mem::align_of::<ScheduledIo>(), 128);
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        assert_eq!(std::mem::align_of::<ScheduledIo>(), 64);
    }
}
