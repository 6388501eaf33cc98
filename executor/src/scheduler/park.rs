//! Parking an idle scheduler thread, and waking it without ever losing a wake-up.
//!
//! An idle thread sleeps in one of two places. If it can get the reactor [`Driver`] it sleeps
//! *in the driver* (`turn(None)`), so it also wakes for I/O events and timers; otherwise it
//! sleeps on its own condvar. Which one it chose is recorded in a single atomic, so
//! [`Unparker::unpark`] knows how to reach it: notify the condvar, or interrupt the driver
//! through [`DriverHandle::unpark`] (the selector's waker).
//!
//! ```text
//!            park (condvar)                         park (driver)
//!   EMPTY ─────────────────▶ PARKED_CONDVAR   EMPTY ─────────────────▶ PARKED_DRIVER
//!     ▲   ◀── woken, swap ──┘       │           ▲   ◀── turn returns ──┘      │
//!     │                             │ unpark    │                             │ unpark
//!     └──── park consumes ─── NOTIFIED ◀────────┴─────────────────────────────┘
//! ```
//!
//! `unpark` always *swaps* in [`NOTIFIED`] and acts on what it replaced, so an unpark that
//! comes before the park is remembered and the next park returns at once. That is the whole
//! no-lost-wake-up argument: the sleeper publishes where it sleeps with the same atomic the
//! waker swaps, and the condvar path re-checks under the mutex the waker takes before
//! notifying.

use crate::driver::{Driver, DriverHandle};
use crate::loom::atomic::{
    AtomicU64, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::SeqCst,
};
use crate::loom::{lock, Arc, Condvar, Mutex};
use crate::trace;
use std::time::Duration;

/// Not parked, no pending notification.
///
/// Set when a parked thread returns, and initially. While it is set an `unpark` only records
/// `NOTIFIED`.
pub(crate) const EMPTY: usize = 0;

/// Sleeping on the condvar.
///
/// Set (from `EMPTY`, under the mutex) by the thread about to wait; cleared by `unpark`, which
/// swaps in `NOTIFIED` and then notifies under the same mutex, so the wait cannot miss it.
pub(crate) const PARKED_CONDVAR: usize = 1;

/// Blocked in `Driver::turn`.
///
/// Set (from `EMPTY`) right before the turn; cleared by the parked thread when the turn
/// returns, or by `unpark`, which swaps in `NOTIFIED` and interrupts the turn through the
/// reactor's waker.
pub(crate) const PARKED_DRIVER: usize = 2;

/// An unpark happened that no park has consumed yet.
///
/// Set by `unpark` from any state; cleared (to `EMPTY`) by the next park, which then returns
/// without sleeping. Several unparks before a park collapse into one.
pub(crate) const NOTIFIED: usize = 3;

fn name(state: usize) -> &'static str {
    match state {
        EMPTY => "EMPTY",
        PARKED_CONDVAR => "PARKED_CONDVAR",
        PARKED_DRIVER => "PARKED_DRIVER",
        NOTIFIED => "NOTIFIED",
        _ => "INVALID",
    }
}

struct Inner {
    state: AtomicUsize,
    /// When (monotonic nanoseconds) an unpark last had to wake this thread from a sleep: the
    /// moment its work arrived, as opposed to the moment the kernel got round to running it.
    /// Read by the sleeper to decide whether to spin next time.
    woken_at: AtomicU64,
    mutex: Mutex<()>,
    condvar: Condvar,
    /// How to interrupt a thread parked in the driver (absent: never parks there).
    driver: Option<DriverHandle>,
    /// The worker this parker belongs to, for trace lines (`None`: a `block_on` thread).
    worker: Option<usize>,
}

