//! Shared helpers of the `macros_*` tests: a runtime to block on, futures that record their
//! own destruction or fail if polled, and a waker that counts.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Runs `future` to completion on a fresh current-thread runtime with I/O and timers.
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    corium::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a current-thread runtime")
        .block_on(future)
}

/// A future that fails the test if it is ever polled (for branches that must stay disabled).
pub struct NeverPoll;

impl Future for NeverPoll {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        panic!("a future that must never be polled was polled")
    }
}

/// An ordered log of events, shared by the futures it guards.
#[derive(Clone, Default)]
pub struct DropLog(Arc<Mutex<Vec<String>>>);

impl DropLog {
    pub fn push(&self, entry: &str) {
        self.0.lock().unwrap().push(entry.to_owned());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// `future`, logging `dropped <name>` when it is dropped.
    pub fn guard<F: Future + Unpin>(&self, name: &str, future: F) -> Guarded<F> {
        Guarded {
            future,
            name: name.to_owned(),
            log: self.clone(),
        }
    }
}

/// A future that logs its own drop.
pub struct Guarded<F> {
    future: F,
    name: String,
    log: DropLog,
}

impl<F: Future + Unpin> Future for Guarded<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        Pin::new(&mut self.future).poll(cx)
    }
}

impl<F> Drop for Guarded<F> {
    fn drop(&mut self) {
        self.log.push(&format!("dropped {}", self.name));
    }
}

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A waker, and a function that says how many times it has been woken.
pub fn counting_waker() -> (impl Fn() -> usize, Waker) {
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    (move || count.0.load(SeqCst), waker)
}
