//! [`block_on`] for the `blocking_*` calls (`Mutex::blocking_lock`, `blocking_recv`, ...):
//! drive one future on the calling thread, parking it between polls.
//!
//! Shared by every module with a `blocking_*` call. It refuses (panics) on a thread that
//! drives async tasks, as the executor reports through
//! [`is_driving_tasks`](corium_executor::runtime::is_driving_tasks): blocking such a thread
//! would stall the very tasks that could make progress, a deadlock on a current-thread runtime.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Unparks the blocked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Panics with a message naming `what` if this thread drives async tasks.
#[track_caller]
pub(crate) fn assert_may_block(what: &str) {
    #[cfg(not(loom))]
    if corium_executor::runtime::is_driving_tasks() {
        panic!(
            "`{what}` blocks its thread, but this thread is running async tasks (a runtime \
             worker or inside `block_on`), which would stall or deadlock them: use the async \
             method with `.await` here, or call `{what}` from `spawn_blocking` or a plain thread"
        );
    }
    #[cfg(loom)]
    let _ = what;
}

/// Runs `future` to completion on this thread, parked while it is pending.
///
/// # Panics
/// On a thread that drives async tasks (see the module docs); `what` names the caller.
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    assert_may_block(what);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        // A wake between the poll and here leaves the unpark token set: park returns at once.
        thread::park();
    }
}
