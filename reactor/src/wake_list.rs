//! [`WakeList`]: a fixed-size batch of wakers collected under a lock and woken after it.
//!
//! `Waker::wake` runs arbitrary code: an executor's schedule, or a drop of the last reference
//! to a task, which may drop a `Registration` and take reactor locks. So wakers are never woken
//! while a reactor lock is held: they are moved into a `WakeList` under the lock and woken once
//! it is released. The list is fixed-size (no allocation on the hot path); when it fills, the
//! caller releases the lock, wakes the batch, re-locks and continues.

use std::io::Write;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::Waker;

use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::trace::{self as cause, WakeCause};

/// `Waker::wake` calls that panicked under the reactor, in this process.
static WAKER_PANICS: AtomicU64 = AtomicU64::new(0);

/// How many times, in this process, a `Waker` woken by a reactor (its I/O driver, its timers
/// or its shutdown) panicked in `wake`. Such a panic is contained: it is reported on stderr
/// and counted here, and the driver goes on waking the other wakers; the task behind the
/// panicking waker is simply not woken.
///
/// Process-wide rather than per reactor: the wake sites know the waker, not its reactor.
///
/// A deliberate difference from tokio, whose drivers let such a panic unwind out of the
/// driver (taking the worker thread that was turning it).
pub fn waker_panic_count() -> u64 {
    WAKER_PANICS.load(Relaxed)
}

/// Who called a waker, for the report of its panic.
#[derive(Clone, Copy, Debug)]
pub(crate) enum WakeSite {
    /// The I/O driver (readiness) or a reactor shutdown.
    Io,
    /// A fired timer.
    Timer,
}

/// Wakes `waker`, containing a panic of its `wake`: the reactor calls wakers from a runtime's
/// worker or `block_on` thread, and a panic unwinding out of the driver would cost that
/// thread (and with it, the driver lock and every timer) for one misbehaving waker.
#[inline]
pub(crate) fn wake_contained(waker: Waker, site: WakeSite) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake())).is_err() {
        report_waker_panic(site);
    }
}

#[cold]
fn report_waker_panic(site: WakeSite) {
    WAKER_PANICS.fetch_add(1, Relaxed);
    let by = match site {
        WakeSite::Io => "the I/O driver",
        WakeSite::Timer => "a timer",
    };
    // The panic hook has printed the panic itself; this says what became of it. (`writeln!`,
    // not `eprintln!`, which would panic again if stderr is closed.)
    let _ = writeln!(
        std::io::stderr(),
        "corium: a Waker panicked in `wake` when {by} woke it; the panic was caught and the \
         runtime keeps running, but that waker's task was not woken (see \
         corium_reactor::waker_panic_count)"
    );
}

/// How many wakers one batch holds.
pub(crate) const BATCH: usize = 32;

/// Invariant: `wakers[..len]` are initialised and owned by the list; `wakers[len..]` are not.
///
/// The slots are `MaybeUninit` rather than `Option` because a batch is usually small: `[None;
/// 32]` costs 32 stores to build and a 32-slot scan to drop, several times the price of waking
/// the one or two wakers it typically holds. (`ScheduledIo::wake` builds one only when a
/// `Readiness` future is linked; the usual single poll-path waker needs no list.)
pub(crate) struct WakeList {
    wakers: [MaybeUninit<Waker>; BATCH],
    len: usize,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> WakeList {
        WakeList {
            wakers: [const { MaybeUninit::uninit() }; BATCH],
            len: 0,
        }
    }

    /// Whether another waker fits.
    #[inline]
    pub(crate) fn can_push(&self) -> bool {
        self.len < BATCH
    }

    /// Adds a waker; the caller checked [`can_push`](WakeList::can_push).
    #[inline]
    pub(crate) fn push(&mut self, waker: Waker) {
        debug_assert!(self.can_push(), "WakeList::push on a full batch");
        // Indexing checks the bound: a push on a full batch panics rather than write past the
        // array. Slot `len` is uninitialised (invariant), so nothing is overwritten unread.
        self.wakers[self.len].write(waker);
        self.len += 1;
    }

