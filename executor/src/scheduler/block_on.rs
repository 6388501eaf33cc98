//! Running a future to completion on the calling thread, sleeping on a [`Parker`] between
//! polls (used by the multi-thread `block_on` and by `Handle::block_on` when another thread
//! drives a current-thread runtime).

use crate::coop;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::spin::Spin;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct ThreadWaker(Unparker);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A parker and the waker that unparks it.
pub(crate) struct ThreadParker {
    parker: Parker,
    waker: Waker,
    spin: Spin,
}

impl ThreadParker {
    pub(crate) fn new() -> ThreadParker {
        let parker = Parker::new(None);
        let waker = Waker::from(Arc::new(ThreadWaker(parker.unparker())));
        ThreadParker {
            parker,
            waker,
            spin: Spin::default(),
        }
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// Sleeps until the waker is used (returns at once if it already was). If the last
    /// sleep was short, it first watches for the wake-up for a few microseconds
    /// ([`spin`](crate::scheduler::spin)).
    pub(crate) fn park(&mut self) {
        let parker = &mut self.parker;
        if self.spin.spin(|| parker.is_notified()) {
            // Consumes the notification without sleeping.
            parker.park(None);
            return;
        }
        let slept_at = corium_selector_sys::monotonic_nanos();
        parker.park(None);
        let woke_at = corium_selector_sys::monotonic_nanos();
        self.spin.record(slept_at, woke_at, parker.woken_at());
    }

    /// Polls `future` until it completes, parking in between.
    pub(crate) fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = pin!(future);
        let waker = self.waker.clone();
        let mut cx = Context::from_waker(&waker);
        loop {
            // The future may use reactor resources, which charge the budget like a task.
            if let (Poll::Ready(out), _) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                return out;
            }
            self.park();
        }
    }
}
