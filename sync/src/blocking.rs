//! `blocking_*` calls: drive one future to completion on the calling thread, refusing to do so
//! inside asynchronous code (where parking the thread would stall the runtime driving it).

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

/// Panics with a message naming `what` if this thread is running asynchronous code.
#[track_caller]
pub(crate) fn assert_not_in_async_context(what: &str) {
    // The loom models never run inside a runtime (and build without the executor).
    #[cfg(loom)]
    let _ = what;
    #[cfg(not(loom))]
    if corium_executor::runtime::Handle::try_current().is_ok() {
        panic!(
            "Cannot block the current thread from within a runtime: `{what}` was called from \
             asynchronous code, where parking the thread would stall every task it drives. \
             Use the `async` method with `.await` there, or call `{what}` from \
             `spawn_blocking` or a plain thread"
        );
    }
}

/// Polls `future` on this thread, parking it between wake-ups, after checking with
/// [`assert_not_in_async_context`] (with `what` in the message).
#[track_caller]
pub(crate) fn block_on<F: Future>(future: F, what: &str) -> F::Output {
    assert_not_in_async_context(what);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}
