//! The task state word: six flag bits and a reference count in one `AtomicUsize`.
//!
//! Every transition below is a single atomic read-modify-write, so a wake, a completion, an
//! abort and a `JoinHandle` drop racing on different threads always agree on who does what
//! next: the thread whose transition returns "you do it" is the only one that touches the
//! future, the output or the join waker.
//!
//! ```text
//!  bit:  63 ..................... 6 | 5         | 4          | 3             | 2        | 1        | 0
//!        reference count            | CANCELLED | JOIN_WAKER | JOIN_INTEREST | NOTIFIED | COMPLETE | RUNNING
//! ```
//!
//! A new task starts as `NOTIFIED | JOIN_INTEREST` with three references: the owned-task list,
//! the [`Notified`](super::Notified) handed to the scheduler, and the [`JoinHandle`](super::JoinHandle).

use crate::loom::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};
use std::fmt;

/// The task is being polled (or cancelled) by exactly one thread.
///
/// Set by [`State::transition_to_running`] and [`State::transition_to_shutdown`]; cleared by
/// [`State::transition_to_idle`] or replaced by `COMPLETE`. While it is set, only the thread that
/// set it may touch the future/output stage; wakes only set `NOTIFIED` and never schedule.
pub(super) const RUNNING: usize = 1 << 0;

/// The future has been dropped and the stage holds the output (or the error).
///
/// Set once, by [`State::transition_to_complete`], and never cleared. Once set no one polls
/// the task again, wakes are ignored, and the output belongs to the `JoinHandle` (or to the
/// runtime, which drops it, if there is no `JoinHandle`).
pub(super) const COMPLETE: usize = 1 << 1;

/// A [`Notified`](super::Notified) for this task exists (in a run queue, or about to be).
///
/// Set by a wake of an idle task (which then submits it) or by a wake during a poll (the poller
/// resubmits after the poll). Cleared by [`State::transition_to_running`]. While it is set,
/// further wakes are no-ops: this bit is what deduplicates wake-ups.
pub(super) const NOTIFIED: usize = 1 << 2;

/// The `JoinHandle` is alive and wants the output.
///
/// Set at spawn; cleared when the `JoinHandle` is dropped. If it is clear at completion, the
/// completing thread drops the output itself.
pub(super) const JOIN_INTEREST: usize = 1 << 3;

/// The join waker slot holds a waker and the *task side* owns read access to it.
///
/// Set by the `JoinHandle` after writing the slot, and only while `COMPLETE` is clear. While it
/// is set the `JoinHandle` may not write the slot; to replace the waker it must first clear the
/// bit (which fails once `COMPLETE` is set). The completing thread clears it after waking.
pub(super) const JOIN_WAKER: usize = 1 << 4;

/// The task was aborted (or the runtime is shutting down): the next thread to own it drops
/// the future instead of polling it.
///
/// Set by [`State::transition_to_notified_and_cancel`] or [`State::transition_to_shutdown`];
/// never cleared.
pub(super) const CANCELLED: usize = 1 << 5;

/// Every bit that is a flag rather than part of the count.
const FLAG_MASK: usize = REF_ONE - 1;
/// How far the reference count is shifted.
const REF_SHIFT: usize = 6;
/// One reference.
pub(super) const REF_ONE: usize = 1 << REF_SHIFT;

/// State of a task as it is spawned: scheduled, awaited, three references.
pub(super) const INITIAL_STATE: usize = (REF_ONE * 3) | JOIN_INTEREST | NOTIFIED;
/// State of a task that is spawned without an owned-task list (blocking tasks): two references.
pub(super) const INITIAL_STATE_UNOWNED: usize = (REF_ONE * 2) | JOIN_INTEREST | NOTIFIED;

/// The atomic state word of one task.
pub(super) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// What the poller must do after [`State::transition_to_running`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToRunning {
    /// Poll the future.
    Success,
    /// Drop the future: the task was cancelled.
    Cancelled,
    /// Someone else runs it or it is done; the caller's reference was released.
    Failed,
    /// As `Failed`, and that was the last reference: free the task.
    Dealloc,
}

