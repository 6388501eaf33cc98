//! Behaviour: `Handle::unpark` writes to the selector's waker only when that can matter.
//!
//! An executor's waker typically calls `unpark` to interrupt the driver. When such a waker
//! runs *inside* the turn, on the turning thread (the driver dispatching an event to a task of
//! the same thread), the turn is already past its blocking poll: a write would cost a syscall
//! and make the next turn return for nothing. A wake from another thread must still get
//! through.

mod reactor_common;

use std::io::Write;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use corium_reactor::{Config, Driver, Handle, Interest, PollEvented};
use reactor_common::pair;

/// A waker that does what an executor's does for a task parked on the driver.
struct UnparkOnWake(Handle);

impl Wake for UnparkOnWake {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// How long the next turn waits when nothing is pending.
const QUIET: Duration = Duration::from_millis(50);

#[test]
fn a_wake_from_the_turning_thread_itself_costs_no_wakeup() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, handle.clone())
        .unwrap();
    let waker = Waker::from(Arc::new(UnparkOnWake(handle.clone())));
    assert!(io
        .registration()
        .poll_read_ready(&mut Context::from_waker(&waker))
        .is_pending());

    peer.write_all(b"x").unwrap();
    // This turn delivers the event and runs the waker on this thread.
    assert_eq!(driver.turn(None).unwrap(), 1);
    assert!(io
        .registration()
        .poll_read_ready(&mut Context::from_waker(&waker))
        .is_ready());

    // Had the waker written to the selector's waker, this turn would return at once.
    let start = Instant::now();
    assert_eq!(driver.turn(Some(QUIET)).unwrap(), 0);
    assert!(
        start.elapsed() >= QUIET,
        "a pending wake-up cut the turn short: {:?}",
        start.elapsed()
    );
}

#[test]
fn a_wake_from_another_thread_still_interrupts_the_turn() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let unparker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        handle.unpark();
    });
    let start = Instant::now();
    driver.turn(Some(Duration::from_secs(30))).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "the unpark did not reach the turn"
    );
    unparker.join().unwrap();
}
