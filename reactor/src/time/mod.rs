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

mod entry;
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
