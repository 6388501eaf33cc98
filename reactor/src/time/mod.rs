//! Timers: [`sleep`], [`timeout`], [`interval`], and the wheel the driver runs them on.
//!
//! # Using it
//!
//! Inside a corium runtime (or with a reactor [`Handle`](crate::Handle) entered),
//! `sleep(d).await`, `timeout(d, fut).await` and `interval(p).tick().await` work as their
//! tokio namesakes. The futures bind to the current reactor; its driver wakes them.
//!
//! # How it works
//!
//! - **The wheel** (`wheel.rs`): 6 levels × 64 slots, 1 ms per level-0 slot, so it spans
//!   64^6 ms ≈ 2.2 years; later deadlines wait in the top level's farthest slot and are
//!   re-filed when it comes up. Each level has a `u64` occupancy bitmap, so the next occupied
//!   slot is a `rotate_right` + `trailing_zeros` away. Entries cascade to lower levels as time
//!   reaches their slot.
//! - **Exact deadlines.** Every entry keeps its nanosecond deadline; slots only file it. The
//!   driver's poll timeout is the exact earliest deadline when it lies in the current 64 ms
//!   window (otherwise the next cascade point), and the selector sleeps on it with
//!   `epoll_pwait2`'s nanosecond timeout. tokio rounds up to the next millisecond instead,
//!   so its 1 ms sleep is ~1 ms late; corium's is late by the kernel's wake-up latency only.
//! - **Entries live in a slab**, linked into slot lists by `u32` index (`entry.rs`). We
//!   chose an index slab over intrusive nodes inside each `Sleep` because it needs no
//!   `unsafe` (the only `unsafe` here is one `prctl` call), lets `Sleep` be `Unpin` and move
//!   freely, makes cancel an O(1) unlink under the lock with no pinning or "still linked on
//!   drop" proof, and reuses freed slots so steady-state timers allocate nothing. The price:
//!   one `Vec` that grows to the peak number of live timers, and a lock on every timer poll.
//! - **The driver's side** (`TimeShared`, `shared.rs`): `next_timeout` before each selector
//!   poll, `process` after. A timer registered earlier than the time the driver sleeps towards
//!   unparks it (once: later inserts compare against the lowered mark). Fired timers' wakers
//!   are taken under the lock in batches of 32 and woken after unlocking. With no timer
//!   pending both are one atomic load (no lock, no clock read); the first timer registered
//!   after that always unparks the driver, so the skip loses nothing (see `TimeShared::idle`).
//! - **Shutdown** fires every timer: a pending [`Sleep`] completes (no panic), a [`Timeout`]
//!   then reports [`Elapsed`], an [`Interval`] ticks.
//!
//! # Precision and timer slack
//!
//! Linux delays each timed sleep of a thread by up to its *timer slack* (50 µs by default)
//! to batch wake-ups. `set_precise_timer_slack` (crate-internal) lowers it to 1 ns on the
//! calling thread; the thread that turns the driver should call it.

mod clock;
mod entry;
pub mod error;
mod instant;
mod interval;
#[cfg(all(test, loom))]
mod loom_tests;
mod shared;
mod sleep;
mod timeout;
mod wheel;

pub use self::instant::Instant;
pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};
/// std's `Duration`, re-exported where tokio users look for it (`time::Duration`).
pub use std::time::Duration;

pub(crate) use self::shared::TimeShared;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The current reactor's timer state, or a panic naming what is missing.
#[track_caller]
fn current_time<R>(what: &str, f: impl FnOnce(&TimeShared) -> R) -> (crate::Handle, R) {
    let handle = crate::Handle::try_current().unwrap_or_else(|e| panic!("time::{what}(): {e}"));
    let Some(time) = handle.time() else {
        panic!(
            "time::{what}(): timers are disabled on this runtime: call Builder::enable_time \
             (or enable_all)"
        );
    };
    let r = f(time);
    (handle, r)
}

/// Pauses the current runtime's clock: from now on [`Instant::now`] and every timer of this
/// runtime see a frozen time that moves only through [`advance`] and *auto-advance* — when the
/// runtime has no task to run and no I/O is ready, the clock jumps to the next timer's
/// deadline instead of sleeping, so `sleep(Duration::from_secs(3600)).await` in a test
/// returns at once, with exactly one hour passed on the clock.
///
/// tokio's `time::pause` (its `test-util` feature), built in. Unlike tokio's paused clock,
/// corium's adds no extra millisecond: `sleep(d)` completes when the clock reaches exactly
/// `now + d`, and sub-millisecond deadlines keep their precision.
///
/// # Panics
/// Outside a runtime; on a runtime that is not current-thread (other workers would keep
/// running against a frozen clock); if the clock is already paused; without timers enabled.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use corium_reactor::time::{self, Instant};
/// # let mut driver = corium_reactor::Driver::new(corium_reactor::Config { pausable_clock: true, ..Default::default() }).unwrap();
/// # let _guard = driver.handle().enter();
/// time::pause();
/// let start = Instant::now();
/// std::thread::sleep(Duration::from_millis(2));
/// assert_eq!(Instant::now(), start, "the clock is frozen");
/// time::resume();
/// ```
#[track_caller]
pub fn pause() {
    current_time("pause", |time| {
        if let Err(e) = time.clock().pause() {
            panic!("{}", e.message("pause"));
        }
    });
}

