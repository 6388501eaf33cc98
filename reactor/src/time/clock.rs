//! The clock a reactor's timers read: the monotonic clock, or a *paused* one that moves only
//! when told to (tokio's `test-util` clock, built in).
//!
//! # How pausing works
//!
//! A paused clock shows a frozen [`Instant`]. Nothing about the timers changes: they are still
//! filed in the same wheel by the same nanosecond deadlines, and the driver still asks the
//! wheel for its earliest deadline before each poll. Only *now* is different, and it moves in
//! two ways:
//!
//! - [`advance`](super::advance) moves it by a given duration, stopping at each timer
//!   deadline on the way so timers fire in deadline order and the tasks they wake run before
//!   the clock moves on;
//! - **auto-advance**: when the driver is about to sleep until a timer (nothing to run), it
//!   first polls the selector without blocking. If no I/O event and no unpark arrived, nothing
//!   but that timer can happen next, so the clock jumps straight to its deadline instead of
//!   sleeping for real. A test that sleeps an hour finishes in microseconds; a test whose
//!   socket has data pending does not jump past it.
//!
//! Auto-advance can be *inhibited* (a counter): a current-thread runtime holds it while work
//! it is waiting for runs on another thread (a `spawn_blocking` closure), where the clock
//! must not jump ahead of work that takes real time.
//!
//! # Cost when not paused
//!
//! [`Clock::now`] is one atomic load before the real clock read, and
//! [`Instant::now`](super::Instant::now) one load of a process-wide count of paused clocks:
//! only while some clock in the process is paused does it look up the thread's reactor.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::Instant;
use crate::loom::{AtomicU32, Mutex, Ordering};

/// How many clocks of this process are paused right now: while 0, `Instant::now` skips the
/// look-up of the thread's reactor. A plain std atomic (not a loom one) because it is only a
/// hint for that fast path, never part of a synchronisation protocol: a reader that sees a
/// stale value either takes the slow path for nothing or reads the real clock in a thread
/// whose own runtime was not paused by anything it has synchronised with.
static PAUSED_CLOCKS: AtomicUsize = AtomicUsize::new(0);

/// Whether any clock in the process is paused (see [`PAUSED_CLOCKS`]).
#[inline]
pub(crate) fn any_paused() -> bool {
    PAUSED_CLOCKS.load(Relaxed) != 0
}

/// Why a clock operation was refused; [`super::pause`] and friends turn it into a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockError {
    /// This runtime's clock cannot be paused (it is not a current-thread runtime).
    NotPausable,
    /// `pause` on a paused clock.
    AlreadyPaused,
    /// `resume` or `advance` on a running clock.
    NotPaused,
}

impl ClockError {
    /// The panic message, naming the fix.
    pub(crate) fn message(self, what: &str) -> String {
        match self {
            ClockError::NotPausable => format!(
                "time::{what}() needs a current-thread runtime: on a multi-thread runtime other \
                 workers would keep running against a frozen clock. Build the runtime with \
                 Builder::new_current_thread() (or #[corium::test], whose default flavour it is)"
            ),
            ClockError::AlreadyPaused => {
                format!("time::{what}(): the clock is already paused (call time::resume() first)")
            }
            ClockError::NotPaused => format!(
                "time::{what}(): the clock is not paused; call time::pause() first, or build the \
                 runtime with Builder::start_paused(true)"
            ),
        }
    }
}

/// A reactor's clock; lives in its `TimeShared`.
#[derive(Debug)]
pub(crate) struct Clock {
    /// Whether [`pause`](Clock::pause) is allowed (set by the runtime that owns the reactor).
    pausable: bool,
    /// 1 while paused: the fast check of [`now`](Clock::now). Written under `state`'s lock.
    paused: AtomicU32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The time the clock shows while paused.
    frozen: Option<Instant>,
    /// Auto-advance is allowed only while this is 0.
    inhibitors: usize,
}

impl Clock {
    /// A running clock; `pausable` says whether it may ever be paused.
    pub(crate) fn new(pausable: bool) -> Clock {
        Clock {
            pausable,
            paused: AtomicU32::new(0),
            state: Mutex::new(State {
                frozen: None,
                inhibitors: 0,
            }),
        }
    }

