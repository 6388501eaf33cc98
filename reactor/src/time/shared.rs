//! [`TimeShared`]: the wheel behind its lock, on the real clock, and how wakers leave it.

use std::task::{Poll, Waker};
use std::time::Duration;

use super::clock::{Clock, ClockError};
use super::entry::Key;
use super::wheel::{Expired, Wheel};
use super::Instant;
use crate::loom::{AtomicU32, Mutex, Ordering};
use crate::trace::{self as cause, WakeCause};
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

/// How many wakers are collected under the lock before it is released to wake them.
///
/// Waking runs foreign code (an executor's schedule function), which must never run under the
/// wheel lock: it may poll a timer and need the lock itself. Batching keeps the number of
/// lock round-trips low when many timers fire together; a fixed array keeps it allocation-free.
const WAKE_BATCH: usize = 32;

/// What one [`TimeShared::advance_step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdvanceStep {
    /// The clock stopped at `at` (nanoseconds since the origin), where `fired` timers fired.
    Stopped { at: u64, fired: usize },
    /// The clock reached the target.
    Done,
}

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
    /// 1 when the driver may skip the wheel: no timer pending, and the driver committed to
    /// sleep with no timeout (the wheel's unpark threshold is "never"). Written under the
    /// wheel lock only: set by [`next_wake`](TimeShared::next_wake) when it finds no timer,
    /// cleared by every insert and reset that files a timer.
    ///
    /// Why a driver that reads a stale 1 loses nothing: while the flag is 1 the threshold
    /// stays "never" (only inserts and resets lower it, and they clear the flag), so the
    /// first insert after the flag was set sees a deadline before the threshold and reports
    /// `unpark`; its `Handle::unpark` then wakes the driver, whose next turn acquires the
    /// cleared flag through the unpark (see `unpark_pending`) and takes the lock. Later
    /// inserts compare against the lowered threshold as before.
    idle: AtomicU32,
    /// What "now" is for these timers: the monotonic clock, or a paused one.
    clock: Clock,
}

impl Default for TimeShared {
    fn default() -> TimeShared {
        TimeShared::new(false)
    }
}

impl TimeShared {
    /// An empty wheel whose clock starts now; `pausable` says whether its clock may be paused.
    pub(crate) fn new(pausable: bool) -> TimeShared {
        TimeShared {
            origin: Instant::now_real(),
            wheel: Mutex::new(Wheel::new()),
            // A fresh wheel's threshold is "never" and it holds no timer.
            idle: AtomicU32::new(1),
            clock: Clock::new(pausable),
        }
    }

    /// The current time of this wheel's clock (paused or not).
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// This wheel's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// One step of [`advance`](super::advance) towards `target` on a paused clock: moves the
    /// clock to the next timer stop (a deadline, or a wheel cascade point) at or before
    /// `target` and fires what is due there, or — with no stop left before `target` — moves
    /// the clock to `target` and fires what is due then.
    ///
    /// `after` is the stop the previous step reached: a stop that does not move past it and
    /// fires nothing ends the walk, so it cannot loop.
    ///
    /// # Errors
    /// The clock is not paused.
    pub(crate) fn advance_step(
        &self,
        target: Instant,
        after: Option<u64>,
    ) -> Result<AdvanceStep, ClockError> {
        let target_ns = self.nanos(target);
        if let Some(at) = self.next_wake() {
            if at <= target_ns && after.is_none_or(|prev| at > prev) {
                self.clock
                    .advance_to(self.origin + Duration::from_nanos(at))?;
                let fired = self.fire_at(at);
                return Ok(AdvanceStep::Stopped { at, fired });
            }
        }
        self.clock.advance_to(target)?;
        self.fire_at(target_ns);
        Ok(AdvanceStep::Done)
    }

    /// How long the driver may sleep before the earliest timer is due: `None` if no timer is
    /// pending, zero if one is already due. The driver waits `min(this, max_wait)`.
    ///
    /// The returned time is exact to the nanosecond for a timer within the current
    /// millisecond window; for a farther one it is the moment its wheel slot must cascade.
    ///
    /// `now` is called only if a timer is pending: a driver with no timer pays one atomic
    /// load here, no lock and no clock read.
    #[inline]
    pub(crate) fn next_timeout(&self, now: impl FnOnce() -> Instant) -> Option<Duration> {
        if self.is_idle() {
            return None;
        }
        self.next_timeout_locked(now)
    }

    /// The part of [`next_timeout`](TimeShared::next_timeout) that runs with timers pending,
    /// kept out of line so the idle check inlines into the driver's turn.
    #[inline(never)]
    fn next_timeout_locked(&self, now: impl FnOnce() -> Instant) -> Option<Duration> {
        // Timers want their wake-up on time, not batched by the kernel's 50 µs slack (once
        // per thread; an error just leaves the default slack).
        let _ = super::set_precise_timer_slack();
        let wake = self.next_wake()?;
        Some(Duration::from_nanos(wake.saturating_sub(self.nanos(now()))))
    }

    /// [`next_timeout`](TimeShared::next_timeout) as an absolute time on the wheel's clock
    /// (nanoseconds since the origin): when the driver must wake next.
    pub(crate) fn next_wake(&self) -> Option<u64> {
        let mut wheel = self.wheel.lock();
        let wake = wheel.next_wake();
        if wake.is_none() {
            // `next_wake` just set the unpark threshold to "never" and there is no timer:
            // the state `idle` stands for (see the field).
            self.idle.store(1, Ordering::Release);
        }
        wake
    }

