//! # Chapter 1 — The selector
//!
//! *Seed: `003` (mio from the inside). Layer: [`corium::sys`](crate::sys), the
//! `corium-selector-sys` crate.*
//!
//! ## One door to the kernel
//!
//! Everything corium asks of the operating system goes through a single macro,
//! [`syscall!`](macro@crate::sys::syscall). It calls the libc function named in it and turns
//! the C convention — return `-1` and leave the reason in `errno` — into an
//! [`io::Result`](std::io::Result), reading `errno` immediately after the call before anything
//! else can overwrite it. Because there is one door, there is one place to count and print
//! syscalls: the trace facility hooks into the macro, which is why every line in the "What
//! the trace shows" sections below names a real call.
//!
//! ## A queue of interest, kept by the kernel
//!
//! [`Poll::new`](crate::sys::Poll::new) creates a kernel readiness queue — `epoll_create1`
//! on Linux and Android, `kqueue` on the BSDs and Apple systems. The choice is made once, in
//! `selector-sys/src/sys/mod.rs`, and the two backends compile under the same name so the
//! portable code above never mentions an OS; a platform with neither fails to compile.
//!
//! To be told about a file descriptor, you register it through the poll's
//! [`Registry`](crate::sys::Registry), giving two things the kernel stores alongside the fd:
//! a [`Token`](crate::sys::Token) (a plain number that comes back in every event for that
//! fd) and an [`Interest`](crate::sys::Interest) (readable, writable). Any type owning an fd
//! becomes registrable by implementing [`event::Source`](crate::sys::event::Source), usually
//! by handing its fd to [`SourceFd`](crate::sys::unix::SourceFd); at the bottom this is one
//! `epoll_ctl(ADD)` or one `kevent(EV_ADD)` per filter. corium keeps no table of its own: the
//! kernel's answer is the only record, so registering an fd twice is reported by the kernel
//! (`EEXIST`, surfaced as `AlreadyExists`) rather than tracked by a per-source selector id.
//! How each interest maps to OS flags is tabulated on [`Interest`](crate::sys::Interest).
//!
//! ## Waiting, and what an event means
//!
//! [`Poll::poll`](crate::sys::Poll::poll) blocks in `epoll_wait` (or `kevent`) and fills an
//! [`Events`](crate::sys::Events) buffer, allocated once, with one
//! [`Event`](crate::sys::event::Event) per source whose readiness changed. Each event carries
//! the token you chose, and flags: readable, writable, read-closed, write-closed, error. The
//! per-OS meaning of every flag is the table on [`Event`](crate::sys::event::Event).
//!
//! Registrations are always **edge-triggered** (`EPOLLET`, `EV_CLEAR`). An event says "this
//! *became* ready", and says it once. If you read half of what is waiting and go back to
//! `poll`, nothing new has happened, so nothing is reported, and the other half sits there
//! unnoticed. The rule that follows runs through every layer above: after an event, keep
//! calling the operation until it fails with `WouldBlock`; only then can the next change make
//! a new edge. Events are hints — a read after a readable event may still say `WouldBlock` —
//! never promises.
//!
//! ## Interrupting a blocked poll
//!
//! A thread asleep in `poll` must be wakeable by other threads: someone spawned a task, a
//! timer moved earlier, the runtime is shutting down. [`Waker`](crate::sys::Waker) is a
//! registered fd whose only job is to become readable on demand. On Linux it is an `eventfd`
//! counter; [`Waker::wake`](crate::sys::Waker::wake) adds 1 to it. The counter is never read on
//! the fast path: since the registration is edge-triggered, each write is a fresh edge. Only
//! when the counter is about to overflow does the write fail with `EAGAIN`; the waker then
//! reads the counter back to zero and writes again (in `sys/waker/eventfd.rs`). Apple systems
//! and FreeBSD use an `EVFILT_USER` kevent instead, the remaining kqueue systems a pipe; the
//! table is on [`Waker`](crate::sys::Waker), and `--cfg corium_force_pipe_waker` runs the pipe
//! version on Linux so the fallback is tested.
//!
//! ## Example: an edge is reported once, and a waker cuts a wait short
//!
//! ```rust
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use std::time::Duration;
//! use corium::sys::{unix::pipe, Events, Interest, Poll, Token, Waker};
//!
//! const PIPE: Token = Token(1);
//! const WAKE: Token = Token(2);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(8);
//! let (mut tx, mut rx) = pipe::new()?;
//! poll.registry().register(&mut rx, PIPE, Interest::READABLE)?;
//!
//! // Two bytes arrive: one readable edge.
//! tx.write_all(b"ab")?;
//! poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//! assert!(events.iter().any(|e| e.token() == PIPE && e.is_readable()));
//!
//! // Read only one of them. Nothing *changed*, so edge-triggered epoll/kqueue stay silent,
//! // even though a byte is still waiting.
//! let mut one = [0u8; 1];
//! rx.read_exact(&mut one)?;
//! poll.poll(&mut events, Some(Duration::ZERO))?;
//! assert!(events.is_empty());
//!
//! // Draining to WouldBlock is what re-arms the edge.
//! assert_eq!(rx.read(&mut one)?, 1);
//! assert_eq!(rx.read(&mut one).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
//! tx.write_all(b"c")?;
//! poll.poll(&mut events, Some(Duration::from_secs(5)))?;
//! assert!(events.iter().any(|e| e.token() == PIPE));
//!
//! // Another thread wakes a poll that would otherwise wait a full minute.
//! let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
//! let remote = Arc::clone(&waker);
//! let waking = std::thread::spawn(move || remote.wake());
//! let mut woken = false;
//! for _ in 0..10 {
//!     poll.poll(&mut events, Some(Duration::from_secs(60)))?;
//!     if events.iter().any(|e| e.token() == WAKE) {
//!         woken = true;
//!         break;
//!     }
//! }
//! waking.join().expect("the waking thread panicked")?;
//! assert!(woken);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! A complete loop serving connections is in the
//! [`corium::sys` crate docs](crate::sys#a-poll-loop) and in `examples/poll_echo.rs`, which
//! replays seed 003's echo server on corium.
//!
//! ## Seed step → corium item
//!
//! | seed 003 step | corium item |
//! |---|---|
//! | `Poll::new` → `Selector::new` → `epoll_create1(O_CLOEXEC)` | [`Poll::new`](crate::sys::Poll::new); the backend's `Selector::new` in `selector-sys/src/sys/epoll.rs` (kqueue: `sys/kqueue.rs`) |
//! | the OS → selector table | `selector-sys/src/sys/mod.rs` (the backend contract and the one place a backend is chosen) |
//! | the `syscall!` macro | [`syscall!`](macro@crate::sys::syscall) |
//! | `TcpListener::bind`: socket, `SO_REUSEADDR`, bind, `listen(1024)` | [`sys::net::TcpListener::bind`](crate::sys::net::TcpListener::bind) (why `SO_REUSEADDR`: [`sys::net`](crate::sys::net#so_reuseaddr)) |
//! | `poll.registry()` | [`Poll::registry`](crate::sys::Poll::registry) |
//! | `Registry::register` | [`Registry::register`](crate::sys::Registry::register) |
//! | the `Source` trait (register / reregister / deregister) | [`event::Source`](crate::sys::event::Source) |
//! | `SelectorId::associate_selector` | none: the kernel's `EEXIST`/`ENOENT` is the check (see [`Registry`](crate::sys::Registry)) |
//! | `SourceFd(&fd).register` | [`unix::SourceFd`](crate::sys::unix::SourceFd) |
//! | `Selector::register` → `epoll_ctl(EPOLL_CTL_ADD, fd, {events, u64: token})` | `Selector::register` in `selector-sys/src/sys/epoll.rs`, reached through [`Registry::register`](crate::sys::Registry::register) |
//! | `interests_to_epoll`: `EPOLLET`, `EPOLLIN \| EPOLLRDHUP`, `EPOLLOUT` | the table on [`Interest`](crate::sys::Interest) |
//! | `poll.poll(&mut events, None)` → `epoll_wait` | [`Poll::poll`](crate::sys::Poll::poll) (sub-millisecond timeouts go to `epoll_pwait2`; see [chapter 7](super::ch7_timers)) |
//! | `Events::with_capacity`, `events.iter()` | [`Events`](crate::sys::Events) |
//! | `event.token()`, `is_readable`, `is_writable` | [`Event::token`](crate::sys::event::Event::token), [`Event::is_readable`](crate::sys::event::Event::is_readable), [`Event::is_writable`](crate::sys::event::Event::is_writable); flag table on [`Event`](crate::sys::event::Event) |
//! | `server.accept()` until `WouldBlock` | [`sys::net::TcpListener::accept`](crate::sys::net::TcpListener::accept) |
//! | `reregister(.., Interests::READABLE)` | [`Registry::reregister`](crate::sys::Registry::reregister) |
//! | `Waker::new` → `eventfd(0, EFD_CLOEXEC \| EFD_NONBLOCK)`, registered readable | [`Waker::new`](crate::sys::Waker::new) |
//! | `Waker::wake` writes `1u64`; on `WouldBlock` `reset` then wake again | [`Waker::wake`](crate::sys::Waker::wake); the reset is in `selector-sys/src/sys/waker/eventfd.rs` |
//! | kqueue and pipe wakers elsewhere | the table on [`Waker`](crate::sys::Waker); `sys/waker/kqueue.rs`, `sys/waker/pipe.rs` |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt* (captured from a run with `CORIUM_TRACE=selector`; fd numbers and
//! times vary). A poll is created with its waker, a listener is bound and registered, a
//! client connects without blocking, one `epoll_wait` reports both sides, the listener is
//! drained to `EAGAIN`, and a wake interrupts a short timed wait:
//!
//! ```text
//!        74µs main            [selector] Poll::new → epoll_create1(EPOLL_CLOEXEC) = 3
//!       133µs main            [selector] Waker::new → eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK) = 4
//!       336µs main            [selector] Registry::register → epoll_ctl(epfd=3, ADD, fd=4, token=99, READABLE) = 0
//!       364µs main            [selector] Socket::new → socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC) = 5
//!       379µs main            [selector] Socket::set_opt → setsockopt(fd=5, SOL_SOCKET, SO_REUSEADDR, len=4) = 0
//!       397µs main            [selector] Socket::bind → bind(fd=5, 127.0.0.1:0) = 0
//!       409µs main            [selector] Socket::listen → listen(fd=5, backlog=1024) = 0
//!       417µs main            [selector] Registry::register → epoll_ctl(epfd=3, ADD, fd=5, token=0, READABLE) = 0
//!       524µs main            [selector] Socket::connect → connect(fd=6, 127.0.0.1:39147) = EINPROGRESS
//!       536µs main            [selector] Registry::register → epoll_ctl(epfd=3, ADD, fd=6, token=1, READABLE | WRITABLE) = 0
//!       546µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=16, timeout=1000ms) = 2
//!       551µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 0 }
//!       557µs main            [selector] Poll::poll ← epoll_event { events: EPOLLOUT, u64: 1 }
//!       579µs main            [selector] Socket::accept → accept4(fd=5, peer=127.0.0.1:55566, SOCK_NONBLOCK|SOCK_CLOEXEC) = 7
//!       618µs main            [selector] Socket::accept → accept4(fd=5, peer=-, SOCK_NONBLOCK|SOCK_CLOEXEC) = EAGAIN
//!       626µs main            [selector] Waker::wake → write(eventfd=4, +1) = 8
//!       634µs main            [selector] Poll::poll → epoll_pwait2(epfd=3, max=16, timeout=1.5ms) = 2
//!       643µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 99 }
//! ```
//!
//! The `←` lines are the events a poll returned, with the raw OS flags: what the kernel said,
//! before any interpretation.
