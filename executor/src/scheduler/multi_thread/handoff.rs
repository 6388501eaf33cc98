//! `block_in_place` on a worker: the worker's [`Core`] moves to a new thread, so the tasks
//! queued behind the blocking one keep running.
//!
//! A worker's core lives in its thread's `LOCAL` slot. `block_in_place` takes it out, puts it
//! in a [`HandOff`] and starts a new worker thread that takes it from there and runs the
//! ordinary worker loop with it; meanwhile the calling thread runs the blocking closure
//! without a core (wakes on it go to the injector). When the closure returns, the caller tries
//! to take the core back: if the new thread has not taken it yet, it is reinstalled here and
//! the new thread, finding the hand-off empty, just exits; otherwise this thread finishes the
//! task's poll core-less and its worker loop ends, and the thread exits. Exactly one thread
//! ends up with the core (loom model `loom_block_in_place_hand_off`), and the runtime counts
//! the extra thread in before it starts, so shutdown waits for both.

use super::core::Core;
use super::worker::{spawn_thread, LOCAL};
use super::Handle;
use crate::context;
use crate::loom::{lock, Mutex};
use std::sync::Arc;

/// One value passed from one thread to whichever of two threads takes it first.
pub(crate) struct HandOff<T> {
    slot: Mutex<Option<T>>,
}

impl<T> HandOff<T> {
    pub(crate) fn new(value: T) -> HandOff<T> {
        HandOff {
            slot: Mutex::new(Some(value)),
        }
    }

    /// The value, for the first taker only.
    pub(crate) fn take(&self) -> Option<T> {
        lock(&self.slot).take()
    }
}

/// Runs `f` on this worker thread after handing its core to a new thread. Not on one of
/// `handle`'s workers (a `block_on` thread, a blocking-pool thread), it just runs `f`.
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(handle: &Arc<Handle>, f: F) -> R {
    let core = LOCAL
        .try_with(|local| local.borrow_for(&**handle).and_then(|mut core| core.take()))
        .ok()
        .flatten();
    let Some(core) = core else {
        return context::exit_runtime(f);
    };
    let index = core.index;
    let handoff = Arc::new(HandOff::new(core));
    // Counted in before it starts, so shutdown cannot finish without it.
    handle.shared.worker_thread_added();
    let theirs = handoff.clone();
    let spawned = spawn_thread(handle, index, &handle.threads, move || theirs.take());
    // Takes the core back if the new thread has not (also when `f` panics).
    let _reclaim = Reclaim(&handoff);
    if spawned.is_err() {
        // No thread to run the queue: keep the core and block here, as tokio does without a
        // blocking thread to spare.
        handle.shared.workers_failed_to_start(1);
    }
    // The closure may `block_on` another runtime: it is not async code.
    context::exit_runtime(f)
}

/// Reinstalls the core on drop if it is still in the hand-off.
struct Reclaim<'a>(&'a HandOff<Core>);

impl Drop for Reclaim<'_> {
    fn drop(&mut self) {
        if let Some(core) = self.0.take() {
            // The slot still names this runtime (only the core was taken out).
            let _ = LOCAL.try_with(|local| *local.value().borrow_mut() = Some(core));
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::HandOff;
    use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
    use crate::loom::Arc;
    use loom::thread;

    /// The old worker's reclaim races the new thread's take: exactly one gets the core.
    #[test]
    fn loom_block_in_place_hand_off() {
        loom::model(|| {
            let owners = Arc::new(AtomicUsize::new(0));
            let handoff = std::sync::Arc::new(HandOff::new(7));
            let (theirs, counted) = (handoff.clone(), owners.clone());
            let new_thread = thread::spawn(move || {
                if let Some(core) = theirs.take() {
                    assert_eq!(core, 7);
                    counted.fetch_add(1, SeqCst);
                }
            });
            if let Some(core) = handoff.take() {
                assert_eq!(core, 7);
                owners.fetch_add(1, SeqCst);
            }
            new_thread.join().unwrap();
            assert_eq!(owners.load(SeqCst), 1, "the core was lost or duplicated");
        });
    }
}
