//! # Chapter 7 — Timers
//!
//! *No seed walks through timers; this chapter completes the driver turn of
//! [chapter 3](super::ch3_driver). Layer: [`corium::time`](crate::time) (in `corium-reactor`).*
//!
//! ## The wheel
//!
//! A timer is an entry in a hierarchical timing wheel (`reactor/src/time/wheel.rs`): six
//! levels of 64 slots each. A level-0 slot covers one millisecond, a level-1 slot 64 ms, and
//! so on, so the six levels together cover 64⁶ ms, a little over two years; a later deadline
//! waits in the top level and is filed again when its slot comes round. Each level keeps a
//! 64-bit occupancy mask, so finding the next non-empty slot is a rotate and a count of
//! trailing zeros, not a scan. As time reaches a high-level slot, its entries *cascade* into
//! finer levels.
//!
//! Entries live in a slab and are linked into slot lists by index (`reactor/src/time/entry.rs`).
//! That costs a lock on each timer poll, and buys a [`Sleep`](crate::time::Sleep) that is
//! `Unpin` and may move freely, O(1) cancellation, no `unsafe`, and no allocation once the
//! slab has grown to the peak number of live timers.
//!
//! ## Exact deadlines
//!
//! Slots only *file* an entry; the entry keeps its deadline to the nanosecond. Before each
//! selector wait, the driver asks the wheel for the time to the next deadline: the exact
//! earliest deadline when it falls in the current 64 ms window, otherwise the next cascade
//! point. That timeout goes to [`Poll::poll`](crate::sys::Poll::poll), which passes a
//! sub-millisecond timeout to `epoll_pwait2` as a `timespec` (Linux 5.11 and later; older
//! kernels, or a seccomp filter that refuses the call, fall back to `epoll_wait` with the
//! timeout rounded *up* to whole milliseconds, never down to a busy spin). kqueue takes a
//! `timespec` anyway. A 1 ms sleep is therefore late by the kernel's wake-up latency, not by
//! the rest of a millisecond.
//!
//! One more source of lateness remains: Linux may delay any timed wait of a thread by that
//! thread's **timer slack** (50 µs by default) to batch wake-ups. The thread that turns the
//! driver lowers its own slack to 1 ns, once (`prctl(PR_SET_TIMERSLACK)`, done by
//! [`Driver::turn`](crate::reactor::Driver::turn) through a crate-private helper in
//! `reactor/src/time/mod.rs`).
//!
//! After the wait, the turn fires every entry whose deadline has passed: their wakers are
//! taken under the lock, in batches, and called after it is released. A timer inserted with a
//! deadline earlier than the one the driver is sleeping towards unparks the driver, once, so
//! the wait is shortened. On shutdown every timer fires: a pending sleep completes, a timeout
//! reports elapsed, an interval ticks — no task is left waiting forever.
//!
//! ## A paused clock drives the same wheel
//!
//! Tests of time-dependent code want time they can control: a one-hour timeout should be
//! checked in microseconds, and "after 30 s" should mean exactly 30 s. [`time::pause`]
//! (or [`Builder::start_paused`](crate::runtime::Builder::start_paused)) gives a runtime a
//! *paused clock* (`reactor/src/time/clock.rs`). Nothing about the wheel changes — the same
//! entries, the same exact deadlines, the same "earliest deadline is the poll timeout". Only
//! *now* changes: [`Instant::now`](crate::time::Instant::now) and the driver read a frozen
//! instant, which moves in two ways.
//!
//! * **Auto-advance**, in the driver's turn. The turn was about to sleep until the earliest
//!   timer. It polls the selector with a zero timeout first; if an I/O event or an unpark is
//!   there, it delivers that and leaves the clock alone. If nothing is, nothing but the timer
//!   can happen next — the runtime has no task to run, or it would not be parking — so the
//!   clock jumps straight to that deadline and the turn fires it. A `spawn_blocking` closure
//!   holds auto-advance back while it runs
//!   ([`Handle::inhibit_auto_advance`](crate::reactor::Handle::inhibit_auto_advance)): work on
//!   another thread takes real time, and the clock must not jump past it.
//! * [`time::advance`], from a task: the clock walks to the target one timer stop at a time.
//!   At each deadline where timers fire, the advancing task steps aside so the tasks they
//!   woke run before the clock moves on — so an interval ticks at every period, and a timer
//!   set by a woken task inside the window fires too.
//!
//! Pausing needs the current-thread runtime: only where one thread runs every task is "nothing
//! can run" something the driver can see. tokio's paused clock adds one millisecond to every
//! sleep; corium's adds nothing, so deadlines land exactly where the test says.
//!
//! ```rust
//! use std::time::Duration;
//! use corium::runtime::Builder;
//! use corium::time::{self, Instant};
//!
//! let rt = Builder::new_current_thread().enable_all().start_paused(true).build()?;
//! rt.block_on(async {
//!     let start = Instant::now();
//!     time::sleep(Duration::from_secs(3600)).await; // auto-advance: no real hour passes
//!     assert_eq!(start.elapsed(), Duration::from_secs(3600));
//!     time::advance(Duration::from_micros(250)).await;
//!     assert_eq!(start.elapsed(), Duration::from_secs(3600) + Duration::from_micros(250));
//! });
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`time::pause`]: crate::time::pause
//! [`time::advance`]: crate::time::advance
//!
//! ## The user side
//!
//! * [`sleep`](crate::time::sleep) / [`sleep_until`](crate::time::sleep_until) →
//!   [`Sleep`](crate::time::Sleep), which can be [`reset`](crate::time::Sleep::reset).
//! * [`timeout`](crate::time::timeout) / [`timeout_at`](crate::time::timeout_at) wrap a future
//!   and a sleep into a [`Timeout`](crate::time::Timeout); it resolves to the future's output,
//!   or [`Elapsed`](crate::time::Elapsed) if the sleep wins.
//! * [`interval`](crate::time::interval) / [`interval_at`](crate::time::interval_at) →
//!   [`Interval`](crate::time::Interval), whose [`tick`](crate::time::Interval::tick) returns
//!   each tick's *scheduled* instant; [`MissedTickBehavior`](crate::time::MissedTickBehavior)
//!   says what happens when ticks were missed.
//! * [`Instant`](crate::time::Instant), the clock they all read.
//!
//! Every timer poll spends a unit of the cooperative budget ([chapter 4](super::ch4_tasks)),
//! just as a readiness poll does.
//!
//! ## Example: sleep, timeout, interval
//!
//! ```rust
//! use std::time::Duration;
//! use corium::runtime::Builder;
//! use corium::time::{interval, sleep, timeout, Instant};
//!
//! let rt = Builder::new_current_thread().enable_time().build()?;
//! rt.block_on(async {
//!     // A sub-millisecond sleep is not rounded down to nothing.
//!     let start = Instant::now();
//!     sleep(Duration::from_micros(300)).await;
//!     assert!(start.elapsed() >= Duration::from_micros(300));
//!
//!     // The sleep wins against a future that never finishes...
//!     let lost = timeout(Duration::from_millis(2), std::future::pending::<()>()).await;
//!     assert!(lost.is_err());
//!     // ...and loses against one that finishes at once.
//!     assert_eq!(timeout(Duration::from_secs(5), async { 7 }).await, Ok(7));
//!
//!     // Ticks keep their schedule: the first at once, then one period apart.
//!     let period = Duration::from_millis(1);
//!     let mut ticks = interval(period);
//!     let first = ticks.tick().await;
//!     ticks.tick().await;
//!     let third = ticks.tick().await;
//!     assert_eq!(third - first, 2 * period);
//!     assert!(first.elapsed() >= 2 * period);
//! });
//! assert!(rt.metrics().io_driver_turns() >= 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! No seed walks through timers, so the steps here are the driver's own.
//!
//! | step | corium item |
//! |---|---|
//! | create a timer | [`sleep`](crate::time::sleep), [`sleep_until`](crate::time::sleep_until), [`Sleep`](crate::time::Sleep) |
//! | bound a future by a deadline | [`timeout`](crate::time::timeout), [`timeout_at`](crate::time::timeout_at), [`Timeout`](crate::time::Timeout), [`Elapsed`](crate::time::Elapsed) |
//! | periodic ticks | [`interval`](crate::time::interval), [`interval_at`](crate::time::interval_at), [`Interval`](crate::time::Interval), [`MissedTickBehavior`](crate::time::MissedTickBehavior) |
//! | file the entry in the wheel (6 × 64 slots, bitmaps, cascade) | `reactor/src/time/wheel.rs`, `reactor/src/time/entry.rs` |
//! | the next deadline becomes the poll timeout | step 2 of [`Driver::turn`](crate::reactor::Driver::turn) (`TimeShared::next_timeout`, `reactor/src/time/shared.rs`) |
//! | wait with nanosecond precision | [`Poll::poll`](crate::sys::Poll::poll) → `epoll_pwait2` (`selector-sys/src/sys/epoll.rs`) |
//! | lower the driver thread's timer slack | `set_precise_timer_slack` (crate-private, `reactor/src/time/mod.rs`), called by [`Driver::turn`](crate::reactor::Driver::turn) |
//! | fire due timers | step 4 of [`Driver::turn`](crate::reactor::Driver::turn) (`TimeShared::process`) |
//! | timers without a runtime | [`time::Instant`](crate::time::Instant) plus a hand-turned [`Driver`](crate::reactor::Driver), as in the [`interval`](crate::time::interval) docs |
//! | pause, resume, advance the clock | [`time::pause`](crate::time::pause), [`time::resume`](crate::time::resume), [`time::advance`](crate::time::advance), [`Builder::start_paused`](crate::runtime::Builder::start_paused); `Clock` in `reactor/src/time/clock.rs` |
//! | auto-advance when nothing can run | step 2 of [`Driver::turn`](crate::reactor::Driver::turn) (`Driver::poll_paused`) |
//! | turn timers on in a runtime | [`Builder::enable_time`](crate::runtime::Builder::enable_time), [`Config::enable_time`](crate::reactor::Config::enable_time) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt* of a 300 µs sleep on a current-thread runtime with
//! `CORIUM_TRACE=all` (times vary). Inserting the timer unparks the driver because it is due
//! before the driver's planned wake-up; the turn then waits exactly the time left, through
//! `epoll_pwait2` with a sub-millisecond timeout, and fires the timer as soon as it returns.
//! (`prctl` — the timer slack — appears once per driver thread, on its first turn.)
//!
//! ```text
//!       930µs main            [reactor]  TimeShared::insert: timer due at 1190178ns precedes the driver's wake-up: unpark it
//!       935µs main            [executor] Parker::park: worker 0 EMPTY → PARKED_DRIVER
//!       941µs main            [reactor]  Driver::turn: wait 286.525µs (next timer; asked block)
//!       946µs main            [selector] Poll::poll → epoll_pwait2(epfd=3, max=1024, timeout=286.525µs) = 1
//!       950µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 18446744073709551615 }
//!       955µs main            [reactor]  Driver::turn: 0 I/O events delivered
//!       960µs main            [executor] Parker::park: worker 0 EMPTY → PARKED_DRIVER
//!       962µs main            [reactor]  Driver::turn: wait 265.235µs (next timer; asked block)
//!      1248µs main            [selector] Poll::poll → epoll_pwait2(epfd=3, max=1024, timeout=265.235µs) = 0
//!      1296µs main            [reactor]  TimeShared::process: 1 timer fired, 1 waker woken
//!      1307µs main            [reactor]  Driver::turn: 0 I/O events delivered
//! ```