/// The sleeping side; one per scheduler thread.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side; cheap to clone and usable from any thread.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    pub(crate) fn new(driver: Option<DriverHandle>) -> Parker {
        Parker::with_worker(driver, None)
    }

    /// The parker of scheduler worker `index` (its trace lines name the worker).
    pub(crate) fn for_worker(driver: Option<DriverHandle>, index: usize) -> Parker {
        Parker::with_worker(driver, Some(index))
    }

    fn with_worker(driver: Option<DriverHandle>, worker: Option<usize>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                woken_at: AtomicU64::new(0),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
                worker,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until [`Unparker::unpark`]: in `driver` if one is given (waking also for I/O
    /// and timers), otherwise on the condvar. May return spuriously after a driver turn;
    /// callers re-check their condition in a loop.
    #[inline]
    pub(crate) fn park(&mut self, driver: Option<&mut Driver>) {
        match driver {
            Some(driver) => self.park_driver(driver),
            None => self.park_condvar(),
        }
    }

    /// When an unpark last woke this thread from a sleep (monotonic nanoseconds; 0: never).
    /// A sleep that ended without one (driver events, a spurious return) leaves it older than
    /// the sleep's start.
    #[inline]
    pub(crate) fn woken_at(&self) -> u64 {
        self.inner.woken_at.load(Relaxed)
    }

    /// `true` if an unpark is waiting to be consumed (the next park would return at once).
    #[inline]
    pub(crate) fn is_notified(&self) -> bool {
        self.inner.state.load(Acquire) == NOTIFIED
    }

    /// One non-blocking driver turn (maintenance). Leaves any pending notification in place.
    #[inline]
    pub(crate) fn poll_driver(&mut self, driver: &mut Driver) {
        // An I/O error from a zero-timeout poll only means no events were delivered this time;
        // the next park will poll again.
        let _ = driver.turn(Some(Duration::ZERO));
    }

    fn consume_notification(&self) -> bool {
        let ok = self
            .inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok();
        if ok {
            trace::park_transition(self.inner.worker, name(NOTIFIED), name(EMPTY));
        }
        ok
    }

    fn park_condvar(&mut self) {
        if self.consume_notification() {
            return;
        }
        let mut guard = lock(&self.inner.mutex);
        match self
            .inner
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            Ok(_) => trace::park_transition(self.inner.worker, name(EMPTY), name(PARKED_CONDVAR)),
            Err(NOTIFIED) => {
                // Unparked between the fast path and taking the lock.
                self.inner.state.store(EMPTY, SeqCst);
                trace::park_transition(self.inner.worker, name(NOTIFIED), name(EMPTY));
                return;
            }
            Err(other) => unreachable!("park: unexpected state {}", name(other)),
        }
        loop {
            guard = self
                .inner
                .condvar
                .wait(guard)
                .unwrap_or_else(|e| e.into_inner());
            if self.consume_notification() {
                return;
            }
            // Spurious wake-up: still PARKED_CONDVAR, wait again.
        }
    }

    // Inlined: this is the path every idle scheduler thread takes once per wake-up, and the
    // parked-driver round trip is otherwise dominated by call overhead.
    #[inline]
    fn park_driver(&mut self, driver: &mut Driver) {
        if let Err(actual) = self
            .inner
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            return self.consume_early_unpark(actual);
        }
        trace::park_transition(self.inner.worker, name(EMPTY), name(PARKED_DRIVER));
        // An error here is a failed epoll_wait (not EINTR, which the driver swallows): treat
        // it as a spurious wake-up; the caller re-checks and parks again.
        if let Err(e) = driver.turn(None) {
            drop(e);
        }
        let prev = self.inner.state.swap(EMPTY, SeqCst);
        debug_assert!(
            prev == NOTIFIED || prev == PARKED_DRIVER,
            "park: unexpected state {}",
            name(prev)
        );
        trace::park_transition(self.inner.worker, name(prev), name(EMPTY));
    }

    /// `park_driver` found `actual` instead of `EMPTY`: an unpark came first; consume it.
    #[cold]
    fn consume_early_unpark(&self, actual: usize) {
        assert_eq!(actual, NOTIFIED, "park: unexpected state {}", name(actual));
        self.inner.state.store(EMPTY, SeqCst);
        trace::park_transition(self.inner.worker, name(NOTIFIED), name(EMPTY));
    }
}

