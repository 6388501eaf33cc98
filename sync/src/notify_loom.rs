//! loom models of `Notify`: `notify_waiters` racing a concurrent `notified()`, and
//! `notify_one` racing a waiter. A lost wake-up is a deadlock, which loom reports.
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" \
//!     cargo test -p corium-sync --release --lib loom
//! ```

use std::sync::Arc;

use loom::thread;

use super::Notify;
use crate::loom_block_on::block_on;

#[test]
fn loom_notify_waiters_reaches_a_notified_created_before_it() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        // Created before the call, polled (queued) concurrently with it.
        let notified = notify.notified();
        let other = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        block_on(notified);
        other.join().unwrap();
    });
}

#[test]
fn loom_notify_one_is_never_lost() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let other = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        other.join().unwrap();
    });
}

#[test]
fn loom_a_dropped_chosen_waiter_forwards_to_the_next() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let second = {
            let notify = notify.clone();
            thread::spawn(move || block_on(notify.notified()))
        };
        // A waiter that may be chosen and then dropped before it completes.
        let mut first = Box::pin(notify.notified());
        let _ = first.as_mut().enable();
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        drop(first);
        notifier.join().unwrap();
        // One notification in total: `second` must get it (directly, forwarded, or as the
        // permit), whatever the order.
        second.join().unwrap();
    });
}
