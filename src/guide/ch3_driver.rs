//! # Chapter 3 — The driver turn and shutdown
//!
//! *Seeds: `002` (the reactor's role), the `io::Handle` half of `000`/`001` (pending release,
//! shutdown, the fd-count metric). Layer: [`corium::reactor`](crate::reactor).*
//!
//! ## The bridge
//!
//! Seed 002 describes the reactor as the bridge between the operating system and the futures
//! model: futures only make progress when something tells the executor to poll them again,
//! and for I/O that something is the reactor. In corium the bridge has two halves.
//!
//! * The [`Driver`](crate::reactor::Driver) owns the selector's [`Poll`](crate::sys::Poll)
//!   and its event buffer. It is not `Clone`: exactly one thread at a time holds it and calls
//!   [`Driver::turn`](crate::reactor::Driver::turn). In a runtime that thread is whichever
//!   idle worker managed to take the driver before parking ([chapter 5](super::ch5_schedulers)).
//! * The [`Handle`](crate::reactor::Handle) is shared by everything else: sockets register
//!   through it (with a cloned [`Registry`](crate::sys::Registry), which may be used while the
//!   driver is blocked in `poll`), tasks and schedulers wake the driver with
//!   [`Handle::unpark`](crate::reactor::Handle::unpark), and anyone may shut it down.
//!
//! The executor never sees an fd, and the reactor never sees a task. They meet at three
//! points only: `std::task::Waker` (the reactor calls it), `turn` / `unpark` (the executor
//! calls them), and the cooperative budget ([chapter 4](super::ch4_tasks)).
//!
//! ## One turn
//!
//! [`Driver::turn`](crate::reactor::Driver::turn) does four things, in order:
//!
//! 1. **Recycle.** Dropping a [`Registration`](crate::reactor::Registration) does not free
//!    its slot; it queues the token on a pending-release list. The driver frees every queued
//!    slot here, between turns, so a slot is never reused while the previous turn's event
//!    buffer may still hold its old token. One atomic load tells whether there is anything to
//!    free; once 16 releases pile up, the dropping side unparks the driver so they do not
//!    wait for the next event.
//! 2. **Wait.** Poll the selector for at most the smaller of the caller's limit and the time
//!    to the next timer ([chapter 7](super::ch7_timers)). An interrupted wait (`EINTR`) is not
//!    an error; the turn simply delivers nothing.
//! 3. **Dispatch.** Turn every event's token into its `ScheduledIo` — without a lock (slab
//!    pages never move), comparing the slot's current token with the event's so stale tokens
//!    are dropped — then for each, one compare-and-swap of the source's readiness word sets
//!    the flags, bumps the ticks and claims each armed waker slot the event concerns; the
//!    driver wakes those wakers by reference (they stay for the next wait) and releases the
//!    slots, and only if `Readiness` futures are linked takes the list's lock. The
//!    waker's own token (`usize::MAX`) matches no slot and is simply skipped: its only effect
//!    was to make the wait return.
//! 4. **Fire timers** that are due.
//!
//! [`Handle::unpark`](crate::reactor::Handle::unpark) writes to the selector
//! [`Waker`](crate::sys::Waker) — once: a flag remembers that a wake-up is already on its way,
//! so a burst of unparks before the driver wakes costs one syscall. The flag is cleared right
//! after the poll returns.
//!
//! ## Shutdown
//!
//! [`Handle::shutdown`](crate::reactor::Handle::shutdown) (also run when the driver is
//! dropped) is idempotent. It marks the slab shut (so `add_source` refuses new sources), sets
//! the `SHUTDOWN` bit in every `ScheduledIo` and wakes every waiter, fires every timer, and
//! unparks the driver. From then on every readiness operation — pending or new — fails with
//! `ErrorKind::Other` and the message "A corium runtime is being shut down", and a new
//! registration fails with "A corium runtime is shutting down: no new I/O resources can be
//! registered". Registrations dropped after shutdown free their slots at once, since no turn
//! will come to do it. Nothing hangs: a task waiting for readiness is woken and sees the error.
//!
//! ## Example: turning a driver by hand
//!
//! ```rust
//! use std::io::Write;
//! use std::task::{Context, Poll, Waker};
//! use std::time::Duration;
//! use corium::reactor::{Config, Driver, Interest, PollEvented};
//! use corium::sys::net::UnixStream;
//!
//! let mut driver = Driver::new(Config::default())?;
//! let handle = driver.handle();
//! let mut cx = Context::from_waker(Waker::noop());
//!
//! let (ours, mut peer) = UnixStream::pair()?;
//! let sock = PollEvented::new_with_interest_and_handle(ours, Interest::READABLE, handle.clone())?;
//! assert_eq!(handle.metrics().registered_fds, 1);
//!
//! // Dispatch: one event, which sets READABLE and bumps the read tick.
//! assert!(sock.registration().poll_read_ready(&mut cx).is_pending());
//! peer.write_all(b"x")?;
//! assert_eq!(driver.turn(Some(Duration::from_secs(5)))?, 1);
//! assert!(sock.registration().poll_read_ready(&mut cx).is_ready());
//!
//! // Unpark: a turn with no time limit returns, with no I/O event, once another thread
//! // unparks (or at once, if the unpark came first).
//! let remote = handle.clone();
//! let unparker = std::thread::spawn(move || remote.unpark());
//! assert_eq!(driver.turn(None)?, 0);
//! unparker.join().expect("the unparking thread panicked");
//!
//! // Recycle: the slot of a dropped registration is freed at the next turn, not before.
//! drop(sock);
//! assert_eq!(handle.metrics().registered_fds, 1);
//! driver.turn(Some(Duration::ZERO))?;
//! assert_eq!(handle.metrics().registered_fds, 0);
//! assert_eq!(handle.metrics().turns, 3);
//!
//! // Shutdown: waiting readers get an error, and so does every new registration.
//! let (ours, _peer2) = UnixStream::pair()?;
//! let sock = PollEvented::new_with_interest_and_handle(ours, Interest::READABLE, handle.clone())?;
//! handle.shutdown();
//! match sock.registration().poll_read_ready(&mut cx) {
//!     Poll::Ready(Err(e)) => assert_eq!(e.to_string(), "A corium runtime is being shut down"),
//!     other => panic!("expected the shutdown error, got {other:?}"),
//! }
//! let (late, _peer3) = UnixStream::pair()?;
//! let refused = PollEvented::new_with_interest_and_handle(late, Interest::READABLE, handle.clone());
//! assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::Other);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! | seed step | corium item |
//! |---|---|
//! | the reactor: receive OS events, forward them to waiting tasks (002) | [`Driver`](crate::reactor::Driver), [`Driver::turn`](crate::reactor::Driver::turn) |
//! | "registers the socket with a reactor … handled by `Registration`" (002) | [`Registration`](crate::reactor::Registration), [chapter 2](super::ch2_readiness) |
//! | "the reactor … notifies the thread pool" (002) | the wakers called in step 3 of [`Driver::turn`](crate::reactor::Driver::turn); the executor side is [chapter 5](super::ch5_schedulers) |
//! | `io::Handle { registry, registrations, synced, waker, metrics }` | [`reactor::Handle`](crate::reactor::Handle) (fields private; `Inner` in `reactor/src/handle.rs`) |
//! | `IoHandle::Enabled` / `Disabled(UnparkThread)` | [`Config::enable_io`](crate::reactor::Config::enable_io): with it off the driver still parks, unparks and runs timers, and registrations fail with an error naming the switch |
//! | where `io::Handle` is created (`build_threaded_runtime`) | [`runtime::Builder::build`](crate::runtime::Builder::build) → [`Driver::new`](crate::reactor::Driver::new) (via `executor/src/driver.rs`) |
//! | `Synced { is_shutdown, registrations, pending_release }`, `num_pending_release` | `RegistrationSet` in `reactor/src/registration_set.rs`; freed in step 1 of [`Driver::turn`](crate::reactor::Driver::turn) |
//! | `RUNTIME_SHUTTING_DOWN_ERROR` from `allocate` | the registration error documented under [reactor shutdown](crate::reactor#shutdown) |
//! | the `waker` used "to wake up the reactor from a call to `turn`" | [`Handle::unpark`](crate::reactor::Handle::unpark) → [`sys::Waker::wake`](crate::sys::Waker::wake) |
//! | shutdown | [`Handle::shutdown`](crate::reactor::Handle::shutdown), [`Handle::is_shutdown`](crate::reactor::Handle::is_shutdown) |
//! | `IoDriverMetrics` (fd count) | [`Handle::metrics`](crate::reactor::Handle::metrics) → [`ReactorMetrics`](crate::reactor::ReactorMetrics); in a runtime, [`RuntimeMetrics::io_registered_fds`](crate::runtime::RuntimeMetrics::io_registered_fds), [`io_driver_turns`](crate::runtime::RuntimeMetrics::io_driver_turns), [`io_ready_events`](crate::runtime::RuntimeMetrics::io_ready_events) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt*: the example above, run with `CORIUM_TRACE=all` (fds and times
//! vary). Note the driver's waker registered under token `usize::MAX`; the turn woken from
//! another thread, whose only event is that token; the slot freed by the third turn; and the
//! next registration reusing slot 0 with generation 1 (token `1 << 24`), so a late event for
//! the old token 0 could never reach it.
//!
//! ```text
//!        45µs main            [selector] Poll::new → epoll_create1(EPOLL_CLOEXEC) = 3
//!       117µs main            [selector] Waker::new → eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK) = 5
//!       134µs main            [selector] Registry::register → epoll_ctl(epfd=3, ADD, fd=5, token=18446744073709551615, READABLE) = 0
//!       212µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=6, token=0, READABLE) = 0
//!       220µs main            [reactor]  Handle::add_source: token 0 assigned, registered for READABLE
//!       240µs main            [selector] Socket::write → send(fd=7, len=1, flags=MSG_NOSIGNAL) = 1
//!       250µs main            [selector] prctl(…) = 0
//!       257µs main            [reactor]  Driver::turn: wait 5s
//!       266µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=5000ms) = 1
//!       272µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 0 }
//!       282µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE read-tick 0→1
//!       290µs main            [reactor]  WakeList::wake_all: token 0 wakes 1 waker
//!       300µs main            [reactor]  Driver::turn: 1 I/O event delivered
//!       399µs main            [reactor]  Driver::turn: wait block
//!       527µs thread-2        [selector] Waker::wake → write(eventfd=5, +1) = 8
//!       547µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 1
//!       603µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 18446744073709551615 }
//!       620µs main            [reactor]  Driver::turn: 0 I/O events delivered
//!       658µs main            [selector] Registry::deregister → epoll_ctl(epfd=4, DEL, fd=6) = 0
//!       694µs main            [reactor]  RegistrationSet::release: freed 1 of 1 queued slots, tokens [0]
//!       707µs main            [reactor]  Driver::turn: wait 0ns
//!       712µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=0ms) = 0
//!       750µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=6, token=16777216, READABLE) = 0
//!       764µs main            [reactor]  ScheduledIo::shutdown: token 16777216 +SHUTDOWN
//!       769µs main            [reactor]  WakeList::wake_all: token 16777216 wakes 1 waker
//!       773µs main            [reactor]  Handle::shutdown: 1 sources shut down (0 queued slots freed), 1 wakers woken
//!       780µs main            [selector] Waker::wake → write(eventfd=5, +1) = 8
//! ```