/// What the poller must do after [`State::transition_to_idle`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToIdle {
    /// Nothing: the poller's reference was released.
    Ok,
    /// Woken during the poll: reschedule, reusing the poller's reference.
    OkNotified,
    /// The poller's reference was the last one: free the task.
    OkDealloc,
    /// Aborted during the poll: drop the future now (the task is still `RUNNING`).
    Cancelled,
}

/// What a waker must do after a wake transition.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToNotified {
    /// Hand a `Notified` (which owns one reference) to the scheduler.
    Submit,
    /// Nothing to do.
    DoNothing,
    /// The waker's reference was the last one: free the task.
    Dealloc,
}

/// What the `JoinHandle` owns after [`State::transition_to_join_handle_dropped`].
pub(super) struct JoinHandleDropped {
    /// The task completed: the output is the `JoinHandle`'s to drop.
    pub(super) drop_output: bool,
    /// `JOIN_WAKER` is clear: the waker slot is the `JoinHandle`'s to clear.
    pub(super) drop_waker: bool,
}

impl State {
    pub(super) fn new(initial: usize) -> State {
        State {
            val: AtomicUsize::new(initial),
        }
    }

    #[inline]
    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// Applies `f` until the compare-exchange succeeds; `f` returns the action and the new value
    /// (`None` leaves the word unchanged).
    #[inline]
    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (action, next) = f(curr);
            let Some(next) = next else { return action };
            match self.val.compare_exchange(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return action,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Like `fetch_update_action`, but `f` may refuse (`None`), returning the refused snapshot.
    #[inline]
    fn fetch_update(
        &self,
        mut f: impl FnMut(Snapshot) -> Option<Snapshot>,
    ) -> Result<Snapshot, Snapshot> {
        let mut curr = self.load();
        loop {
            let Some(next) = f(curr) else {
                return Err(curr);
            };
            match self.val.compare_exchange(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return Ok(next),
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// A scheduler popped a `Notified`: take the right to poll.
    #[inline]
    pub(super) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_notified(), "a Notified exists, so NOTIFIED is set");
            if !next.is_idle() {
                // Shutdown cancelled it (RUNNING) or it is already complete: this queue entry
                // is stale, so give its reference back.
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (action, Some(next));
            }
            next.set(RUNNING);
            next.unset(NOTIFIED);
            let action = if next.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (action, Some(next))
        })
    }

