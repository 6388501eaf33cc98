//! [`ScheduledIo`]: the reactor's state for one registered source (layout and protocol are
//! documented on the type).

mod slot;
mod word;

use std::io;
use std::sync::atomic::{self, AtomicUsize};
use std::task::{Context, Poll, Waker};

use corium_selector_sys::trace::Layer;
use corium_selector_sys::{trace, Interest};

use crate::loom::{self as sync, AtomicU64, Mutex, Ordering};
use crate::readiness::Readiness;
use crate::ready::{Ready, ReadyEvent};
use crate::waiter_list::WaiterList;
use crate::wake_list::WakeList;

use slot::WakerCell;
pub(crate) use word::Direction;
use word::{event_in, Change, Step, Transition, Update, LINKED, SHUTDOWN};

/// The error every readiness operation returns once the reactor has shut down.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(crate::SHUTDOWN_MESSAGE)
}

/// The reactor's state for one registered source: its readiness and who waits for it.
///
/// A slot of the driver's slab (`registration_set.rs`), handed to a source when it registers
/// and reused after it leaves; the slab finds it from an event's token, and the
/// [`Registration`](crate::Registration) holds it to check and clear it. Its methods are
/// internal; this page documents the protocol.
///
/// # The readiness word
///
/// One `AtomicU64` holds the [`Ready`] flags, a tick per direction, the two waker slots'
/// states and a "waiter list not empty" bit (layout in `scheduled_io/word.rs`), so a readiness
/// check is one load and every decision below is one compare-and-swap.
///
/// **Why a tick per direction.** A task that saw "readable", read, and got `WouldBlock` clears
/// readable — unless an event arrived since it looked, in which case the clear must be dropped
/// or that event's readiness is lost (see [`Registration::clear_readiness`](crate::Registration::clear_readiness)).
/// The driver bumps a direction's 16-bit tick with each event of that direction, and a clear
/// whose tick has moved is refused. With one shared tick, a stream of *write* events would
/// make every read-side clear fail: the reader would keep seeing a stale "readable", spin on
/// `WouldBlock`, and never park.
///
/// **`ERROR` on both sides.** A pending socket error fails the next syscall of either
/// direction (a connect's outcome is read on the write side, a connected UDP socket's ICMP
/// error is returned by `recv`), so both waker slots wait for it and an `ERROR` event bumps
/// both ticks. Either side's clear after `WouldBlock` removes it, so nobody spins on a stale
/// `ERROR`, and a newer one always defeats the clear of an older one.
///
/// **Sticky flags.** `READ_CLOSED`, `WRITE_CLOSED` and `SHUTDOWN` are never cleared: the
/// conditions they report cannot be undone.
///
/// # Waiters
///
/// * **One waker slot per direction**, for `poll_read_ready` / `poll_write_ready` (one task per
///   direction at a time, as for any `AsyncRead`/`AsyncWrite`). Lock-free: see below.
/// * **An intrusive list** (`waiter_list.rs`) of pinned [`Readiness`] futures, for any number
///   of tasks waiting on any interest, behind a mutex. The word's `LINKED` bit says the list
///   is not empty (it changes only under the mutex), so the driver takes the mutex only then.
///
/// # The lock-free waker slot
///
/// Each slot is a cell holding an `Option<Waker>` and two bits of the word, giving it three
/// states: **idle** (neither bit), **armed** (`ARMED`: the cell's waker waits for the next
/// event of this direction) and **busy** (`BUSY`: one party has the cell to itself).
///
/// * **A task waits** (`arm`). The usual case: the cell already holds this task's waker
///   (its parts are atomics anyone may compare, see `slot.rs`), so one swap moves the slot
///   from idle to armed — none at all if it is still armed. Otherwise one swap takes the slot
///   from idle or armed to busy, unless the word already shows readiness (then it returns
///   `Ready`); holding it, the task stores a clone of its waker; a second swap releases the
///   slot: to armed, or to idle if readiness arrived while it was busy, in which case it
///   returns `Ready`.
/// * **The driver delivers an event** (`deliver`): the swap that sets the event's flags also
///   moves each armed slot of the event's directions to busy. Then it wakes that cell's waker
///   *by reference* — the waker stays in the cell for the next wait — and releases the slot to
///   idle.
/// * **A source goes away** (`clear_wakers`): it takes its idle or armed slots and drops the
///   wakers; a slot the driver holds is marked `GONE` instead, and the driver drops that waker
///   as it releases the slot (it may be that very wake which drops the source).
/// * **Busy means keep out.** A task that finds its slot busy cannot store its waker; it wakes
///   itself instead (`wake_by_ref`) and returns `Pending`, so it is polled again and retries —
///   rare, as the driver holds a slot only for one `wake_by_ref`. A driver that finds a slot
///   busy leaves it: a busy task will see the new flags when it releases, a busy driver is
///   waking that very waker already.
///
/// **No lost wake-up.** Every state change of a slot is a swap of the same word that holds the
/// flags, so the task's arming swap and the driver's setting swap are ordered: if the arming
/// comes first, the setting swap sees `ARMED` and wakes; if the setting comes first, the arming
/// swap sees the flags and returns `Ready`. The loom models in `loom_tests.rs` check this,
/// the waker-changed case and dropping a source during a wake.
///
/// The slots' cells are touched only by the holder of their `BUSY` bit, which is taken with
/// `Acquire` and given back with `Release` (the proof on each access is in `slot.rs`).
///
/// # Alignment
///
/// `ScheduledIo`s are neighbouring elements of one page array, touched by different threads
/// (the driver sets, tasks check and clear). x86_64's adjacent-line prefetcher and many aarch64
/// cores move cache lines in 128-byte pairs, so a 64-byte alignment would still let two
/// neighbours share a pair and bounce between cores (false sharing); elsewhere 64 bytes is the
/// line size.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), repr(align(128)))]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    repr(align(64))
)]
#[derive(Debug)]
pub struct ScheduledIo {
    /// The readiness word (layout in `word.rs`).
    readiness: AtomicU64,
    /// The token the current occupant's events carry (slot index + generation). Changes only
    /// when the slab frees the slot (see `registration_set.rs`); the driver compares it with
    /// each event's token to drop stale events.
    token: AtomicUsize,
    /// The read direction's waker slot.
    reader: WakerCell,
    /// The write direction's waker slot.
    writer: WakerCell,
    /// Every waiting [`Readiness`] future.
    pub(crate) waiters: Mutex<WaiterList>,
}

