//! loom model of the signal delivery protocol (see `slots.rs`): the handler's increment and
//! byte, a listener that parks and looks again, and another listener that drains the pipe and
//! dispatches.
//!
//! The slot table itself is a `static` of std atomics (the handler can reach nothing else), so
//! the model replays the protocol's steps on loom's types, one line per step of the real code,
//! and checks the property the design rests on: **after every interleaving, a listener that
//! did not see the delivery was woken, or still has a byte in the pipe to be woken by.**

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

struct Model {
    /// `Slot::deliveries`.
    deliveries: AtomicUsize,
    /// `Slot::dispatched`.
    dispatched: AtomicUsize,
    /// `Slot::parked`: here, whether listener B's waker is parked.
    parked: Mutex<bool>,
    /// The self-pipe's unread bytes.
    pipe: AtomicUsize,
    /// B's waker was woken by a dispatch.
    woken: AtomicBool,
}

#[test]
fn a_delivery_is_seen_or_wakes_or_stays_in_the_pipe() {
    loom::model(|| {
        let m = Arc::new(Model {
            deliveries: AtomicUsize::new(0),
            dispatched: AtomicUsize::new(0),
            parked: Mutex::new(false),
            pipe: AtomicUsize::new(0),
            woken: AtomicBool::new(false),
        });

        // The signal handler: `Slot::record`, then the byte.
        let handler = {
            let m = m.clone();
            thread::spawn(move || {
                m.deliveries.fetch_add(1, Ordering::Release);
                m.pipe.fetch_add(1, Ordering::Release);
            })
        };

        // Listener A, whose reactor reported the pipe readable: drain, then `dispatch`.
        let drainer = {
            let m = m.clone();
            thread::spawn(move || {
                if m.pipe.swap(0, Ordering::AcqRel) > 0 {
                    // `Slot::take_if_delivered`.
                    let now = m.deliveries.load(Ordering::Acquire);
                    if m.dispatched.swap(now, Ordering::AcqRel) != now {
                        let mut parked = m.parked.lock().unwrap();
                        if std::mem::take(&mut *parked) {
                            m.woken.store(true, Ordering::Release);
                        }
                    }
                }
            })
        };

        // Listener B (`Signal::poll_recv`): look, park, look again, else wait.
        let seen = 0;
        let saw = if m.deliveries.load(Ordering::Acquire) != seen {
            true
        } else {
            *m.parked.lock().unwrap() = true;
            m.deliveries.load(Ordering::Acquire) != seen
        };

        handler.join().unwrap();
        drainer.join().unwrap();
        // B either saw the delivery, or was woken, or its own registration still has a byte
        // to report (nobody drained it), so its reactor will wake it.
        assert!(
            saw || m.woken.load(Ordering::Acquire) || m.pipe.load(Ordering::Acquire) > 0,
            "lost wake-up"
        );
    });
}
