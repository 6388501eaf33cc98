//! loom model of a `LocalSet` woken from another thread: the wake must re-queue the task on
//! the set's remote queue and reach the thread polling the set, whatever the interleaving with
//! that thread registering its waker and draining the queues.
//!
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p corium-executor --lib --release loom`

use super::LocalSet;
use crate::loom::atomic::{AtomicBool, Ordering::SeqCst};
use crate::loom::{lock, Arc, Mutex};
use loom::thread;
use std::future::Future;
use std::task::{Context, Poll, Wake, Waker};

/// Unparks the model thread that polls.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this model thread, parking between polls.
pub(super) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

#[test]
fn loom_local_set_remote_wake() {
    loom::model(|| {
        let local = LocalSet::new();
        let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
        let ready = Arc::new(AtomicBool::new(false));
        let (task_slot, task_ready) = (slot.clone(), ready.clone());
        let task = local.spawn_local(std::future::poll_fn(move |cx| {
            if task_ready.load(SeqCst) {
                return Poll::Ready(5);
            }
            *lock(&task_slot) = Some(cx.waker().clone());
            Poll::Pending
        }));
        let waker_thread = thread::spawn(move || loop {
            let waker = lock(&slot).take();
            if let Some(waker) = waker {
                ready.store(true, SeqCst);
                waker.wake();
                return;
            }
            thread::yield_now();
        });
        // Completes only if the remote wake re-queued the task and woke this thread.
        let out = block_on(local.run_until(task)).unwrap();
        assert_eq!(out, 5);
        waker_thread.join().unwrap();
    });
}
