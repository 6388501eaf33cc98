//! `block_on` for the loom models: wait on a loom `Notify` the waker signals, so a wake-up that
//! never comes leaves every model thread blocked, which loom reports as a deadlock.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Signals a loom `Notify` (not `thread::unpark`, which loom can confuse with a join's wake).
struct Signal(loom::sync::Notify);

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.0.notify();
    }
}

/// Polls `fut` on this model thread until it completes.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let signal = Arc::new(Signal(loom::sync::Notify::new()));
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        signal.0.wait();
        // A future that woke itself (it found another thread mid-update) is polled again only
        // after the others had a chance to run: loom's way of saying "this is a spin".
        loom::thread::yield_now();
    }
}
