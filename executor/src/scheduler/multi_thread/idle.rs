//! Who is awake, who is looking for work, and who sleeps.
//!
//! Waking a worker for every queued task would make every spawn pay for a syscall, and letting
//! every idle worker scan every queue would melt the injector under contention. The rule is:
//!
//! * a worker with nothing to do may become a *searcher* (it tries to steal) only while fewer
//!   than half the workers are searching; otherwise it parks right away;
//! * a producer wakes a sleeper only if nobody is searching (a searcher will find the task);
//! * a searcher that finds work stops searching, and if it was the *last* searcher it wakes
//!   another worker, because more work may be behind the task it found;
//! * the last searcher to park re-checks every queue after publishing that it parks, so a task
//!   pushed while it was giving up is never left behind with everybody asleep.
//!
//! The two counts live in one atomic so a producer reads them in one load.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Mutex};

/// Low bits: number of searching workers.
const SEARCH_MASK: usize = (1 << 16) - 1;
/// High bits: number of unparked workers.
const UNPARK_SHIFT: usize = 16;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;

pub(crate) struct Idle {
    /// `num_unparked << 16 | num_searching`.
    state: AtomicUsize,
    num_workers: usize,
    /// Indices of parked workers; the lock also orders parking against targeted wake-ups.
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers <= SEARCH_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn searching(state: usize) -> usize {
        state & SEARCH_MASK
    }

    fn unparked(state: usize) -> usize {
        state >> UNPARK_SHIFT
    }

    /// Picks a sleeping worker to wake for new work, already counted as unparked and
    /// searching; `None` if a searcher exists or nobody sleeps.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // The SeqCst load pairs with the SeqCst updates of parking/searching workers: either we
        // see them searching (and they will find the task we just queued), or they see the task.
        if !self.should_wake(self.state.load(SeqCst)) {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        if !self.should_wake(self.state.load(SeqCst)) {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(index)
    }

    fn should_wake(&self, state: usize) -> bool {
        Self::searching(state) == 0 && Self::unparked(state) < self.num_workers
    }

    /// Becomes a searcher unless half the workers already search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * Self::searching(state) >= self.num_workers {
            return false;
        }
        // Racing past the limit by one is harmless; the limit only bounds contention.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Stops searching; `true` if this was the last searcher (who must then wake another).
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::searching(prev) > 0);
        Self::searching(prev) == 1
    }

    /// Records that `index` parks; `true` if it was the last searcher.
    pub(crate) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = UNPARK_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        is_searching && Self::searching(prev) == 1
    }

    /// `index` woke up on its own (driver events brought it local work): take it off the
    /// sleeper list if it is still there.
    pub(crate) fn unpark_worker_by_id(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let Some(pos) = sleepers.iter().position(|&i| i == index) else {
            return false;
        };
        sleepers.swap_remove(pos);
        self.state.fetch_add(UNPARK_ONE, SeqCst);
        true
    }

    /// `true` while `index` is on the sleeper list (nobody chose it for a wake-up).
    pub(crate) fn is_parked(&self, index: usize) -> bool {
        lock(&self.sleepers).contains(&index)
    }
}
