//! # corium-reactor
//!
//! The bridge between the operating system and tasks: it waits for readiness events from the
//! selector ([`corium_selector_sys`]) and turns each one into a wake-up of the task waiting for
//! it; and it runs timers ([`time`]). It is the layer the seeds call tokio's "I/O driver".
//!
//! * [The readiness story](#the-readiness-story) — one event, from the kernel to a task's retry
//! * [Driving it by hand](#driving-it-by-hand) — the whole API in one example
//! * [Tokens and the slab](#tokens-and-the-slab) — how an event finds its source
//! * [Shutdown](#shutdown) — what every pending and later operation sees
//! * [Threads and `unsafe`](#threads-and-unsafe) — the invariants the code relies on
//! * [Should I use this crate?](#should-i-use-this-crate)
//!
//! ## The readiness story
//!
//! 1. **Register.** A socket is wrapped in a [`PollEvented`], whose [`Registration`] takes a
//!    slot in the driver's slab (the handle's `add_source`), creating the source's
//!    [`ScheduledIo`], and registers the fd with the selector under the slot's token.
//! 2. **Wait.** A task's read calls [`Registration::poll_read_ready`] (or awaits
//!    [`Registration::readiness`], a [`Readiness`] future). Nothing is ready, so the task's
//!    waker is stored in the `ScheduledIo`'s waker slot for that direction (kept there from
//!    the last wait if it is the same task: then arming the slot is one compare-and-swap) and
//!    the task returns `Pending`.
//! 3. **Event.** The kernel reports the socket readable. [`Driver::turn`], blocked in the
//!    selector, returns with an event carrying the token; the driver finds the `ScheduledIo`
//!    from it.
//! 4. **Tick.** The driver sets the `READABLE` flag in the `ScheduledIo`'s readiness word and
//!    bumps that word's *read tick* — in the same compare-and-swap that claims the armed read
//!    slot, so no lock is taken.
//! 5. **Wake.** The driver wakes the slot's waker by reference (it stays for the next wait),
//!    and any linked [`Readiness`] futures (those under the list's lock, woken after it).
//! 6. **Poll.** The executor polls the task again; `poll_read_ready` now returns a
//!    [`ReadyEvent`]: what was ready, and the ticks at that moment.
//! 7. **`WouldBlock`.** The task reads until the socket returns `WouldBlock` (edge-triggered
//!    readiness is only reported again after a drain).
//! 8. **Clear.** The task calls [`Registration::clear_readiness`] with its `ReadyEvent`. The
//!    flag is removed *only if the read tick is unchanged*: if an event arrived between the
//!    `WouldBlock` and the clear, the tick moved, the flag stays, and the task's next poll
//!    tries again instead of sleeping through that event. The write side has its own tick, so
//!    write events never defeat a read-side clear.
//!
//! [`Registration::try_io`], [`Registration::async_io`] and
//! [`Registration::poll_read_io`]/[`poll_write_io`](Registration::poll_write_io) package steps
//! 6–8. Each readiness poll first spends a unit of the task's cooperative budget ([`coop`]).
//!
//! ## Driving it by hand
//!
//! An executor turns the driver whenever it has nothing to run. Here the same steps are done
//! by hand on one thread:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::os::fd::AsRawFd;
//! use std::os::unix::net::UnixStream;
//! use std::task::{Context, Waker};
//! use std::time::Duration;
//! use corium_reactor::{Config, Driver, PollEvented};
//! use corium_selector_sys::{event::Source, unix::SourceFd, Interest, Registry, Token};
//!
//! // A source is anything with an fd; delegate to SourceFd.
//! struct Sock(UnixStream);
//! impl Source for Sock {
//!     fn register(&mut self, r: &Registry, t: Token, i: Interest) -> std::io::Result<()> {
//!         SourceFd(&self.0.as_raw_fd()).register(r, t, i)
//!     }
//!     fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> std::io::Result<()> {
//!         SourceFd(&self.0.as_raw_fd()).reregister(r, t, i)
//!     }
//!     fn deregister(&mut self, r: &Registry) -> std::io::Result<()> {
//!         SourceFd(&self.0.as_raw_fd()).deregister(r)
//!     }
//! }
//!
//! let mut driver = Driver::new(Config::default())?;
//! let (ours, mut peer) = UnixStream::pair()?;
//! ours.set_nonblocking(true)?;
//! let sock = PollEvented::new_with_interest_and_handle(
//!     Sock(ours), Interest::READABLE, driver.handle())?;
//! let mut cx = Context::from_waker(Waker::noop());
//!
//! // 2. Nothing to read yet: Pending.
//! assert!(sock.registration().poll_read_ready(&mut cx).is_pending());
//! // 3-5. The peer writes; a turn delivers the event and wakes the waiter.
//! peer.write_all(b"hi")?;
//! assert_eq!(driver.turn(Some(Duration::from_secs(5)))?, 1);
//! // 6-8. Ready: read until WouldBlock, which clears the readiness.
//! let mut buf = [0; 8];
//! let n = sock.registration().try_io(Interest::READABLE, || (&sock.get_ref().0).read(&mut buf))?;
//! assert_eq!(&buf[..n], b"hi");
//! let again = sock.registration().try_io(Interest::READABLE, || (&sock.get_ref().0).read(&mut buf));
//! assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
//! assert!(sock.registration().poll_read_ready(&mut cx).is_pending());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Tokens and the slab
//!
//! A token is `generation << INDEX_BITS | slot`, never a pointer, where the slot part is the
//! slot's page and its offset in the page. `INDEX_BITS` is 24 on 64-bit targets and 20 on
//! 32-bit ones; `usize::MAX` is reserved for the driver's own
//! [`Waker`](corium_selector_sys::Waker). The slots are the `ScheduledIo`s themselves, in
//! pages that never move (groups of eight equal pages, doubling group by group, so at most an
//! eighth of the slots are spare); the [`Registration`] holds its page's `Arc` and its offset.
//! Only the driver turns a token into a `ScheduledIo`, without a
//! lock: it finds the slot from the page and offset and compares the slot's current token with the
//! event's, so an event for a released slot — even one already reused by a new source — is
//! recognised as stale and dropped. Slots of dropped registrations are freed between turns, in
//! batches (the driver is woken after 16 pile up). The readiness-word layout is documented on
//! [`ScheduledIo`].
//!
//! ## Shutdown
//!
//! [`Handle::shutdown`] (run by `Driver`'s drop if nobody called it) is idempotent. Every
//! `ScheduledIo` gets its `SHUTDOWN` bit and every waiter — poll-path wakers and
//! [`Readiness`] futures — is woken. From then on:
//!
//! * every readiness operation ([`poll_read_ready`](Registration::poll_read_ready),
//!   [`readiness`](Registration::readiness), [`try_io`](Registration::try_io), …) fails with
//!   `io::ErrorKind::Other` and the message **"A corium runtime is being shut down"**;
//! * new registrations fail with `io::ErrorKind::Other` and **"A corium runtime is shutting
//!   down: no new I/O resources can be registered"**;
//! * dropped registrations free their slots at once; timers fire with their shutdown state.
//!
//! ## Threads and `unsafe`
//!
//! [`Handle`], [`Registration`], [`PollEvented`] (for a `Send`/`Sync` source) and
//! [`ScheduledIo`] are `Send + Sync`; the [`Driver`] is `Send` and used by one thread at a
//! time (`turn` takes `&mut self`). The invariants:
//!
//! * **Only the driver frees slots** (outside shutdown), and only between turns.
//! * **No foreign code under a lock.** Wakers are collected under a lock and woken after it
//!   (`wake_list.rs`, batches of 32); a waker slot's waker is woken, and a replaced one
//!   dropped, only by the holder of the slot's `BUSY` bit, never under a lock.
//! * **`unsafe` is confined to the intrusive waiter list, the wake batch and the waker
//!   slots** (`waiter_list.rs`, its use in `readiness.rs`, `wake_list.rs`,
//!   `scheduled_io/slot.rs`): a [`Readiness`] future's node is pinned, is touched only under
//!   its `ScheduledIo`'s waiter lock while linked, and unlinks itself on drop; a batch's
//!   `MaybeUninit` slots are initialised exactly up to its length; a slot's waker, kept as its
//!   raw parts, is changed, woken or dropped only by the holder of the slot's `BUSY` bit.
//!   Each block carries a `// SAFETY:` proof against those invariants.
//!
//! ## Should I use this crate?
//!
//! Use it to build an executor or a socket type, or to study how readiness becomes a wake-up.
//! Applications use the `corium` facade, whose runtime owns the driver.

