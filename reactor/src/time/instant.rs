//! [`Instant`]: a point on the monotonic clock, as timers see it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// The cap of [`Instant::saturating_add`]: thirty years.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// A measurement of the monotonic clock, used for timer deadlines.
///
/// A thin wrapper around [`std::time::Instant`] (convert freely with [`From`] and
/// [`Instant::into_std`]). It exists so timer APIs read the same as the rest of
/// `corium::time`, and so a deadline that would overflow can be saturated to a far-future
/// instant instead of panicking.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_reactor::time::Instant;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later.duration_since(start), Duration::from_millis(5));
/// assert_eq!(start.saturating_duration_since(later), Duration::ZERO);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current time: the monotonic clock's, or — inside a runtime whose clock is
    /// [paused](super::pause) — the paused clock's.
    ///
    /// While no clock in the process is paused this is one atomic load plus the clock read;
    /// only while one is does it look up the thread's reactor.
    #[inline]
    pub fn now() -> Instant {
        if super::clock::any_paused() {
            if let Some(paused) = crate::context::with_current(|handle| Some(handle?.time()?.now()))
            {
                return paused;
            }
        }
        Instant::now_real()
    }

    /// The monotonic clock's time, whatever any runtime's clock shows.
    #[inline]
    pub(crate) fn now_real() -> Instant {
        Instant {
            std: std::time::Instant::now(),
        }
    }

    /// Wraps a [`std::time::Instant`].
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The underlying [`std::time::Instant`].
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// Time elapsed from `earlier` to `self`; zero if `earlier` is later (like
    /// [`saturating_duration_since`](Instant::saturating_duration_since)).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// Time elapsed since this instant was measured: `Instant::now() - self`, so on a paused
    /// clock it is the paused time that counts.
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` if that is beyond what the platform can represent.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that is before what the platform can represent.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// `self + duration`, capped at thirty years after `self`: what a deadline that would
    /// overflow becomes. Far beyond any real process lifetime, yet representable on every
    /// platform and by the wheel (584 years of nanoseconds).
    pub(crate) fn saturating_add(self, duration: Duration) -> Instant {
        self.checked_add(duration.min(FAR_FUTURE)).unwrap_or(self)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

/// # Panics
/// Like [`std::time::Instant`], if the result cannot be represented; use
/// [`Instant::checked_add`] to handle that case.
impl Add<Duration> for Instant {
    type Output = Instant;

    #[track_caller]
    fn add(self, rhs: Duration) -> Instant {
        self.checked_add(rhs)
            .expect("overflow when adding a duration to an instant")
    }
}

impl AddAssign<Duration> for Instant {
    #[track_caller]
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

/// # Panics
/// Like [`std::time::Instant`], if the result cannot be represented; use
/// [`Instant::checked_sub`] to handle that case.
impl Sub<Duration> for Instant {
    type Output = Instant;

    #[track_caller]
    fn sub(self, rhs: Duration) -> Instant {
        self.checked_sub(rhs)
            .expect("overflow when subtracting a duration from an instant")
    }
}

impl SubAssign<Duration> for Instant {
    #[track_caller]
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

/// The time from `rhs` to `self`, zero if `rhs` is later (as `std` does since Rust 1.60).
impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_round_trips() {
        let t = Instant::now();
        let d = Duration::from_micros(1_500);
        assert_eq!((t + d) - t, d);
        assert_eq!((t + d) - d, t);
        assert_eq!(t - (t + d), Duration::ZERO, "saturates like std");
        assert_eq!((t + d).checked_duration_since(t), Some(d));
        assert_eq!(t.checked_duration_since(t + d), None);
        let mut u = t;
        u += d;
        u -= d;
        assert_eq!(u, t);
        assert_eq!(Instant::from(t.into_std()), t);
        assert_eq!(t.checked_sub(d).map(|e| t - e), Some(d));
    }

    #[test]
    fn overflowing_deadlines_saturate_to_the_far_future() {
        let t = Instant::now();
        assert_eq!(t.checked_add(Duration::MAX), None);
        let far = t.saturating_add(Duration::MAX);
        assert!(far.duration_since(t) >= Duration::from_secs(86_400 * 365 * 29));
        assert_eq!(
            t.saturating_add(Duration::from_secs(1)),
            t + Duration::from_secs(1)
        );
    }
}