    /// The clock's time: the monotonic clock, or the frozen time while paused.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if self.paused.load(Ordering::Acquire) == 0 {
            return Instant::from_std(std::time::Instant::now());
        }
        self.paused_now()
    }

    #[cold]
    fn paused_now(&self) -> Instant {
        let state = self.state.lock();
        state.frozen.unwrap_or_else(Instant::now_real)
    }

    /// Whether the clock is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Ordering::Acquire) == 1
    }

    /// Freezes the clock at the current real time.
    pub(crate) fn pause(&self) -> Result<(), ClockError> {
        if !self.pausable {
            return Err(ClockError::NotPausable);
        }
        let mut state = self.state.lock();
        if state.frozen.is_some() {
            return Err(ClockError::AlreadyPaused);
        }
        state.frozen = Some(Instant::now_real());
        self.paused.store(1, Ordering::Release);
        PAUSED_CLOCKS.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Lets the clock run again, from the real time (a paused clock that was advanced past
    /// the real time does not go backwards for the timers: their deadlines simply come due).
    pub(crate) fn resume(&self) -> Result<(), ClockError> {
        let mut state = self.state.lock();
        if state.frozen.take().is_none() {
            return Err(ClockError::NotPaused);
        }
        self.paused.store(0, Ordering::Release);
        PAUSED_CLOCKS.fetch_sub(1, Relaxed);
        Ok(())
    }

    /// Moves a paused clock forward to `to` (never backwards). Returns the time it shows.
    pub(crate) fn advance_to(&self, to: Instant) -> Result<Instant, ClockError> {
        let mut state = self.state.lock();
        let frozen = state.frozen.as_mut().ok_or(ClockError::NotPaused)?;
        if to > *frozen {
            *frozen = to;
        }
        Ok(*frozen)
    }

    /// Whether the driver may jump a paused clock to the next timer when idle.
    #[inline]
    pub(crate) fn can_auto_advance(&self) -> bool {
        self.is_paused() && self.state.lock().inhibitors == 0
    }

    /// Forbids auto-advance until the matching [`allow_auto_advance`](Clock::allow_auto_advance).
    pub(crate) fn inhibit_auto_advance(&self) {
        self.state.lock().inhibitors += 1;
    }

    /// Ends one [`inhibit_auto_advance`](Clock::inhibit_auto_advance).
    pub(crate) fn allow_auto_advance(&self) {
        let mut state = self.state.lock();
        state.inhibitors = state.inhibitors.saturating_sub(1);
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        // A runtime dropped while paused no longer counts as paused.
        if self.is_paused() {
            PAUSED_CLOCKS.fetch_sub(1, Relaxed);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_paused_clock_stands_still_and_moves_only_forward() {
        let clock = Clock::new(true);
        clock.pause().unwrap();
        let t0 = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), t0, "frozen");
        let t1 = clock.advance_to(t0 + Duration::from_secs(3600)).unwrap();
        assert_eq!(t1 - t0, Duration::from_secs(3600));
        assert_eq!(clock.advance_to(t0).unwrap(), t1, "never backwards");
        assert_eq!(clock.pause(), Err(ClockError::AlreadyPaused));
        clock.resume().unwrap();
        assert_eq!(clock.resume(), Err(ClockError::NotPaused));
        assert_eq!(clock.advance_to(t0), Err(ClockError::NotPaused));
        assert!(clock.now() < t1, "running again, on the real clock");
    }

    #[test]
    fn only_a_pausable_clock_pauses_and_inhibitors_stop_auto_advance() {
        assert_eq!(Clock::new(false).pause(), Err(ClockError::NotPausable));
        let clock = Clock::new(true);
        assert!(
            !clock.can_auto_advance(),
            "running clocks never auto-advance"
        );
        clock.pause().unwrap();
        assert!(clock.can_auto_advance());
        clock.inhibit_auto_advance();
        clock.inhibit_auto_advance();
        clock.allow_auto_advance();
        assert!(!clock.can_auto_advance());
        clock.allow_auto_advance();
        assert!(clock.can_auto_advance());
    }
}