// A reference crate: every public item is documented and every unsafe block proves itself
// (both lints are set in the workspace Cargo.toml).

mod context;
mod driver;
mod handle;
mod loom;
mod metrics;
mod poll_evented;
mod readiness;
mod ready;
mod registration;
mod registration_set;
mod scheduled_io;
mod trace;
mod waiter_list;
mod wake_list;

pub mod coop;
pub mod time;

#[cfg(all(test, loom))]
mod loom_tests;

pub use context::{EnterGuard, TryCurrentError};
pub use driver::{Config, Driver};
pub use handle::{AutoAdvanceGuard, Handle};
pub use metrics::ReactorMetrics;
pub use poll_evented::PollEvented;
pub use readiness::Readiness;
pub use ready::{Ready, ReadyEvent};
pub use registration::Registration;
pub use scheduled_io::ScheduledIo;
/// For the executor's trace lines only: which token (or timer) the wake running on this
/// thread comes from.
#[doc(hidden)]
pub use trace::{wake_cause as __trace_wake_cause, WakeCause as __TraceWakeCause};
pub use wake_list::waker_panic_count;

/// The interest a source is registered for (the selector's own type).
pub use corium_selector_sys::Interest;

/// Whether `err` is one of the two errors of a shut-down reactor (see [Shutdown](crate#shutdown)):
/// a readiness operation's, or a registration's.
pub fn is_shutdown_error(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::Other
        && err.get_ref().is_some_and(|inner| {
            let msg = inner.to_string();
            msg == SHUTDOWN_MESSAGE || msg == REGISTER_AFTER_SHUTDOWN_MESSAGE
        })
}

/// Message of the error every readiness operation returns after [`Handle::shutdown`].
pub(crate) const SHUTDOWN_MESSAGE: &str = "A corium runtime is being shut down";

/// Message of the error a registration attempted after [`Handle::shutdown`] returns.
pub(crate) const REGISTER_AFTER_SHUTDOWN_MESSAGE: &str =
    "A corium runtime is shutting down: no new I/O resources can be registered";
