//! [`Timeout`], [`timeout`], [`timeout_at`] and the [`Elapsed`] error.

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::{sleep, sleep_until, Instant, Sleep};
use crate::coop;

/// Runs `future`, giving up with [`Elapsed`] if it has not completed after `duration`.
///
/// The future is polled first on every poll, so one that is ready completes with `Ok` even
/// when the deadline has passed too. Dropping the [`Timeout`] (for example after `Elapsed`)
/// drops the future. A `duration` too large to add saturates to about thirty years.
///
/// # Errors
///
/// The returned future resolves to `Err(Elapsed)` when the deadline passes first.
///
/// # Panics
///
/// As for [`sleep`]: when polled with no reactor (or one without time) while the future is
/// still pending.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_reactor::time::{timeout, Elapsed};
/// # use std::future::Future;
/// # use corium_reactor::{Config, Driver};
/// # let mut driver = Driver::new(Config::default()).unwrap();
/// # let _guard = driver.handle().enter();
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///
/// // A future that never completes runs out of time.
/// let mut never = std::pin::pin!(timeout(Duration::from_millis(1), std::future::pending::<()>()));
/// let result = loop {
///     if let std::task::Poll::Ready(r) = never.as_mut().poll(&mut cx) { break r; }
///     driver.turn(None).unwrap();
/// };
/// assert_eq!(result, Err(Elapsed::new()));
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), sleep(duration))
}

/// Runs `future`, giving up with [`Elapsed`] if it has not completed by `deadline`.
/// Otherwise as [`timeout`].
///
/// # Errors
///
/// The returned future resolves to `Err(Elapsed)` when the deadline passes first.
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), sleep_until(deadline))
}

pin_project! {
    /// A future with a deadline; made by [`timeout`] and [`timeout_at`].
    ///
    /// Resolves to `Ok(output)` if the inner future completes first, `Err(Elapsed)` if the
    /// deadline passes first. `Send`/`Sync` when the inner future is.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<T> {
        #[pin]
        value: T,
        delay: Sleep,
    }
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably (when it is `Unpin`, or before pinning the `Timeout`).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Gives up on the deadline and returns the inner future.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.delay.deadline()
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(v) = me.value.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        // A future that spends the task's last budget unit every time would otherwise hide
        // the deadline forever: check it without spending budget then.
        let use_coop = !had_budget || coop::has_budget_remaining();
        match me.delay.poll_elapsed(cx, use_coop) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The error of a [`Timeout`] whose deadline passed first. `Display`: "deadline has elapsed".
///
/// Converts into an [`io::Error`] of kind [`TimedOut`](io::ErrorKind::TimedOut), so `?` works
/// in functions returning `io::Result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl Elapsed {
    /// The error value (for tests and for code that builds its own timeouts).
    pub fn new() -> Elapsed {
        Elapsed(())
    }
}

impl Default for Elapsed {
    fn default() -> Elapsed {
        Elapsed::new()
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(e: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_reads_well_and_maps_to_timed_out() {
        assert_eq!(Elapsed::new().to_string(), "deadline has elapsed");
        let e: io::Error = Elapsed::new().into();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(e.to_string(), "deadline has elapsed");
    }

    #[test]
    fn accessors_reach_the_inner_future() {
        let mut t = timeout(Duration::ZERO, std::future::ready(7));
        assert_eq!(t.get_ref().clone().into_inner(), 7);
        assert_eq!(t.get_mut().clone().into_inner(), 7);
        assert_eq!(t.into_inner().into_inner(), 7);
    }

    #[test]
    fn a_ready_future_wins_over_a_passed_deadline_without_a_reactor() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut t = std::pin::pin!(timeout(Duration::ZERO, std::future::ready(3)));
        assert_eq!(t.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
        let mut t = std::pin::pin!(timeout(Duration::ZERO, std::future::pending::<()>()));
        assert_eq!(t.as_mut().poll(&mut cx), Poll::Ready(Err(Elapsed::new())));
    }
}