impl ScheduledIo {
    pub(crate) fn new(token: usize) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicU64::new(0),
            token: AtomicUsize::new(token),
            reader: WakerCell::new(),
            writer: WakerCell::new(),
            waiters: Mutex::new(WaiterList::default()),
        }
    }

    fn cell(&self, direction: Direction) -> &WakerCell {
        match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
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
        // Normally none left (the old registration, or its release, cleared them).
        self.drop_wakers();
        self.readiness.store(0, Ordering::Release);
    }

    /// Applies a flag `update` with one compare-and-swap. For `Set` and `Shutdown` the same
    /// swap moves every armed slot the update wakes to busy; the caller then owes those slots
    /// a wake and a release ([`wake_claimed`](ScheduledIo::wake_claimed)).
    /// Always inlined: each caller's constant [`Update`] kind folds it to that kind's loop.
    #[inline(always)]
    fn update(&self, update: Update) -> Transition {
        let step = Step::new(update);
        let mut before = self.readiness.load(Ordering::Acquire);
        let transition = loop {
            let after = step.apply(before);
            if after == before {
                break Transition { before, after };
            }
            // AcqRel: a task that later loads `after` (Acquire) sees whatever the driver did
            // before setting it, and a slot taken here sees the cell its arming task wrote.
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

    /// Driver side: records an event's flags (bumping the tick of each direction it names,
    /// both for `ERROR`) and wakes every waiter it concerns. Returns how many were woken.
    #[inline]
    pub(crate) fn deliver(&self, ready: Ready) -> usize {
        let transition = self.update(Update::Set(ready));
        self.wake_claimed(transition, ready)
    }

    /// Task side: removes what `event` saw, except sticky flags, per direction and only if that
    /// direction's tick still equals the one in `event`.
    ///
    /// A changed tick means the driver delivered a newer event of that direction after `event`
    /// was observed — possibly *between* the task's `WouldBlock` and this call — and clearing
    /// would lose it. Keeping the flag costs at most one spurious retry.
    #[inline]
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.update(Update::Clear(event));
    }

    /// Sets `SHUTDOWN` and wakes every waiter (who then sees the shutdown error).
    /// Returns how many wakers were woken.
    pub(crate) fn shutdown(&self) -> usize {
        let transition = self.update(Update::Shutdown);
        self.wake_claimed(transition, Ready::ALL)
    }

    /// After an [`update`](ScheduledIo::update): wakes the slots it moved from armed to busy
    /// and releases them, then the matching [`Readiness`] futures if any are linked.
    #[inline(always)]
    fn wake_claimed(&self, transition: Transition, ready: Ready) -> usize {
        let Transition { before, after } = transition;
        // The slots this swap claimed: armed before, busy after.
        let claimed = before & (after >> 1);
        let mut woken = 0;
        if claimed & Direction::Read.armed() != 0 {
            woken += self.wake_slot(Direction::Read);
        }
        if claimed & Direction::Write.armed() != 0 {
            woken += self.wake_slot(Direction::Write);
        }
        if after & LINKED != 0 {
            woken += self.wake_linked(ready);
        }
        woken
    }

    /// Wakes a claimed slot's waker by reference and releases the slot; returns 1 if there
    /// was a waker.
    #[inline(always)]
    fn wake_slot(&self, direction: Direction) -> usize {
        // SAFETY: the caller's swap in `update` moved this slot from armed to busy, so this
        // thread holds `BUSY` until the `fetch_and` below.
        let woken = unsafe { self.cell(direction).wake_by_ref(|| self.token()) };
        // Release: the next holder's Acquire sees this one's last access to the cell. `BUSY`
        // is set (ours), so subtracting it clears exactly that bit, in one `lock xadd` where a
        // `fetch_and` whose result is used would be a compare-and-swap loop.
        let released = self.readiness.fetch_sub(direction.busy(), Ordering::AcqRel);
        if released & direction.gone() != 0 {
            self.drop_gone(direction);
        }
        usize::from(woken)
    }

    /// The registration was dropped while the driver woke this slot, and left its waker for
    /// the driver to drop.
    #[cold]
    #[inline(never)]
    fn drop_gone(&self, direction: Direction) {
        drop(self.take_waker(direction, true));
    }

    /// Wakes every linked [`Readiness`] future woken by `ready` (unlinked and marked ready),
    /// outside the lock, in batches of [`BATCH`](crate::wake_list::BATCH).
    #[cold]
    fn wake_linked(&self, ready: Ready) -> usize {
        let token = self.token();
        let mut wakers = WakeList::new();
        let mut woken = 0;
        let mut list = self.waiters.lock();
        while list.drain_matching(ready, &mut wakers) {
            // The batch is full: never run foreign code under the lock.
            drop(list);
            woken += wakers.wake_all(token);
            list = self.waiters.lock();
        }
        if list.is_empty() {
            self.readiness.fetch_and(!LINKED, Ordering::AcqRel);
        }
        drop(list);
        woken + wakers.wake_all(token)
    }

    /// Under the waiter lock, before linking a [`Readiness`] future: sets `LINKED` and returns
    /// the word as it was, which the future re-checks (the driver's setting swap and this one
    /// are ordered, so an event is either in the returned word or sees `LINKED`).
    pub(crate) fn mark_linked(&self) -> io::Result<u64> {
        let word = self.readiness.fetch_or(LINKED, Ordering::AcqRel);
        if word & SHUTDOWN != 0 {
            return Err(shutdown_error());
        }
        Ok(word)
    }

    /// Under the waiter lock, when the list has become empty: clears `LINKED`.
    pub(crate) fn mark_unlinked(&self) {
        self.readiness.fetch_and(!LINKED, Ordering::AcqRel);
    }

    /// The readiness `word` holds within `mask` (for [`Readiness`], with a word from
    /// [`mark_linked`](ScheduledIo::mark_linked)).
    pub(crate) fn event_in(word: u64, mask: Ready) -> Option<ReadyEvent> {
        event_in(word, mask)
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

    /// The poll path: ready now, or arm `direction`'s slot with `cx`'s waker.
    ///
    /// Only the most recent task to poll a direction is woken (one slot per direction).
    ///
    /// The ready case is one atomic load and is inlined into every I/O call; waiting is the
    /// out-of-line `arm_*` of the direction.
    #[inline(always)]
    pub(crate) fn poll_readiness(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let mask = u64::from(direction.wait_mask().as_bits());
        let mut word = self.readiness.load(Ordering::Acquire);
        if word & (mask | SHUTDOWN) == 0 {
            word = match direction {
                Direction::Read => self.arm_read(cx.waker(), word),
                Direction::Write => self.arm_write(cx.waker(), word),
            };
            if word == 0 {
                return Poll::Pending;
            }
        }
        Poll::Ready(match event_in(word, direction.wait_mask()) {
            Some(event) if word & SHUTDOWN == 0 => Ok(event),
            _ => Err(shutdown_error()),
        })
    }

    #[inline(never)]
    fn arm_read(&self, waker: &Waker, word: u64) -> u64 {
        self.arm(Direction::Read, waker, word)
    }

    #[inline(never)]
    fn arm_write(&self, waker: &Waker, word: u64) -> u64 {
        self.arm(Direction::Write, waker, word)
    }

    /// Arms `direction`'s slot with `waker` (protocol on the type): take the slot, make its
    /// cell hold the waker, release it armed. Returns 0 once armed (wait), or the word in
    /// which either swap found readiness within the direction's mask or `SHUTDOWN` (report
    /// it). `word` is the caller's last load.
    #[inline(always)]
    fn arm(&self, direction: Direction, waker: &Waker, mut word: u64) -> u64 {
        let mask = u64::from(direction.wait_mask().as_bits()) | SHUTDOWN;
        let (armed, busy) = (direction.armed(), direction.busy());
        let cell = self.cell(direction);
        // The steady state: the cell already holds this task's waker (it waited here before
        // and was woken by reference). Then no `BUSY` is needed. Armed: nothing to do. Idle:
        // one swap arms it. Sound without the slot because the cell changes only under `BUSY`,
        // and a holder's release happens-before our Acquire load of `word`: if that word shows
        // the slot idle or armed, the parts compared are the ones in the cell, and any
        // registration since would have changed the word and failed the swap (its tick too, if
        // it saw readiness, so the word cannot come back to the same value).
        if word & busy == 0 && word & mask == 0 && cell.holds(waker) {
            if word & armed != 0 {
                return 0;
            }
            match self.readiness.compare_exchange(
                word,
                word | armed,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return 0,
                Err(actual) => word = actual,
            }
        }
        // Take the slot: idle or armed → busy.
        loop {
            if word & mask != 0 {
                return word;
            }
            if word & busy != 0 {
                // The driver is waking this slot's waker, or another task of this direction is
                // storing its own: the cell is not ours to write. Be polled again instead.
                waker.wake_by_ref();
                return 0;
            }
            // Acquire: the cell's last holder released it with Release.
            match self.readiness.compare_exchange_weak(
                word,
                (word & !armed) | busy,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => word = actual,
            }
        }
        // SAFETY: the swap above set `BUSY` for this slot, held until the release below.
        let replaced = unsafe { cell.store(waker) };
        // Release the slot: armed, or idle if readiness arrived while it was busy (the driver
        // found it busy and left it to us), which is then reported.
        let mut word = (word & !armed) | busy;
        let found = loop {
            let found = word & mask;
            let next = (word & !busy) | if found == 0 { armed } else { 0 };
            match self.readiness.compare_exchange_weak(
                word,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break if found == 0 { 0 } else { word },
                Err(actual) => word = actual,
            }
        };
        // A replaced waker is dropped only now, with the slot released (its drop is foreign
        // code).
        drop(replaced);
        found
    }

    /// A future that resolves when any flag `interest` is woken by is set.
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness::new(self, Ready::from_interest(interest))
    }

    /// The registration is going away: drops the slots' wakers (they keep their tasks
    /// alive).
    ///
    /// A slot the driver holds (it is waking that waker right now) is not waited for: that
    /// wake may be running on this very thread and be what drops the source. The slot is
    /// marked `GONE` instead, and the driver drops the waker when it releases the slot.
    ///
    /// No [`Readiness`] future can still be linked: each borrows the registration that is
    /// going.
    pub(crate) fn clear_wakers(&self) {
        debug_assert!(
            self.waiters.lock().is_empty(),
            "a Readiness future outlived its source"
        );
        for direction in Direction::BOTH {
            drop(self.take_waker(direction, false));
        }
    }

    /// Drops the slots' wakers, waiting out a driver that is waking one (the slab's reset of
    /// a slot it hands out again, where no wake of it can be running).
    fn drop_wakers(&self) {
        for direction in Direction::BOTH {
            drop(self.take_waker(direction, true));
        }
    }

    /// Takes `direction`'s waker out: takes the slot, empties the cell and releases the slot
    /// idle. A busy slot is waited out if `wait`; otherwise it is marked `GONE` for its holder
    /// (the driver) to empty, and `None` is returned.
    fn take_waker(&self, direction: Direction, wait: bool) -> Option<Waker> {
        let (armed, busy, gone) = (direction.armed(), direction.busy(), direction.gone());
        let mut word = self.readiness.load(Ordering::Acquire);
        loop {
            let next = if word & busy == 0 {
                (word & !(armed | gone)) | busy
            } else if wait {
                sync::spin();
                word = self.readiness.load(Ordering::Acquire);
                continue;
            } else {
                word | gone
            };
            match self.readiness.compare_exchange_weak(
                word,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if word & busy != 0 => return None,
                Ok(_) => break,
                Err(actual) => word = actual,
            }
        }
        // SAFETY: the swap above set `BUSY` for this slot, held until the `fetch_and` below.
        let waker = unsafe { self.cell(direction).take() };
        self.readiness.fetch_and(!busy, Ordering::Release);
        waker
    }

    /// How many [`Readiness`] futures are linked (tests check that a dropped future unlinks).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn waiter_count(&self) -> usize {
        self.waiters.lock().len()
    }

    /// The raw word (tests).
    #[cfg(all(test, not(loom)))]
    fn word(&self) -> u64 {
        self.readiness.load(Ordering::Acquire)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
