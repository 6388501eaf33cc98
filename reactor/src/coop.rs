//! Cooperative scheduling budget: a task that always finds its I/O ready must still yield.
//!
//! Edge-triggered readiness can stay set for a long time (a socket with data flowing in as fast
//! as a task reads it). A task looping on such a socket never returns `Pending` and so would
//! starve every other task on its worker. The executor therefore runs each task poll inside
//! [`budget`], which gives the thread [`BUDGET`] units; every reactor operation that can
//! complete spends one unit — and once none is left returns `Pending` after waking the task,
//! so it goes to the back of the run queue and continues on its next poll with a fresh budget.
//!
//! Outside [`budget`] (a plain `block_on` of the reactor, a test) there is no limit.
//!
//! # Two ways to spend, one rule: a unit pays for *progress*
//!
//! * [`poll_spend`], for an operation that checks first: a readiness poll that found its
//!   source ready (`Registration::poll_read_ready` and the I/O calls built on it) spends a
//!   unit; one that must wait spends nothing. One thread-local access, no guard: this is the
//!   I/O hot path.
//! * [`poll_proceed`], for an operation that must ask before it looks (a timer, a
//!   `Readiness` future, a `JoinHandle`): it spends first and returns a [`RestoreOnPending`]
//!   guard; the operation calls [`RestoreOnPending::made_progress`] when it returns `Ready`,
//!   and if the guard is dropped without that (the operation returned `Pending`) the unit is
//!   given back, since waiting costs the other tasks nothing.
//!
//! # Examples
//!
//! ```
//! use std::future::Future;
//! use std::pin::pin;
//! use std::task::{Context, Poll, Waker};
//! use corium_reactor::coop;
//!
//! let mut cx = Context::from_waker(Waker::noop());
//! let ((), exhausted) = coop::budget(|| {
//!     for _ in 0..coop::BUDGET {
//!         // Every readiness poll spends one unit...
//!         let Poll::Ready(unit) = coop::poll_proceed(&mut cx) else { unreachable!() };
//!         unit.made_progress();
//!     }
//!     // ...and once the budget is spent, the next one yields.
//!     assert!(!coop::has_budget_remaining());
//!     assert!(coop::poll_proceed(&mut cx).is_pending());
//! });
//! assert!(exhausted);
//! // Outside `budget`, nothing is limited.
//! assert!(coop::poll_proceed(&mut cx).is_ready());
//! ```

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units of work one task poll may do before reactor operations make it yield.
pub const BUDGET: u32 = 128;

/// The thread's budget in one word, so every check is one thread-local load:
/// the low 30 bits are the units left; bit 30 marks "no limit" (outside [`budget`]); bit 31
/// records that some operation was refused for lack of budget during this [`budget`] call.
///
/// "No limit" still counts down, from [`UNITS`]: that keeps the fast path one test (are units
/// left?) and one decrement for both cases. Running out while unlimited just refills.
const FORCED_YIELD: u32 = 1 << 31;
const UNLIMITED: u32 = 1 << 30;
const UNITS: u32 = UNLIMITED - 1;
/// The value outside [`budget`].
const UNCONSTRAINED: u32 = UNLIMITED | UNITS;

thread_local! {
    static CURRENT: Cell<u32> = const { Cell::new(UNCONSTRAINED) };
}

/// Restores the previous budget when a [`budget`] call ends, even by unwinding.
struct ResetGuard(u32);

impl Drop for ResetGuard {
    #[inline]
    fn drop(&mut self) {
        // If the thread-local is already gone the thread is exiting: nothing to restore.
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// Runs `f` (one task poll) with a fresh budget of [`BUDGET`] on this thread, restoring the
/// previous budget afterwards (calls nest).
///
/// Returns `f`'s result and whether the budget ran out during it, i.e. whether some reactor
/// operation yielded `Pending` only to let other tasks run (the executor counts these).
#[inline]
pub fn budget<R>(f: impl FnOnce() -> R) -> (R, bool) {
    let Ok(previous) = CURRENT.try_with(|c| c.replace(BUDGET)) else {
        // Thread-local storage is being torn down: run unconstrained.
        return (f(), false);
    };
    let reset = ResetGuard(previous);
    let result = f();
    let now = CURRENT.try_with(Cell::get).unwrap_or(0);
    drop(reset);
    (result, now & FORCED_YIELD != 0)
}

/// Runs `f` with no budget limit on this thread (the budget outside [`budget`]), restoring
/// the previous budget afterwards: what tokio's `unconstrained` does for one poll.
#[inline]
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    let Ok(previous) = CURRENT.try_with(|c| c.replace(UNCONSTRAINED)) else {
        return f();
    };
    let _reset = ResetGuard(previous);
    f()
}

/// Takes one unit from the thread's budget: `true` if there was one (or no limit), `false`
/// after marking the forced yield.
#[inline]
fn take_unit() -> bool {
    CURRENT
        .try_with(|c| {
            let word = c.get();
            if word & UNITS != 0 {
                c.set(word - 1);
                true
            } else {
                out_of_units(c, word)
            }
        })
        // No thread-local any more (thread exiting): do not limit.
        .unwrap_or(true)
}

/// [`take_unit`] found no unit left: refill if unlimited, otherwise record the forced yield.
#[cold]
fn out_of_units(c: &Cell<u32>, word: u32) -> bool {
    if word & UNLIMITED != 0 {
        c.set(UNCONSTRAINED - 1);
        true
    } else {
        c.set(word | FORCED_YIELD);
        false
    }
}

/// Spends one unit of the current task's budget, or — when it is spent — wakes the task
/// (`wake_by_ref`) and returns `Pending`, so the task yields and is polled again later.
///
/// Outside [`budget`] it always returns `Ready`. Call it *before* checking readiness; see the
/// [module docs](self) for the guard. An operation that checks first and only spends when it
/// can complete uses [`poll_spend`] instead, which needs no guard.
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    poll_spend(cx).map(|()| RestoreOnPending {
        refund: Cell::new(true),
    })
}

