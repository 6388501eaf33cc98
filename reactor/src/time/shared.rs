//! [`TimeShared`]: the wheel behind its lock, on the real clock, and how wakers leave it.

use std::task::{Poll, Waker};
use std::time::Duration;

use super::entry::Key;
use super::wheel::{Expired, Wheel};
use super::Instant;
use crate::loom::Mutex;
use crate::trace::{self as cause, WakeCause};
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

/// How many wakers are collected under the lock before it is released to wake them.
///
/// Waking runs foreign code (an executor's schedule function), which must never run under the
/// wheel lock: it may poll a timer and need the lock itself. Batching keeps the number of
/// lock round-trips low when many timers fire together; a fixed array keeps it allocation-free.
const WAKE_BATCH: usize = 32;

/// The timer state one driver shares with every [`Sleep`](super::Sleep) bound to it.
///
/// Created by `Driver::new` when time is enabled. The driver calls
/// [`next_timeout`](TimeShared::next_timeout) before it polls the selector and
/// [`process`](TimeShared::process) after; timers register, re-arm and cancel from any
/// thread. `Send + Sync`.
#[derive(Debug)]
pub(crate) struct TimeShared {
    /// Time zero of the wheel's nanosecond clock.
    origin: Instant,
    wheel: Mutex<Wheel>,
}

impl Default for TimeShared {
    fn default() -> TimeShared {
        TimeShared::new()
    }
}

impl TimeShared {
    /// An empty wheel whose clock starts now.
    pub(crate) fn new() -> TimeShared {
        TimeShared {
            origin: Instant::now(),
            wheel: Mutex::new(Wheel::new()),
        }
    }

    /// How long the driver may sleep before the earliest timer is due: `None` if no timer is
    /// pending, zero if one is already due. The driver waits `min(this, max_wait)`.
    ///
    /// The returned time is exact to the nanosecond for a timer within the current
    /// millisecond window; for a farther one it is the moment its wheel slot must cascade.
    pub(crate) fn next_timeout(&self, now: Instant) -> Option<Duration> {
        let wake = self.next_wake()?;
        Some(Duration::from_nanos(wake.saturating_sub(self.nanos(now))))
    }

    /// [`next_timeout`](TimeShared::next_timeout) as an absolute time on the wheel's clock
    /// (nanoseconds since the origin): when the driver must wake next.
    pub(crate) fn next_wake(&self) -> Option<u64> {
        self.wheel.lock().next_wake()
    }

    /// Fires every timer whose deadline is `<= now`. Wakers are taken under the lock in
    /// batches of 32 and woken after releasing it.
    pub(crate) fn process(&self, now: Instant) {
        self.process_at(self.nanos(now));
    }

    /// Fires every pending timer, and makes the wheel refuse new ones: each pending
    /// [`Sleep`](super::Sleep) completes (returns `Ready`) on its next poll, and a sleep first
    /// polled after shutdown completes at once. Idempotent.
    pub(crate) fn shutdown(&self) {
        self.fire(Wheel::shutdown);
    }