/// Lets the current runtime's clock run again after [`pause`].
///
/// # Panics
/// Outside a runtime, or if the clock is not paused.
#[track_caller]
pub fn resume() {
    current_time("resume", |time| {
        if let Err(e) = time.clock().resume() {
            panic!("{}", e.message("resume"));
        }
    });
}

/// Moves the paused clock forward by `duration`, firing every timer it passes in deadline
/// order. At each deadline where timers fire, the tasks they woke run before the clock moves
/// on (so an [`Interval`] ticks at every period, and a timer set by a woken task inside the
/// window fires too), and they run once more before `advance` completes.
///
/// # Panics
/// Outside a runtime, or if the clock is not paused (checked when called).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// # use corium_reactor::time;
/// # async fn example() {
/// time::pause();
/// let start = time::Instant::now();
/// time::advance(Duration::from_secs(5)).await;
/// assert_eq!(start.elapsed(), Duration::from_secs(5));
/// # }
/// ```
#[track_caller]
pub fn advance(duration: Duration) -> Advance {
    let (handle, target) = current_time("advance", |time| {
        if !time.clock().is_paused() {
            panic!("{}", clock::ClockError::NotPaused.message("advance"));
        }
        time.now().saturating_add(duration)
    });
    Advance {
        handle,
        target,
        after: None,
        done: false,
    }
}

/// The future of [`advance`]: walks the paused clock to its target, one timer stop per poll.
#[derive(Debug)]
#[must_use = "the clock moves only while the future is awaited"]
pub struct Advance {
    handle: crate::Handle,
    target: Instant,
    /// The last stop reached.
    after: Option<u64>,
    /// The target is reached; one last yield is under way.
    done: bool,
}

impl Future for Advance {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(());
        }
        let Some(time) = this.handle.time() else {
            return Poll::Ready(());
        };
        loop {
            match time.advance_step(this.target, this.after) {
                Ok(shared::AdvanceStep::Stopped { at, fired }) => {
                    this.after = Some(at);
                    if fired != 0 {
                        // Behind every task those timers woke.
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                // Resumed meanwhile (or done): the woken tasks still get their turn.
                Ok(shared::AdvanceStep::Done) | Err(_) => {
                    this.done = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
            }
        }
    }
}

/// Lowers the calling thread's timer slack to 1 ns, once per thread (later calls are a
/// thread-local read).
///
/// The kernel may delay any timed wait of a thread by its slack (50 µs by default) to merge
/// wake-ups and save power. A driver thread that waits for timers wants them on time, so it
/// trades that saving for precision. Linux only; elsewhere a no-op.
///
/// # Errors
///
/// The `prctl` error, which the kernel documents only for invalid arguments: the caller may
/// ignore it and keep the default slack.
pub(crate) fn set_precise_timer_slack() -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::cell::Cell;
        thread_local! {
            static DONE: Cell<bool> = const { Cell::new(false) };
        }
        if DONE.with(Cell::get) {
            return Ok(());
        }
        // The argument is the slack in nanoseconds (0 would mean "reset to the default",
        // hence 1).
        const ONE_NS: std::ffi::c_ulong = 1;
        // SAFETY: prctl(PR_SET_TIMERSLACK, n) reads only its integer argument and changes
        // only the calling thread's slack; no pointer is passed.
        corium_selector_sys::syscall!(prctl(libc::PR_SET_TIMERSLACK, ONE_NS))?;
        DONE.with(|d| d.set(true));
    }
    Ok(())
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use corium_selector_sys::syscall;

    /// The calling thread's timer slack in ns (PR_GET_TIMERSLACK returns it).
    fn timer_slack() -> i32 {
        const UNUSED: std::ffi::c_ulong = 0;
        // SAFETY: PR_GET_TIMERSLACK takes no pointer and only reads the thread's own slack.
        syscall!(prctl(libc::PR_GET_TIMERSLACK, UNUSED)).unwrap()
    }

    #[test]
    fn precise_timer_slack_is_one_nanosecond_on_this_thread_only() {
        std::thread::spawn(|| {
            let before = timer_slack();
            assert!(
                before > 1,
                "a fresh thread inherits a coarser default: {before}"
            );
            super::set_precise_timer_slack().unwrap();
            assert_eq!(timer_slack(), 1);
            super::set_precise_timer_slack().unwrap(); // the cached path
            assert_eq!(timer_slack(), 1);
        })
        .join()
        .unwrap();
    }
}
