//! loom models of the timer wheel's lock protocol: registration racing the driver.
//!
//! Run:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p corium-reactor --release --lib time::loom_tests
//! ```
//!
//! Built with `--cfg loom`, the wheel's lock is loom's (`crate::loom::Mutex`), so loom
//! explores every interleaving of the lock acquisitions below, including `process`
//! releasing and re-taking the lock between wake batches.
//!
//! Deadlines are on the wheel's own clock (nanoseconds since its origin), so no real time is
//! involved: `process_at(10)` means "the driver woke at t = 10 ns".

use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use super::TimeShared;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

/// Counts wake-ups.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&count));
    (count, waker)
}

/// A timer registered while the driver fires: it is either refused as already due, or
/// registered and then fired exactly once — never registered and forgotten.
#[test]
fn insert_racing_a_fire_is_never_lost() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        let (count, waker) = counter();
        let inserter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.insert(5, Some(waker)).ok().map(|(key, _)| key))
        };
        shared.process_at(10);
        let key = inserter.join().unwrap();
        match key {
            Some(key) => {
                // Registered before the fire: the fire must have covered it.
                assert!(shared.has_fired(key), "registered timer not fired");
                assert_eq!(count.0.load(Ordering::SeqCst), 1);
                assert_eq!(shared.poll(key, Waker::noop()), Poll::Ready(()));
            }
            None => assert_eq!(count.0.load(Ordering::SeqCst), 0),
        }
        assert!(shared.is_empty());
    });
}

/// The driver computes its sleep while a timer is registered: either it saw the timer, or
/// the registration asked for an unpark. Otherwise the driver would sleep past the deadline.
#[test]
fn insert_racing_the_timeout_computation_never_oversleeps() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        // A far timer, so the driver has something to sleep towards.
        shared.insert(1_000_000_000, None).unwrap();
        let inserter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.insert(5_000_000, None).unwrap().1)
        };
        let wake = shared.next_wake();
        let unparked = inserter.join().unwrap();
        assert!(
            unparked || wake <= Some(5_000_000),
            "driver sleeps until {wake:?} and was not unparked"
        );
    });
}

/// A timer cancelled while the driver fires: no use-after-free of its slot, at most one
/// wake-up, and the wheel ends empty.
#[test]
fn cancel_racing_a_fire_leaves_the_wheel_consistent() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        let (count, waker) = counter();
        let (key, _) = shared.insert(5, Some(waker)).unwrap();
        let canceller = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.remove(key))
        };
        shared.process_at(10);
        canceller.join().unwrap();
        assert!(count.0.load(Ordering::SeqCst) <= 1);
        assert!(shared.is_empty());
        assert_eq!(shared.next_wake(), None);
    });
}

/// Two timers fired in one batch while a third registers: every registered one fires.
#[test]
fn batch_firing_with_a_concurrent_reset() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        let (count, waker) = counter();
        let (a, _) = shared.insert(5, Some(waker.clone())).unwrap();
        let (b, _) = shared.insert(7, Some(waker)).unwrap();
        let resetter = {
            let shared = Arc::clone(&shared);
            // Move `b` beyond the fire, unless it has fired already.
            thread::spawn(move || shared.reset(b, 50).is_ok())
        };
        shared.process_at(10);
        let moved = resetter.join().unwrap();
        assert!(moved);
        assert!(shared.has_fired(a));
        let fired_b = shared.has_fired(b);
        // `b` fired iff the fire ran before the reset, which then re-armed it for 50.
        assert!(!fired_b, "a reset after the fire re-arms the timer");
        assert!((1..=2).contains(&count.0.load(Ordering::SeqCst)));
        assert_eq!(shared.next_wake(), Some(50));
    });
}

/// More timers than one wake batch, so `process` drops and re-takes the lock in the middle;
/// a cancel of the last timer lands in that gap or around it. Every other timer fires once,
/// the cancelled one at most once, and nothing is left behind.
#[test]
fn cancel_between_wake_batches() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        let (count, waker) = counter();
        let keys: Vec<_> = (0..33)
            .map(|i| shared.insert(1 + i, Some(waker.clone())).unwrap().0)
            .collect();
        let last = keys[32];
        let canceller = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.remove(last))
        };
        shared.process_at(100);
        canceller.join().unwrap();
        let woken = count.0.load(Ordering::SeqCst);
        assert!(woken == 32 || woken == 33, "woken {woken}");
        for &key in &keys[..32] {
            assert_eq!(shared.poll(key, Waker::noop()), Poll::Ready(()));
        }
        assert!(shared.is_empty());
    });
}

/// The driver's idle fast path (no lock, one atomic load) racing a registration, after a
/// timer was armed and cancelled, so the wheel's unpark threshold starts out lowered: if the
/// driver decides to sleep with no timeout, the registration must have asked for an unpark.
#[test]
fn insert_racing_an_idle_driver_is_never_lost() {
    loom::model(|| {
        let shared = Arc::new(TimeShared::default());
        let (key, _) = shared.insert(1_000_000, None).unwrap();
        // The driver commits to that timer, which is then cancelled: the wheel is empty but
        // its threshold still says 1 ms.
        assert_eq!(shared.next_wake(), Some(1_000_000));
        shared.remove(key);
        let inserter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || shared.insert(5_000_000, None).unwrap().1)
        };
        // Two turns: the first takes the lock (the flag is not set), the second may take the
        // fast path.
        let first = shared.next_timeout(super::Instant::now);
        let second = shared.next_timeout(super::Instant::now);
        let unparked = inserter.join().unwrap();
        assert!(
            unparked || (first.is_some() && second.is_some()),
            "driver sleeps with no timeout ({first:?}, {second:?}) and was not unparked"
        );
    });
}