    /// Wakes (and empties) the batch, returning how many were woken. Call with no lock held.
    ///
    /// With [`wake_slot_by_ref`], the only places the reactor wakes an I/O waiter (both announce
    /// the wake through `announce`, the trace point for "wake").
    /// `token` names the source whose readiness these wakers waited for.
    pub(crate) fn wake_all(&mut self, token: usize) -> usize {
        let n = self.len;
        // Reset first: the slots' ownership moves to `rest` below, which drops (without
        // waking) whatever a panicking waker leaves behind; nothing is woken or dropped twice.
        self.len = 0;
        let _cause = announce(token, n);
        let mut rest = Remaining {
            slots: &mut self.wakers[..n],
            next: 0,
        };
        while let Some(slot) = rest.slots.get(rest.next) {
            // SAFETY: `slot` is `wakers[next]` with `next < n`: initialised, since
            // `wakers[..n]` were (invariant) and only `wakers[..next]` have been read out.
            // `next` moves past it before anything else runs, so it is read exactly once and
            // neither `rest`'s drop nor the list's (`len` is 0) touches it again.
            let waker = unsafe { slot.assume_init_read() };
            rest.next += 1;
            wake_contained(waker, WakeSite::Io);
        }
        n
    }
}

/// Wakes a poll-path slot's waker by reference, leaving it in its slot (see
/// `scheduled_io/slot.rs`). A waker that panics is contained, like one of a batch.
#[inline]
pub(crate) fn wake_slot_by_ref(token: impl FnOnce() -> usize, waker: &Waker) {
    // The token is only for the trace: without it, not even its atomic load is paid.
    #[cfg(feature = "trace")]
    let _cause = announce(token(), 1);
    #[cfg(not(feature = "trace"))]
    let _ = token;
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake_by_ref())).is_err() {
        report_waker_panic(WakeSite::Io);
    }
}

/// Traces `n` wakes for `token` (just before them, so the executor's `task N woken by token T`
/// lines follow on this thread) and records the cause for the tasks they schedule.
#[inline]
fn announce(token: usize, n: usize) -> cause::CauseGuard {
    if n != 0 {
        trace!(
            Layer::Reactor,
            "WakeList::wake_all: token {token} wakes {n} waker{}",
            if n == 1 { "" } else { "s" }
        );
    }
    cause::set_cause(WakeCause::Io(token))
}

impl Drop for WakeList {
    fn drop(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            // SAFETY: `wakers[..len]` are initialised and owned by the list (invariant), and
            // the list is going away, so each is dropped exactly once and never read again.
            unsafe { slot.assume_init_drop() };
        }
    }
}

/// The not yet woken part of a batch during [`WakeList::wake_all`]: owns
/// `slots[next..]`, all initialised, and drops them if a waker panics midway.
struct Remaining<'a> {
    slots: &'a mut [MaybeUninit<Waker>],
    next: usize,
}

impl Drop for Remaining<'_> {
    fn drop(&mut self) {
        for slot in &mut self.slots[self.next..] {
            // SAFETY: `slots[next..]` are initialised and not yet read out (see `wake_all`);
            // the list's own `len` is already 0, so this is their only drop.
            unsafe { slot.assume_init_drop() };
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fills_then_wakes_every_one_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        while list.can_push() {
            list.push(Waker::from(count.clone()));
        }
        assert_eq!(list.wake_all(3), BATCH);
        assert_eq!(count.0.load(Ordering::SeqCst), BATCH);
        assert_eq!(list.wake_all(3), 0);
        assert!(list.can_push());
    }

    /// Counts drops of its wakers: a leak or a double drop shows as a wrong count (and Miri
    /// reports either).
    #[test]
    fn a_dropped_list_drops_exactly_its_wakers() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        for _ in 0..3 {
            list.push(Waker::from(count.clone()));
        }
        assert_eq!(Arc::strong_count(&count), 4);
        drop(list);
        assert_eq!(Arc::strong_count(&count), 1, "each waker dropped once");
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "dropped, not woken");
    }

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("waker panics on purpose");
        }
    }

    #[test]
    fn a_panicking_waker_is_contained_and_the_rest_woken_once() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        list.push(Waker::from(count.clone()));
        list.push(Waker::from(Arc::new(Panics)));
        list.push(Waker::from(count.clone()));
        list.push(Waker::from(count.clone()));
        let before = waker_panic_count();
        assert_eq!(list.wake_all(1), 4, "the panic does not escape");
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            3,
            "the others were all woken"
        );
        assert!(waker_panic_count() > before, "the panic was counted");
        assert_eq!(Arc::strong_count(&count), 1, "each waker consumed once");
        assert!(list.can_push());
        assert_eq!(list.wake_all(1), 0, "nothing woken twice");
        drop(list);
        assert_eq!(Arc::strong_count(&count), 1);
    }
}
