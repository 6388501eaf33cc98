//! [`Sleep`], [`sleep`] and [`sleep_until`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use super::entry::Key;
use super::{Instant, TimeShared};
use crate::{coop, Handle};

/// The panic message of a timer polled on a runtime built without time.
const TIMERS_DISABLED: &str = "timers are disabled: call Builder::enable_time (or enable_all)";

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`, except that a duration too large
/// to add (such as [`Duration::MAX`]) saturates to about thirty years instead of panicking.
/// A zero duration completes on the first poll without registering anything.
///
/// The sleep binds to the current reactor (see [`Handle::current`]) when created, or, if
/// there is none then, when first polled.
///
/// # Panics
///
/// The returned future panics when polled if no reactor is current and it was not created
/// inside one, or if the reactor was built without time — unless its deadline has already
/// passed, which needs no reactor.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_reactor::time::{sleep, Instant};
/// # use corium_reactor::{Config, Driver};
/// # let mut driver = Driver::new(Config::default()).unwrap();
/// # let _guard = driver.handle().enter();
///
/// let start = Instant::now();
/// let mut sleep = std::pin::pin!(sleep(Duration::from_millis(2)));
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// // With a runtime you would write `sleep.await`; here we turn the driver by hand.
/// while sleep.as_mut().poll(&mut cx).is_pending() {
///     driver.turn(None).unwrap();
/// }
/// assert!(start.elapsed() >= Duration::from_millis(2));
/// # use std::future::Future;
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now().saturating_add(duration))
}

/// Waits until `deadline`. A deadline in the past completes on the first poll without
/// registering anything. Binding and panics as for [`sleep`].
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        handle: Handle::try_current().ok(),
        state: State::Idle,
    }
}

/// A future that completes at a deadline; made by [`sleep`] and [`sleep_until`].
///
/// Polling it registers a timer with the reactor's wheel the first time; dropping it
/// cancels that timer in O(1). It holds only a key into the wheel's slab, never a pointer,
/// so it is `Unpin` and may move between polls (`Send + Sync`).
///
/// # Shutdown
///
/// When the runtime shuts down, a pending `Sleep` is woken and completes (returns `Ready`)
/// on its next poll, as if its deadline had passed; one first polled after shutdown
/// completes at once. corium never panics a task because the runtime is going away: code
/// after the `.await` runs, and can check the runtime state if it cares.
///
/// # Cooperative scheduling
///
/// Each poll spends one unit of the task's [`coop`](crate::coop) budget, so a loop of
/// already-expired sleeps still yields to other tasks.
pub struct Sleep {
    deadline: Instant,
    /// `None` until bound (at creation if a reactor is current, else at first poll).
    handle: Option<Handle>,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No timer registered; `deadline` not seen as passed yet.
    Idle,
    /// A timer is in the wheel under this key (pending, or fired and not yet observed).
    Registered(Key),
    /// Completed; polls return `Ready` until the next reset.
    Elapsed,
}

impl Sleep {
    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the sleep has completed: a poll returned `Ready`, or the driver fired its
    /// timer (the next poll will return `Ready`). A sleep never polled is not elapsed.
    pub fn is_elapsed(&self) -> bool {
        match self.state {
            State::Idle => false,
            State::Elapsed => true,
            State::Registered(key) => shared(&self.handle).is_none_or(|t| t.has_fired(key)),
        }
    }

    /// Moves the deadline, whether or not the sleep has completed: after it, the sleep is
    /// pending again until `deadline`. The registered timer (if any) is re-filed in place;
    /// moving it into the past wakes the task that last polled it.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().reset_deadline(deadline);
    }

    pub(crate) fn reset_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let State::Registered(key) = self.state else {
            // Registered lazily at the next poll.
            self.state = State::Idle;
            return;
        };
        let (Some(handle), Some(time)) = (&self.handle, shared(&self.handle)) else {
            self.state = State::Idle;
            return;
        };
        match time.reset(key, time.nanos(deadline)) {
            Ok(unpark) => {
                if unpark {
                    trace!(
                        Layer::Reactor,
                        "Sleep::reset: timer now due at {}ns, before the driver's wake-up: unpark it",
                        time.nanos(deadline)
                    );
                    handle.unpark();
                }
            }
            Err(waker) => {
                // Already due: the entry is gone; the next poll sees the deadline passed.
                self.state = State::Idle;
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        }
    }

    /// Polls with or without spending coop budget (`Timeout` checks its deadline even when
    /// its inner future used the last unit).
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>, use_coop: bool) -> Poll<()> {
        if !use_coop {
            return self.poll_inner(cx);
        }
        let unit = ready!(coop::poll_proceed(cx));
        let result = self.poll_inner(cx);
        if result.is_ready() {
            unit.made_progress();
        }
        result
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.state {
            State::Elapsed => Poll::Ready(()),
            State::Registered(key) => match shared(&self.handle) {
                Some(time) => {
                    ready!(time.poll(key, cx.waker()));
                    self.state = State::Elapsed;
                    Poll::Ready(())
                }
                None => self.complete(),
            },
            State::Idle => {
                // The bound reactor's clock decides (it may be paused); unbound, the thread's.
                let now = shared(&self.handle).map_or_else(Instant::now, TimeShared::now);
                if self.deadline <= now {
                    return self.complete();
                }
                let handle = self.handle.get_or_insert_with(Handle::current);
                let Some(time) = handle.time() else {
                    panic!("{TIMERS_DISABLED}");
                };
                match time.insert(time.nanos(self.deadline), Some(cx.waker().clone())) {
                    Ok((key, unpark)) => {
                        self.state = State::Registered(key);
                        if unpark {
                            trace!(
                                Layer::Reactor,
                                "Sleep::poll: new timer due at {}ns, before the driver's wake-up: unpark it",
                                time.nanos(self.deadline)
                            );
                            handle.unpark();
                        }
                        Poll::Pending
                    }
                    // Due by the driver's clock already, or shut down.
                    Err(_) => self.complete(),
                }
            }
        }
    }

    fn complete(&mut self) -> Poll<()> {
        self.state = State::Elapsed;
        Poll::Ready(())
    }
}

/// The timer state of a bound handle.
fn shared(handle: &Option<Handle>) -> Option<&TimeShared> {
    handle.as_ref()?.time()
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx, true)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered(key) = self.state {
            if let Some(time) = shared(&self.handle) {
                time.remove(key);
            }
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("state", &self.state)
            .finish()
    }
}
