//! [`WakeList`]: a fixed-size batch of wakers collected under a lock and woken after it.
//!
//! `Waker::wake` runs arbitrary code: an executor's schedule, or a drop of the last reference
//! to a task, which may drop a `Registration` and take reactor locks. So wakers are never woken
//! while a reactor lock is held: they are moved into a `WakeList` under the lock and woken once
//! it is released. The list is fixed-size (no allocation on the hot path); when it fills, the
//! caller releases the lock, wakes the batch, re-locks and continues.

use std::task::Waker;

use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::trace::{self as cause, WakeCause};

/// How many wakers one batch holds.
pub(crate) const BATCH: usize = 32;

pub(crate) struct WakeList {
    wakers: [Option<Waker>; BATCH],
    len: usize,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList {
            wakers: [const { None }; BATCH],
            len: 0,
        }
    }

    /// Whether another waker fits.
    pub(crate) fn can_push(&self) -> bool {
        self.len < BATCH
    }

    /// Adds a waker; the caller checked [`can_push`](WakeList::can_push).
    pub(crate) fn push(&mut self, waker: Waker) {
        debug_assert!(self.can_push(), "WakeList::push on a full batch");
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    /// Wakes (and empties) the batch, returning how many were woken. Call with no lock held.
    ///
    /// This is the single place the reactor wakes an I/O waiter (the trace point for "wake").
    /// `token` names the source whose readiness these wakers waited for.
    pub(crate) fn wake_all(&mut self, token: usize) -> usize {
        let n = self.len;
        // Reset first: if a waker panics, the rest are dropped (not woken twice) on unwind.
        self.len = 0;
        // Traced just before the wakes, which the executor's `task N woken by token T` lines
        // then follow on this thread.
        if n != 0 {
            trace!(
                Layer::Reactor,
                "WakeList::wake_all: token {token} wakes {n} waker{}",
                if n == 1 { "" } else { "s" }
            );
        }
        let _cause = cause::set_cause(WakeCause::Io(token));
        for slot in &mut self.wakers[..n] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        }
        n
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
}
