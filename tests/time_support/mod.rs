//! Shared helpers of the `time_*` tests: a single-threaded `block_on` that turns a reactor
//! [`Driver`] on the calling thread, and a counting waker.

#![allow(dead_code)] // each test file uses part of it

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use corium_reactor::{coop, Config, Driver, Handle};

/// How long any test future may take before the test fails (instead of hanging).
pub const LIMIT: Duration = Duration::from_secs(10);

/// A driver with I/O and time enabled.
#[track_caller]
pub fn driver() -> Driver {
    Driver::new(Config::default()).expect("create a reactor driver")
}

/// Wakes the driver, like an executor's waker would.
struct Unpark(Handle);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` to completion on this thread, with the driver's handle entered and each
/// poll inside a fresh coop budget; turns the driver whenever it is pending. Panics after
/// [`LIMIT`].
#[track_caller]
pub fn block_on<F: Future>(driver: &mut Driver, future: F) -> F::Output {
    let handle = driver.handle();
    let _guard = handle.enter();
    let waker = Waker::from(Arc::new(Unpark(handle.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let start = Instant::now();
    loop {
        if let (Poll::Ready(v), _) = coop::budget(|| future.as_mut().poll(&mut cx)) {
            return v;
        }
        let left = LIMIT
            .checked_sub(start.elapsed())
            .unwrap_or_else(|| panic!("the future did not complete within {LIMIT:?}"));
        driver.turn(Some(left)).expect("driver turn");
    }
}

/// A waker that counts its wake-ups.
pub struct Counter(AtomicUsize);

impl Counter {
    pub fn new() -> Arc<Counter> {
        Arc::new(Counter(AtomicUsize::new(0)))
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls once with `waker`.
pub fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut Context::from_waker(waker))
}