    /// The poll returned `Pending`: give up the right to poll. `self_woken` if its future
    /// yielded through the task's own waker (see `yield_now`): that wake is folded into this
    /// one CAS instead of costing a CAS of its own during the poll, and the result is then
    /// never `Ok`/`OkDealloc`.
    #[inline]
    pub(super) fn transition_to_idle_after(&self, self_woken: bool) -> TransitionToIdle {
        self.fetch_update_action(|curr| {
            debug_assert!(curr.is_running());
            if curr.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            let mut next = curr;
            next.unset(RUNNING);
            if self_woken {
                next.set(NOTIFIED);
            }
            let action = if next.is_notified() {
                // Keep the poller's reference: it becomes the new Notified's.
                TransitionToIdle::OkNotified
            } else {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                }
            };
            (action, Some(next))
        })
    }

    /// The future is gone and the output stored: `RUNNING` becomes `COMPLETE`.
    pub(super) fn transition_to_complete(&self) -> Snapshot {
        const DELTA: usize = RUNNING | COMPLETE;
        let prev = Snapshot(self.val.fetch_xor(DELTA, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ DELTA)
    }

    /// Releases `count` references after completion; `true` if they were the last.
    pub(super) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// A waker that owns a reference wakes the task (and gives the reference up or on).
    #[inline]
    pub(super) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.fetch_update_action(|mut next| {
            let action = if next.is_running() {
                // The poller will resubmit; our reference is not needed (it cannot be the
                // last: the poller holds one).
                next.set(NOTIFIED);
                next.ref_dec();
                debug_assert!(next.ref_count() > 0);
                TransitionToNotified::DoNothing
            } else if next.is_complete() || next.is_notified() {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                }
            } else {
                // Our reference becomes the Notified's.
                next.set(NOTIFIED);
                TransitionToNotified::Submit
            };
            (action, Some(next))
        })
    }

    /// A borrowed waker wakes the task; on `Submit` a new reference was taken for the Notified.
    #[inline]
    pub(super) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.fetch_update_action(|mut next| {
            if next.is_complete() || next.is_notified() {
                (TransitionToNotified::DoNothing, None)
            } else if next.is_running() {
                next.set(NOTIFIED);
                (TransitionToNotified::DoNothing, Some(next))
            } else {
                next.set(NOTIFIED);
                next.ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// `abort()`: mark cancelled; `true` means the caller must submit a Notified (a reference
    /// was taken for it) so a worker drops the future.
    pub(super) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update_action(|mut next| {
            if next.is_cancelled() || next.is_complete() {
                (false, None)
            } else if next.is_running() || next.is_notified() {
                // The poller (at transition_to_idle) or the queued Notified (at
                // transition_to_running) will see CANCELLED.
                next.set(NOTIFIED | CANCELLED);
                (false, Some(next))
            } else {
                next.set(NOTIFIED | CANCELLED);
                next.ref_inc();
                (true, Some(next))
            }
        })
    }

    /// Runtime shutdown: mark cancelled and, if nobody is polling it, take `RUNNING` so the
    /// caller drops the future right away (`true`).
    pub(super) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update_action(|mut next| {
            let take = next.is_idle();
            if take {
                next.set(RUNNING);
            }
            next.set(CANCELLED);
            (take, Some(next))
        })
    }

    /// Fast path of `JoinHandle` drop: spawned, never polled, no waker registered.
    pub(super) fn drop_join_handle_fast(&self, initial: usize) -> bool {
        self.val
            .compare_exchange(
                initial,
                (initial - REF_ONE) & !JOIN_INTEREST,
                AcqRel,
                Acquire,
            )
            .is_ok()
    }

    /// `JoinHandle` drop: give up interest. If the task is not complete also take back the
    /// waker slot, so the handle can clear it without racing the completer.
    pub(super) fn transition_to_join_handle_dropped(&self) -> JoinHandleDropped {
        self.fetch_update_action(|curr| {
            debug_assert!(curr.is_join_interested());
            let mut next = curr;
            next.unset(JOIN_INTEREST);
            if !curr.is_complete() {
                next.unset(JOIN_WAKER);
            }
            let action = JoinHandleDropped {
                drop_output: curr.is_complete(),
                drop_waker: !next.is_join_waker_set(),
            };
            (action, Some(next))
        })
    }

    /// The `JoinHandle` wrote the waker slot; hand read access to the task side.
    /// `Err` if the task completed meanwhile (the slot is still the handle's).
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && !curr.is_join_waker_set());
            if curr.is_complete() {
                return None;
            }
            let mut next = curr;
            next.set(JOIN_WAKER);
            Some(next)
        })
    }

    /// The `JoinHandle` takes the waker slot back to replace the waker.
    /// `Err` if the task completed (the completer may be reading the slot).
    pub(super) fn unset_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && curr.is_join_waker_set());
            if curr.is_complete() {
                return None;
            }
            let mut next = curr;
            next.unset(JOIN_WAKER);
            Some(next)
        })
    }

    /// The completer is done with the join waker; returns the state before.
    pub(super) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        prev
    }

    /// Takes one more reference (a waker clone, an abort handle, a new Notified).
    #[inline]
    pub(super) fn ref_inc(&self) {
        // Relaxed is enough, as for `Arc::clone`: the caller already holds a reference, so
        // the task cannot be freed concurrently, and no data is published by the increment.
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            // Millions of leaked wakers; continuing would wrap the count into a use-after-free.
            std::process::abort();
        }
    }

    /// Drops one reference; `true` if it was the last one (the caller frees the task).
    #[inline]
    pub(super) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }
}