    /// Whether [`shutdown`](TimeShared::shutdown) has run.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.wheel.lock().is_shutdown()
    }

    /// Nanoseconds from the origin to `t` (0 before it; saturating far in the future).
    pub(crate) fn nanos(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.origin).as_nanos()).unwrap_or(u64::MAX)
    }

    /// [`process`](TimeShared::process) on the wheel's own clock (nanoseconds since origin).
    pub(crate) fn process_at(&self, now: u64) {
        self.fire(|wheel| wheel.advance(now));
    }

    /// Registers a timer due at `deadline` (nanoseconds since the origin). `Err(Expired)`:
    /// already due (or shut down), nothing registered. `Ok((key, unpark))`: `unpark` means
    /// the driver must be woken to shorten its sleep.
    pub(crate) fn insert(
        &self,
        deadline: u64,
        waker: Option<Waker>,
    ) -> Result<(Key, bool), Expired> {
        self.wheel.lock().insert(deadline, waker)
    }

    /// Moves a registered timer; see [`Wheel::reset`].
    pub(crate) fn reset(&self, key: Key, deadline: u64) -> Result<bool, Option<Waker>> {
        self.wheel.lock().reset(key, deadline)
    }

    /// `Ready` (key freed) once fired; otherwise remembers `waker`.
    pub(crate) fn poll(&self, key: Key, waker: &Waker) -> Poll<()> {
        self.wheel.lock().poll(key, waker)
    }

    /// Whether the timer has fired.
    pub(crate) fn has_fired(&self, key: Key) -> bool {
        self.wheel.lock().has_fired(key)
    }

    /// Cancels and frees a timer. The waker is dropped after the lock is released.
    pub(crate) fn remove(&self, key: Key) {
        let waker = self.wheel.lock().remove(key);
        drop(waker);
    }

    /// Number of timers registered (pending, or fired and not yet observed).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.wheel.lock().len()
    }

    /// Whether no timer is registered.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `prepare` (which fills the due list) under the lock, then hands out the due list
    /// in batches, waking each batch outside the lock. The first batch is taken under the
    /// same lock acquisition as `prepare`: a turn with nothing due locks once.
    ///
    /// Each batch gets a trace line before its wakes, which the executor's
    /// `task N woken by a timer` lines then follow.
    fn fire(&self, prepare: impl FnOnce(&mut Wheel)) {
        let mut prepare = Some(prepare);
        let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
        loop {
            // Fired timers nobody polled (no waker), counted for the trace line only.
            let mut silent = 0;
            let mut n = 0;
            {
                let mut wheel = self.wheel.lock();
                if let Some(prepare) = prepare.take() {
                    prepare(&mut wheel);
                }
                while n < WAKE_BATCH {
                    match wheel.pop_due() {
                        Some(Some(waker)) => {
                            batch[n] = Some(waker);
                            n += 1;
                        }
                        // Registered but never polled: nobody to wake.
                        Some(None) => silent += 1,
                        None => break,
                    }
                }
            }
            let fired = silent + n;
            if fired != 0 {
                trace!(
                    Layer::Reactor,
                    "TimeShared::fire: {fired} timer{} fired, waking {n}",
                    if fired == 1 { "" } else { "s" }
                );
            }
            let cause = cause::set_cause(WakeCause::Timer);
            for waker in batch[..n].iter_mut().filter_map(Option::take) {
                waker.wake();
            }
            drop(cause);
            if n < WAKE_BATCH {
                return;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fires_more_than_one_batch_and_wakes_each_once() {
        let shared = TimeShared::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let n = WAKE_BATCH * 3 + 5;
        for i in 0..n {
            let waker = Waker::from(Arc::clone(&count));
            shared.insert(1_000 + i as u64, Some(waker)).unwrap();
        }
        assert_eq!(shared.len(), n);
        shared.process_at(1_000 + n as u64);
        assert_eq!(count.0.load(Ordering::SeqCst), n);
        assert_eq!(shared.next_timeout(Instant::now()), None);
    }

    #[test]
    fn next_timeout_counts_from_the_given_now() {
        let shared = TimeShared::new();
        let now = Instant::now();
        let at = shared.nanos(now) + 2_500_000;
        shared.insert(at, None).unwrap();
        assert_eq!(
            shared.next_timeout(now),
            Some(Duration::from_micros(2_500)),
            "exact, not rounded to the millisecond"
        );
        let late = now + Duration::from_millis(10);
        assert_eq!(shared.next_timeout(late), Some(Duration::ZERO));
    }

    #[test]
    fn shutdown_wakes_everything_and_refuses_new_timers() {
        let shared = TimeShared::new();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let (key, _) = shared
            .insert(u64::MAX / 2, Some(Waker::from(Arc::clone(&count))))
            .unwrap();
        shared.shutdown();
        shared.shutdown();
        assert!(shared.is_shutdown());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(shared.has_fired(key));
        assert!(shared.insert(10, None).is_err());
        assert_eq!(shared.poll(key, Waker::noop()), Poll::Ready(()));
        assert!(shared.is_empty());
    }
}
