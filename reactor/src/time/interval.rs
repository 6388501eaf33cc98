//! [`Interval`], [`interval`], [`interval_at`] and [`MissedTickBehavior`].

use std::future::poll_fn;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use super::{sleep_until, Instant, Sleep};

/// A stream of ticks `period` apart, the first one at once.
///
/// Equivalent to `interval_at(Instant::now(), period)`.
///
/// A zero `period` is raised to one nanosecond (every tick is then immediately due; the
/// [`coop`](crate::coop) budget still makes a tight `tick` loop yield).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_reactor::time::{interval, Instant};
/// # use corium_reactor::{Config, Driver};
/// # let mut driver = Driver::new(Config::default()).unwrap();
/// # let _guard = driver.handle().enter();
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///
/// let start = Instant::now();
/// let mut ticks = interval(Duration::from_millis(2));
/// let mut seen = Vec::new();
/// while seen.len() < 3 {
///     // In a task: `seen.push(ticks.tick().await)`.
///     match ticks.poll_tick(&mut cx) {
///         std::task::Poll::Ready(at) => seen.push(at),
///         std::task::Poll::Pending => { driver.turn(None).unwrap(); }
///     }
/// }
/// // Ticks are scheduled at start, start + 2 ms, start + 4 ms.
/// assert_eq!(seen[2] - seen[0], Duration::from_millis(4));
/// assert!(start.elapsed() >= Duration::from_millis(4));
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// A stream of ticks `period` apart, the first one at `start`.
///
/// A zero `period` is raised to one nanosecond, as for [`interval`]. Binding to the reactor
/// and panics are those of [`sleep`](super::sleep).
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval {
        delay: sleep_until(start),
        period: period.max(Duration::from_nanos(1)),
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when it is polled so late that ticks were missed.
///
/// A tick counts as late when [`Interval::tick`] returns it more than
/// `min(1 ms, period / 2)` after its scheduled time. The examples use a 10 ms period, ticks
/// scheduled at 0, 10, 20, ... ms, and a task that was busy from 5 ms to 37 ms, so the tick
/// due at 10 ms is only returned at 37 ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissedTickBehavior {
    /// Catch up: return every missed tick back to back, then continue on the original
    /// schedule. Right when each tick stands for work that must happen once per period (a
    /// counter of periods, a rate that must average out).
    ///
    /// ```text
    /// scheduled:  0   10   20   30   40   50
    /// returned:   0   37 37 37      40   50      (ticks for 10, 20, 30 all come at 37)
    /// ```
    #[default]
    Burst,
    /// Start over from the late tick: the next tick is one full period after the moment the
    /// late one was returned, and the schedule shifts by the delay. Right when ticks must be
    /// at least a period apart (polling a service politely).
    ///
    /// ```text
    /// scheduled:  0   10   20   30   40   50
    /// returned:   0   37        47        57     (schedule now 37 + 10k)
    /// ```
    Delay,
    /// Drop the missed ticks and keep the original phase: the next tick is the first
    /// scheduled time after now. Right for a periodic refresh where stale ticks are worthless
    /// but alignment matters (a display updated on the 10 ms grid).
    ///
    /// ```text
    /// scheduled:  0   10   20   30   40   50
    /// returned:   0   37             40   50     (20 and 30 skipped)
    /// ```
    Skip,
}

impl MissedTickBehavior {
    /// The deadline after a tick scheduled at `deadline` that was returned late, at `now`.
    fn next_deadline(self, deadline: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => deadline.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let behind = now.duration_since(deadline).as_nanos();
                let into_period = behind % period.as_nanos();
                // `into_period < period`, so it fits in a Duration.
                let into_period = Duration::new(
                    (into_period / 1_000_000_000) as u64,
                    (into_period % 1_000_000_000) as u32,
                );
                now.saturating_add(period - into_period)
            }
        }
    }
}

/// Ticks at a fixed period; made by [`interval`] and [`interval_at`].
///
/// `Unpin`, `Send` and `Sync`. Dropping it cancels its timer.
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its *scheduled* instant.
    ///
    /// Cancel safe: dropping the returned future before it completes loses no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: `Ready(scheduled instant)` when it is due, otherwise `Pending`
    /// with `cx`'s waker registered (only the waker of the latest poll is kept).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.poll_elapsed(cx, true));
        let deadline = self.delay.deadline();
        let now = Instant::now();
        let tolerance = (self.period / 2).min(Duration::from_millis(1));
        let next = if now.duration_since(deadline) > tolerance {
            self.missed_tick_behavior
                .next_deadline(deadline, now, self.period)
        } else {
            deadline.saturating_add(self.period)
        };
        self.delay.reset_deadline(next);
        Poll::Ready(deadline)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.reset_at(Instant::now().saturating_add(self.period));
    }

    /// Restarts the schedule with a tick due at once.
    pub fn reset_immediately(&mut self) {
        self.reset_at(Instant::now());
    }

    /// Restarts the schedule with the next tick `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.reset_at(Instant::now().saturating_add(after));
    }

    /// Restarts the schedule with the next tick at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.reset_deadline(deadline);
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens when ticks are missed (default [`Burst`](MissedTickBehavior::Burst)).
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what happens when ticks are missed.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// The tick due at 10 ms returned at 37 ms, as in the enum docs.
    fn next_after_late_tick(behavior: MissedTickBehavior) -> Duration {
        let zero = Instant::now();
        let next = behavior.next_deadline(zero + 10 * MS, zero + 37 * MS, 10 * MS);
        next - zero
    }

    #[test]
    fn missed_tick_schedules_match_the_docs() {
        assert_eq!(next_after_late_tick(MissedTickBehavior::Burst), 20 * MS);
        assert_eq!(next_after_late_tick(MissedTickBehavior::Delay), 47 * MS);
        assert_eq!(next_after_late_tick(MissedTickBehavior::Skip), 40 * MS);
    }

    #[test]
    fn skip_lands_strictly_after_now_on_the_grid() {
        let zero = Instant::now();
        // Exactly on a grid point: the *next* one.
        let next = MissedTickBehavior::Skip.next_deadline(zero, zero + 30 * MS, 10 * MS);
        assert_eq!(next - zero, 40 * MS);
        // Sub-nanosecond-free odd period.
        let p = Duration::new(1, 7);
        let next = MissedTickBehavior::Skip.next_deadline(zero, zero + p * 3 + MS, p);
        assert_eq!(next - zero, p * 4);
    }

    #[test]
    fn zero_period_is_raised_and_setters_stick() {
        let mut i = interval_at(Instant::now(), Duration::ZERO);
        assert_eq!(i.period(), Duration::from_nanos(1));
        assert_eq!(i.missed_tick_behavior(), MissedTickBehavior::Burst);
        i.set_missed_tick_behavior(MissedTickBehavior::Skip);
        assert_eq!(i.missed_tick_behavior(), MissedTickBehavior::Skip);
    }
}
