//! loom models of the [`ScheduledIo`] protocol: every interleaving (up to the preemption bound)
//! of the driver setting readiness, tasks clearing it, waiters registering, and shutdown.
//!
//! A lost wake-up shows up as a deadlock (every model thread parked), which loom reports as a
//! failure. Run (the bound keeps it well under two minutes):
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" \
//!     cargo test -p corium-reactor --release --lib loom
//! ```

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Notify;
use loom::thread;

use corium_selector_sys::Interest;

use crate::ready::Ready;
use crate::scheduled_io::{Direction, ScheduledIo};

/// A waker that signals a loom `Notify`. (Not `thread::unpark`: loom mistakes a late unpark
/// of a thread that has moved on to `join` for the join's own wake-up.)
struct Signal(Notify);

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.0.notify();
    }
}

/// Polls `fut` on this model thread, waiting on the waker's `Notify` while it is pending: a
/// wake-up that never comes leaves every thread blocked, which loom reports as a deadlock.
fn block_on<F: Future>(fut: F) -> F::Output {
    let signal = Arc::new(Signal(Notify::new()));
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        signal.0.wait();
    }
}

/// The driver's half of one event: set, then wake (as `Driver::turn` does).
fn deliver(io: &ScheduledIo, ready: Ready) {
    io.deliver(ready);
}

#[test]
fn poll_path_waiter_is_never_lost() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE))
        };
        let event = block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read))).unwrap();
        assert!(event.ready().is_readable());
        driver.join().unwrap();
    });
}

#[test]
fn set_vs_stale_clear_vs_readiness_waiter() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        deliver(&io, Ready::READABLE);
        // The task saw readable, then its read returned WouldBlock...
        let seen = io.ready_event(Ready::READ_DIRECTION).unwrap().unwrap();
        // ...while the driver delivers a new read event concurrently.
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE))
        };
        io.clear_readiness(seen);
        // Whether the clear ran before or after the new event, the task must find readiness:
        // a clear that removed the newer event would leave it parked for ever (deadlock).
        let event = block_on(io.readiness(Interest::READABLE)).unwrap();
        assert!(event.ready().is_readable());
        driver.join().unwrap();
    });
}

#[test]
fn set_vs_stale_clear_vs_waiter_on_three_threads() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        deliver(&io, Ready::READABLE);
        let seen = io.ready_event(Ready::READ_DIRECTION).unwrap().unwrap();
        let waiter = {
            let io = io.clone();
            thread::spawn(move || block_on(io.readiness(Interest::READABLE)).unwrap())
        };
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE))
        };
        io.clear_readiness(seen);
        assert!(waiter.join().unwrap().ready().is_readable());
        driver.join().unwrap();
    });
}

#[test]
fn write_event_never_defeats_a_read_clear() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        deliver(&io, Ready::READABLE | Ready::WRITABLE);
        let seen = io.ready_event(Ready::READ_DIRECTION).unwrap().unwrap();
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::WRITABLE))
        };
        io.clear_readiness(seen);
        driver.join().unwrap();
        assert!(io.ready_event(Ready::READ_DIRECTION).unwrap().is_none());
        assert!(io.ready_event(Ready::WRITE_DIRECTION).unwrap().is_some());
    });
}

#[test]
fn error_event_wakes_a_read_waiter() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::ERROR))
        };
        let event = block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read))).unwrap();
        assert!(event.ready().is_error());
        driver.join().unwrap();
    });
}

#[test]
fn error_event_racing_a_read_clear_is_never_lost() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        deliver(&io, Ready::READABLE | Ready::ERROR);
        let seen = io.ready_event(Ready::READ_DIRECTION).unwrap().unwrap();
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::ERROR))
        };
        io.clear_readiness(seen);
        driver.join().unwrap();
        // Whatever the order, the second error is still visible to both sides.
        assert!(io
            .ready_event(Ready::READ_DIRECTION)
            .unwrap()
            .unwrap()
            .ready()
            .is_error());
        assert!(io
            .ready_event(Ready::WRITE_DIRECTION)
            .unwrap()
            .unwrap()
            .ready()
            .is_error());
    });
}