impl Unparker {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        let prev = self.inner.state.swap(NOTIFIED, SeqCst);
        trace::park_transition(self.inner.worker, name(prev), name(NOTIFIED));
        match prev {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                self.stamp();
                // Taking the mutex orders this notify after the sleeper's wait has started:
                // it set PARKED_CONDVAR while holding the lock and only releases it by waiting.
                drop(lock(&self.inner.mutex));
                self.inner.condvar.notify_one();
            }
            PARKED_DRIVER => {
                self.stamp();
                self.unpark_driver();
            }
            other => unreachable!("unpark: unexpected state {}", name(other)),
        }
    }

    /// Records when the sleeper's work arrived (see `Inner::woken_at`). Only on the paths that
    /// make a system call anyway, so the clock read is lost in it.
    fn stamp(&self) {
        self.inner
            .woken_at
            .store(corium_selector_sys::monotonic_nanos(), Relaxed);
    }

    /// Interrupts a thread blocked in `Driver::turn` (seed 004: through the selector's waker).
    fn unpark_driver(&self) {
        match &self.inner.driver {
            Some(handle) => handle.unpark(),
            None => unreachable!("PARKED_DRIVER without a driver handle"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn an_unpark_before_park_is_not_lost() {
        let mut parker = Parker::new(None);
        parker.unparker().unpark();
        parker.unparker().unpark();
        parker.park(None); // Returns at once: the notification was recorded.
        assert_eq!(parker.inner.state.load(SeqCst), EMPTY);
    }

    #[test]
    fn unpark_reaches_a_condvar_sleeper_on_another_thread() {
        let mut parker = Parker::new(None);
        let unparker = parker.unparker();
        let t = std::thread::spawn(move || {
            // Wait until the parker really sleeps, so the PARKED_CONDVAR path is the one tested.
            while unparker.inner.state.load(SeqCst) != PARKED_CONDVAR {
                std::thread::yield_now();
            }
            unparker.unpark();
        });
        parker.park(None);
        t.join().unwrap();
    }

    #[test]
    fn unpark_reaches_a_driver_sleeper_through_the_driver_handle() {
        let mut driver = crate::driver::new_driver(true, true, 1024, false).unwrap();
        let mut parker = Parker::new(Some(driver.handle()));
        let unparker = parker.unparker();
        let t = std::thread::spawn(move || {
            while unparker.inner.state.load(SeqCst) != PARKED_DRIVER {
                std::thread::yield_now();
            }
            unparker.unpark();
        });
        parker.park(Some(&mut driver));
        t.join().unwrap();
        assert_eq!(parker.inner.state.load(SeqCst), EMPTY);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::driver::new_driver;
    use loom::thread;

    #[test]
    fn loom_unpark_reaches_a_condvar_parker() {
        loom::model(|| {
            let mut parker = Parker::new(None);
            let unparker = parker.unparker();
            let t = thread::spawn(move || unparker.unpark());
            // Must return whatever the interleaving (loom reports a deadlock otherwise).
            parker.park(None);
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_unpark_reaches_a_driver_parker() {
        loom::model(|| {
            let mut driver = new_driver(true, true, 1024, false).unwrap();
            let mut parker = Parker::new(Some(driver.handle()));
            let unparker = parker.unparker();
            let t = thread::spawn(move || unparker.unpark());
            parker.park(Some(&mut driver));
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_two_workers_share_one_driver() {
        // As the multi-thread scheduler parks: whoever wins the try_lock sleeps in the driver,
        // the other on its condvar; a single unpark each must wake both.
        loom::model(|| {
            let driver = new_driver(true, true, 1024, false).unwrap();
            let handle = driver.handle();
            let driver = Arc::new(Mutex::new(Some(driver)));
            let mut unparkers = Vec::new();
            let mut threads = Vec::new();
            for _ in 0..2 {
                let mut parker = Parker::new(Some(handle.clone()));
                unparkers.push(parker.unparker());
                let driver = driver.clone();
                threads.push(thread::spawn(move || match driver.try_lock() {
                    Ok(mut d) => parker.park(d.as_mut()),
                    Err(_) => parker.park(None),
                }));
            }
            for u in &unparkers {
                u.unpark();
            }
            for t in threads {
                t.join().unwrap();
            }
        });
    }
}
