//! The executor's trace points, one function per kind of event.
//!
//! They compile to nothing today. They exist so that the later trace facility has exactly one
//! place to hook each event: every schedule decision, steal, park/unpark transition and wake in
//! the crate goes through these functions and nowhere else.

use crate::task::Id;

/// Where a scheduled task was put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dest {
    /// The worker's LIFO slot (runs next on this worker).
    Lifo,
    /// The back of the worker's local queue.
    Local,
    /// The global injection queue (scheduled from outside a worker, or overflow).
    Inject,
}

/// A task was queued on `worker` (`None`: not on a worker thread).
#[inline(always)]
pub(crate) fn schedule(task: Id, worker: Option<usize>, dest: Dest) {
    let _ = (task, worker, dest);
}

/// `thief` took `count` tasks from `victim` (`None`: from the injection queue).
#[inline(always)]
pub(crate) fn steal(thief: usize, victim: Option<usize>, count: usize) {
    let _ = (thief, victim, count);
}

/// Park state transition of a parker: `from` -> `to` (names from `park.rs`).
#[inline(always)]
pub(crate) fn park_transition(from: &'static str, to: &'static str) {
    let _ = (from, to);
}

/// A task's waker fired.
#[inline(always)]
pub(crate) fn wake(task: Id) {
    let _ = task;
}