#[test]
fn shutdown_racing_a_readiness_waiter() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let stopper = {
            let io = io.clone();
            thread::spawn(move || {
                io.shutdown();
            })
        };
        let result = block_on(io.readiness(Interest::READABLE));
        assert_eq!(result.unwrap_err().to_string(), crate::SHUTDOWN_MESSAGE);
        stopper.join().unwrap();
    });
}

#[test]
fn shutdown_racing_a_poll_path_waiter() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let stopper = {
            let io = io.clone();
            thread::spawn(move || {
                io.shutdown();
            })
        };
        let result = block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Write)));
        assert_eq!(result.unwrap_err().to_string(), crate::SHUTDOWN_MESSAGE);
        stopper.join().unwrap();
    });
}

/// The lock-free waker slot: the task re-polls with a *different* waker while the driver is
/// waking the old one (the slot may be busy when the new waker arrives). The new waker must be
/// woken, or its poll must find the readiness; otherwise the model deadlocks.
#[test]
fn waker_changed_while_the_driver_wakes_the_old_one() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let old = Waker::from(Arc::new(Signal(Notify::new())));
        let mut cx = Context::from_waker(&old);
        assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE))
        };
        // `block_on` polls with its own, new waker.
        let event = block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read))).unwrap();
        assert!(event.ready().is_readable());
        driver.join().unwrap();
    });
}

/// Both slots armed by two tasks while one event readies both directions: each is woken.
#[test]
fn both_directions_are_woken_by_one_event() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let writer = {
            let io = io.clone();
            thread::spawn(move || {
                block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Write))).unwrap()
            })
        };
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE | Ready::WRITABLE))
        };
        let read = block_on(poll_fn(|cx| io.poll_readiness(cx, Direction::Read))).unwrap();
        assert!(read.ready().is_readable());
        assert!(writer.join().unwrap().ready().is_writable());
        driver.join().unwrap();
    });
}

/// The source goes away (its registration drops the wakers) while the driver wakes its armed
/// slot: no access to the cell races (loom checks every access), and the stored waker is
/// dropped exactly once, by whichever side ends up with it.
#[test]
fn dropping_the_source_while_the_driver_wakes_it() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let signal = Arc::new(Signal(Notify::new()));
        {
            let waker = Waker::from(signal.clone());
            let mut cx = Context::from_waker(&waker);
            assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
        }
        assert_eq!(Arc::strong_count(&signal), 2, "the slot holds one clone");
        let driver = {
            let io = io.clone();
            thread::spawn(move || deliver(&io, Ready::READABLE))
        };
        io.clear_wakers();
        driver.join().unwrap();
        assert_eq!(
            Arc::strong_count(&signal),
            1,
            "the slot's clone was dropped once"
        );
    });
}

/// The one-swap re-arm: a task whose waker is already in the slot (it waited and was woken
/// before) waits again while the driver delivers a new event. Either the re-arm's swap sees the
/// new flags, or the driver's swap sees the slot armed and wakes it.
#[test]
fn rearming_with_the_same_waker_races_a_new_event() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new(0));
        let signal = Arc::new(Signal(Notify::new()));
        let waker = Waker::from(signal.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(io.poll_readiness(&mut cx, Direction::Read).is_pending());
        io.deliver(Ready::READABLE);
        let seen = io.ready_event(Ready::READ_DIRECTION).unwrap().unwrap();
        io.clear_readiness(seen);
        let driver = {
            let io = io.clone();
            thread::spawn(move || io.deliver(Ready::READABLE))
        };
        loop {
            if let Poll::Ready(event) = io.poll_readiness(&mut cx, Direction::Read) {
                assert!(event.unwrap().ready().is_readable());
                break;
            }
            signal.0.wait();
        }
        driver.join().unwrap();
    });
}
