//! The reactor's side of tracing: what is waking a task right now, for the executor's
//! `task 5 woken by token 3` line, and small formatting helpers for the reactor's own lines.
//!
//! The reactor knows tokens and not tasks; the executor knows tasks and not tokens. The
//! reactor therefore names the cause of the wakes it is about to run in a thread-local
//! ([`set_cause`]) and the executor's wake trace point reads it ([`wake_cause`]) on the same
//! thread, inside the same call. The thread-local is touched only while executor lines are
//! recorded, and does not exist without this crate's `trace` feature (which the executor's
//! and the facade's `trace` features turn on).

#[cfg(feature = "trace")]
use std::cell::Cell;
use std::fmt;
use std::time::Duration;

#[cfg(feature = "trace")]
use corium_selector_sys::trace::{self, Layer};

/// Why a task is being woken, as far as the reactor knows.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeCause {
    /// An I/O event for the source registered under this token.
    Io(usize),
    /// A timer fired.
    Timer,
}

impl fmt::Display for WakeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeCause::Io(token) => write!(f, "token {token}"),
            WakeCause::Timer => f.write_str("a timer"),
        }
    }
}

#[cfg(feature = "trace")]
thread_local! {
    static CAUSE: Cell<Option<WakeCause>> = const { Cell::new(None) };
}

/// While it lives, [`wake_cause`] on this thread returns the cause it was made with; see
/// [`set_cause`]. Without the `trace` feature it is an empty type with no `Drop`, so the wake
/// loops it guards compile exactly as if it were not there.
#[must_use = "the cause is set only while the guard lives"]
pub(crate) struct CauseGuard {
    /// The cause to put back on drop; `None` if nothing was set.
    #[cfg(feature = "trace")]
    restore: Option<Option<WakeCause>>,
}

/// Names `cause` as the reason for the wakes this thread runs until the guard drops (even if
/// a waker panics). The thread-local is touched only while executor lines are recorded.
#[inline(always)]
pub(crate) fn set_cause(cause: WakeCause) -> CauseGuard {
    #[cfg(feature = "trace")]
    if trace::enabled(Layer::Executor) {
        return CauseGuard {
            restore: CAUSE.try_with(|c| c.replace(Some(cause))).ok(),
        };
    }
    let _ = cause;
    CauseGuard {
        #[cfg(feature = "trace")]
        restore: None,
    }
}

#[cfg(feature = "trace")]
impl Drop for CauseGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.restore {
            let _ = CAUSE.try_with(|c| c.set(previous));
        }
    }
}

/// The cause of the wake running on this thread, if the reactor is running it: for the
/// executor's trace lines only. Always `None` while executor lines are not recorded, and
/// without the `trace` feature.
#[doc(hidden)]
pub fn wake_cause() -> Option<WakeCause> {
    #[cfg(feature = "trace")]
    return CAUSE.try_with(Cell::get).ok().flatten();
    #[cfg(not(feature = "trace"))]
    None
}

/// A selector wait as a trace line shows it: `block`, or the duration.
pub(crate) struct Wait(pub(crate) Option<Duration>);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("block"),
            Some(d) => write!(f, "{d:?}"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn cause_and_wait_read_as_the_lines_say() {
        assert_eq!(WakeCause::Io(3).to_string(), "token 3");
        assert_eq!(WakeCause::Timer.to_string(), "a timer");
        assert_eq!(Wait(None).to_string(), "block");
        assert_eq!(Wait(Some(Duration::from_millis(1))).to_string(), "1ms");
        // Not recorded (or not built): the thread-local stays untouched.
        let guard = set_cause(WakeCause::Timer);
        assert_eq!(wake_cause(), None);
        drop(guard);
    }
}