impl Snapshot {
    /// Neither running nor complete: free to be claimed.
    pub(super) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    pub(super) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(super) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(super) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(super) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(super) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(super) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn set(&mut self, bits: usize) {
        self.0 |= bits;
    }
    fn unset(&mut self, bits: usize) {
        self.0 &= !bits;
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("cancelled", &self.is_cancelled())
            .field("refs", &self.ref_count())
            .field("flags", &(self.0 & FLAG_MASK))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_wake_while_running_is_deferred_to_the_poller() {
        let s = State::new(INITIAL_STATE);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        // A by-ref wake only marks the task; the poller reschedules it.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(
            s.transition_to_idle_after(false),
            TransitionToIdle::OkNotified
        );
        let snap = s.load();
        assert!(snap.is_notified() && !snap.is_running());
        assert_eq!(snap.ref_count(), 3);
    }

    #[test]
    fn a_self_yield_is_folded_into_the_idle_transition() {
        let s = State::new(INITIAL_STATE);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let before = s.load().ref_count();
        assert_eq!(
            s.transition_to_idle_after(true),
            TransitionToIdle::OkNotified
        );
        let snap = s.load();
        assert!(snap.is_notified() && !snap.is_running());
        assert_eq!(snap.ref_count(), before, "the poller's reference is kept");
        // A wake that already happened during the poll is not counted twice.
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(
            s.transition_to_idle_after(true),
            TransitionToIdle::OkNotified
        );
        assert_eq!(s.load().ref_count(), before);
    }

    #[test]
    fn notified_deduplicates_wakes() {
        let s = State::new(INITIAL_STATE);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle_after(false), TransitionToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::Submit
        );
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(
            s.load().ref_count(),
            3,
            "only the first wake took a reference"
        );
    }

    #[test]
    fn abort_of_a_queued_task_is_seen_when_it_is_popped() {
        let s = State::new(INITIAL_STATE);
        assert!(
            !s.transition_to_notified_and_cancel(),
            "already queued: no second Notified"
        );
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
        assert!(
            !s.transition_to_notified_and_cancel(),
            "aborting twice does nothing"
        );
    }

    #[test]
    fn abort_of_an_idle_task_submits_it() {
        let s = State::new(INITIAL_STATE);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle_after(false), TransitionToIdle::Ok);
        assert!(s.transition_to_notified_and_cancel());
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn join_waker_cannot_be_set_after_completion() {
        let s = State::new(INITIAL_STATE);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let done = s.transition_to_complete();
        assert!(done.is_complete() && !done.is_running());
        assert!(s.set_join_waker().is_err());
        let dropped = s.transition_to_join_handle_dropped();
        assert!(dropped.drop_output && dropped.drop_waker);
    }

    #[test]
    fn stale_notified_after_shutdown_releases_its_reference() {
        let s = State::new(INITIAL_STATE);
        assert!(s.transition_to_shutdown(), "idle task: shutdown takes it");
        s.transition_to_complete();
        // The queued Notified is popped later and must just give its reference back.
        assert_eq!(s.transition_to_running(), TransitionToRunning::Failed);
        assert!(!s.transition_to_terminal(1));
        assert!(
            s.transition_to_terminal(1),
            "the last reference frees the task"
        );
    }

    #[test]
    fn fast_join_handle_drop_only_matches_the_untouched_state() {
        let s = State::new(INITIAL_STATE);
        assert!(s.drop_join_handle_fast(INITIAL_STATE));
        assert!(!s.load().is_join_interested());
        let t = State::new(INITIAL_STATE);
        t.transition_to_notified_and_cancel();
        assert!(!t.drop_join_handle_fast(INITIAL_STATE));
    }
}