    /// Fires every timer whose deadline is `<= now`. Wakers are taken under the lock in
    /// batches of 32 and woken after releasing it.
    ///
    /// As [`next_timeout`](TimeShared::next_timeout), skipped (without calling `now`) while
    /// no timer is pending: there is nothing to fire, and a timer inserted meanwhile has
    /// unparked the driver, whose next turn processes it. The wheel's clock then lags while
    /// idle, which only makes the first timer after it cascade through a level or two.
    #[inline]
    pub(crate) fn process(&self, now: impl FnOnce() -> Instant) {
        if self.is_idle() {
            return;
        }
        self.process_at(self.nanos(now()));
    }

    /// Whether no timer is pending and the driver sleeps with no timeout (the `idle` field).
    #[inline]
    fn is_idle(&self) -> bool {
        self.idle.load(Ordering::Acquire) == 1
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
        self.fire_at(now);
    }

    /// [`process_at`](TimeShared::process_at), returning how many timers fired.
    fn fire_at(&self, now: u64) -> usize {
        self.fire(|wheel| wheel.advance(now))
    }

    /// Registers a timer due at `deadline` (nanoseconds since the origin). `Err(Expired)`:
    /// already due (or shut down), nothing registered. `Ok((key, unpark))`: `unpark` means
    /// the driver must be woken to shorten its sleep.
    pub(crate) fn insert(
        &self,
        deadline: u64,
        waker: Option<Waker>,
    ) -> Result<(Key, bool), Expired> {
        let mut wheel = self.wheel.lock();
        let filed = wheel.insert(deadline, waker)?;
        self.idle.store(0, Ordering::Release);
        Ok(filed)
    }

    /// Moves a registered timer; see [`Wheel::reset`].
    pub(crate) fn reset(&self, key: Key, deadline: u64) -> Result<bool, Option<Waker>> {
        let mut wheel = self.wheel.lock();
        let filed = wheel.reset(key, deadline)?;
        self.idle.store(0, Ordering::Release);
        Ok(filed)
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
    ///
    /// Returns how many timers fired.
    fn fire(&self, prepare: impl FnOnce(&mut Wheel)) -> usize {
        let mut prepare = Some(prepare);
        let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
        let mut total = 0;
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
            total += fired;
            if fired != 0 {
                trace!(
                    Layer::Reactor,
                    "TimeShared::fire: {fired} timer{} fired, waking {n}",
                    if fired == 1 { "" } else { "s" }
                );
            }
            let cause = cause::set_cause(WakeCause::Timer);
            for waker in batch[..n].iter_mut().filter_map(Option::take) {
                crate::wake_list::wake_contained(waker, crate::wake_list::WakeSite::Timer);
            }
            drop(cause);
            if n < WAKE_BATCH {
                return total;
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
        let shared = TimeShared::default();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let n = WAKE_BATCH * 3 + 5;
        for i in 0..n {
            let waker = Waker::from(Arc::clone(&count));
            shared.insert(1_000 + i as u64, Some(waker)).unwrap();
        }
        assert_eq!(shared.len(), n);
        shared.process_at(1_000 + n as u64);
        assert_eq!(count.0.load(Ordering::SeqCst), n);
        assert_eq!(shared.next_timeout(Instant::now), None);
    }

    #[test]
    fn next_timeout_counts_from_the_given_now() {
        let shared = TimeShared::default();
        let now = Instant::now();
        let at = shared.nanos(now) + 2_500_000;
        shared.insert(at, None).unwrap();
        assert_eq!(
            shared.next_timeout(|| now),
            Some(Duration::from_micros(2_500)),
            "exact, not rounded to the millisecond"
        );
        let late = now + Duration::from_millis(10);
        assert_eq!(shared.next_timeout(|| late), Some(Duration::ZERO));
    }

    /// With no timer pending a turn neither locks nor reads the clock (a `now` that panics
    /// proves it is not called); the first timer reports an unpark, and once it is gone one
    /// locked turn restores the fast path.
    #[test]
    fn an_idle_wheel_skips_the_clock_and_the_first_timer_unparks() {
        let shared = TimeShared::default();
        let no_clock = || -> Instant { panic!("the clock was read with no timer pending") };
        assert_eq!(shared.next_timeout(no_clock), None);
        shared.process(no_clock);
        let now = Instant::now();
        let at = shared.nanos(now) + 2_000_000;
        let (key, unpark) = shared.insert(at, None).unwrap();
        assert!(unpark, "the driver may be sleeping with no timeout");
        let mut clock_reads = 0;
        let wait = shared.next_timeout(|| {
            clock_reads += 1;
            now
        });
        assert_eq!((wait, clock_reads), (Some(Duration::from_millis(2)), 1));
        let (_, unpark) = shared.insert(at + 1, None).unwrap();
        assert!(!unpark, "later than the committed wake-up");
        shared.remove(key);
        // Still one timer: the fast path must not be taken.
        assert!(shared.next_timeout(|| now).is_some());
        shared.process_at(at + 1);
        // Everything fired: one locked turn finds no timer and sets the flag...
        let mut clock_reads = 0;
        let wait = shared.next_timeout(|| {
            clock_reads += 1;
            now
        });
        assert_eq!((wait, clock_reads), (None, 0));
        // ...after which turns are free again, and a new timer unparks.
        assert_eq!(shared.next_timeout(no_clock), None);
        shared.process(no_clock);
        assert!(shared.insert(at + 5_000_000, None).unwrap().1);
    }

    #[test]
    fn shutdown_wakes_everything_and_refuses_new_timers() {
        let shared = TimeShared::default();
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