/// For an operation that already knows it can complete (its resource is ready): spends one
/// unit and returns `Ready`, or — when the budget is spent — wakes the task and returns
/// `Pending`, exactly like [`poll_proceed`].
///
/// Waiting costs the other tasks nothing, so an operation that finds its resource *not* ready
/// returns `Pending` without calling this: the same outcome as [`poll_proceed`]'s refund, with
/// no guard and one thread-local access on the fast path (the reactor's readiness polls use it).
#[inline]
pub fn poll_spend(cx: &mut Context<'_>) -> Poll<()> {
    if take_unit() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Whether the current task may still do reactor work without being told to yield (always
/// `true` outside [`budget`]).
pub fn has_budget_remaining() -> bool {
    CURRENT
        .try_with(|c| c.get() & (UNLIMITED | UNITS) != 0)
        .unwrap_or(true)
}

/// One unit of budget spent by [`poll_proceed`]: given back on drop unless
/// [`made_progress`](RestoreOnPending::made_progress) was called.
///
/// Drop it in the same task poll that obtained it (it refunds whatever budget is current).
#[derive(Debug)]
#[must_use = "call made_progress() when the operation returns Ready; dropping refunds the unit"]
pub struct RestoreOnPending {
    refund: Cell<bool>,
}

impl RestoreOnPending {
    /// The operation completed: keep the unit spent.
    pub fn made_progress(&self) {
        self.refund.set(false);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if !self.refund.get() {
            return;
        }
        let _ = CURRENT.try_with(|c| {
            let word = c.get();
            if word & UNLIMITED == 0 && word & UNITS < BUDGET {
                c.set(word + 1);
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn pending_operations_refund_their_unit() {
        let mut cx = Context::from_waker(Waker::noop());
        let ((), exhausted) = budget(|| {
            for _ in 0..BUDGET * 2 {
                // Dropped without made_progress: refunded, so never exhausted.
                let Poll::Ready(_unit) = poll_proceed(&mut cx) else {
                    panic!("budget ran out although every operation was refunded")
                };
            }
        });
        assert!(!exhausted);
    }

    #[test]
    fn poll_spend_counts_down_then_wakes_and_yields() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let (spent, exhausted) = budget(|| {
            let mut spent = 0;
            while poll_spend(&mut cx).is_ready() {
                spent += 1;
                assert!(spent <= BUDGET, "poll_spend never ran out");
            }
            spent
        });
        assert_eq!(spent, BUDGET);
        assert!(exhausted);
        // The refusal woke the task once, so it is polled again with a fresh budget.
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // Outside `budget`: unlimited, and the outer state was restored.
        for _ in 0..BUDGET * 2 {
            assert!(poll_spend(&mut cx).is_ready());
        }
    }

    #[test]
    fn unlimited_counts_down_and_refills_instead_of_yielding() {
        // Outside `budget`, as if 2^30 operations had already run: the next one refills.
        CURRENT.with(|c| c.set(UNLIMITED));
        assert!(has_budget_remaining());
        assert!(take_unit());
        assert_eq!(CURRENT.with(Cell::get), UNCONSTRAINED - 1);
        // A constrained budget at zero does not refill: it records the forced yield.
        let ((), exhausted) = budget(|| {
            CURRENT.with(|c| c.set(0));
            assert!(!has_budget_remaining());
            assert!(!take_unit());
        });
        assert!(exhausted);
        assert_eq!(CURRENT.with(Cell::get), UNCONSTRAINED - 1, "restored");
        CURRENT.with(|c| c.set(UNCONSTRAINED));
    }

    #[test]
    fn unconstrained_lifts_the_limit_and_restores_it() {
        let ((), exhausted) = budget(|| {
            CURRENT.with(|c| c.set(0));
            assert!(!has_budget_remaining());
            unconstrained(|| {
                assert!(has_budget_remaining());
                assert!(take_unit());
            });
            assert!(!has_budget_remaining(), "the spent budget is back");
        });
        assert!(!exhausted, "nothing was refused");
    }

    #[test]
    fn budgets_nest_and_restore() {
        let mut cx = Context::from_waker(Waker::noop());
        let ((), outer_exhausted) = budget(|| {
            let Poll::Ready(unit) = poll_proceed(&mut cx) else {
                unreachable!()
            };
            unit.made_progress();
            let ((), inner) = budget(|| {
                while let Poll::Ready(u) = poll_proceed(&mut cx) {
                    u.made_progress();
                }
            });
            assert!(inner);
            // The outer budget is back, with its one unit spent.
            assert!(has_budget_remaining());
        });
        assert!(!outer_exhausted);
        assert!(has_budget_remaining());
    }
}
