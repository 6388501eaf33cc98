//! # corium-selector-sys
//!
//! The bottom of corium: a readiness selector over **epoll** (Linux, Android) and **kqueue**
//! (macOS, iOS, FreeBSD, NetBSD, OpenBSD, DragonFly), a cross-thread [`Waker`], and
//! nonblocking sockets — written straight on libc. It is to corium what mio is to tokio, with
//! the same names, so a mio program ports by renaming `mio::` to `corium_selector_sys::`.
//!
//! * [The readiness model](#the-readiness-model) — what an event means and what it does not
//! * [A poll loop](#a-poll-loop) — the whole API in one example
//! * [Portability](#portability) — the per-OS flag tables
//! * [Tracing](mod@trace) — every syscall as a readable line, a Chrome picture, a syscall budget
//!   (the `trace` feature)
//! * [Should I use this crate?](#should-i-use-this-crate)
//!
//! ## The readiness model
//!
//! 1. **Register** a nonblocking source with a [`Registry`], naming a [`Token`] and an
//!    [`Interest`]. The kernel remembers both (`epoll_ctl(ADD)` / `kevent(EV_ADD)`).
//! 2. **Poll**: [`Poll::poll`] blocks in `epoll_wait` / `kevent` until some registered source
//!    changes readiness, then fills [`Events`] — one [`Event`](event::Event) per ready source,
//!    carrying its token.
//! 3. **Drain until `WouldBlock`.** Registrations are *edge-triggered*: an event says "this
//!    became ready", once. If you read only part of the data you will not be told again; keep
//!    reading (or accepting, or writing) until the call returns
//!    [`io::ErrorKind::WouldBlock`](std::io::ErrorKind::WouldBlock). Only then can the next
//!    change produce a new event.
//! 4. **Events are hints.** An event may be spurious (the data was taken by someone else, or
//!    two changes were merged) and an operation after an event may still return `WouldBlock`:
//!    treat it as "try now", never as a promise. `Interrupted` from an I/O call means "try
//!    again".
//!
//! ## A poll loop
//!
//! ```
//! use std::io::{Read, Write};
//! use corium_selector_sys::{Events, Interest, Poll, Token, net::{TcpListener, TcpStream}};
//!
//! const SERVER: Token = Token(0);
//! const CLIENT: Token = Token(1);
//!
//! let mut poll = Poll::new()?;
//! let mut events = Events::with_capacity(16);
//! let mut server = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
//! poll.registry().register(&mut server, SERVER, Interest::READABLE)?;
//!
//! // A nonblocking connect returns at once; "writable" will say it finished.
//! let mut client = TcpStream::connect(server.local_addr()?)?;
//! poll.registry().register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)?;
//!
//! let mut accepted = None;
//! let mut sent = false;
//! while !(accepted.is_some() && sent) {
//!     poll.poll(&mut events, None)?;
//!     for event in events.iter() {
//!         match event.token() {
//!             SERVER => loop {
//!                 // Drain: accept until WouldBlock.
//!                 match server.accept() {
//!                     Ok((conn, _addr)) => accepted = Some(conn),
//!                     Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
//!                     Err(e) => return Err(e),
//!                 }
//!             },
//!             CLIENT if event.is_writable() && !sent => {
//!                 if let Some(err) = client.take_error()? {
//!                     return Err(err); // the connect failed
//!                 }
//!                 client.write_all(b"hello")?;
//!                 sent = true;
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//! # let mut conn = accepted.unwrap();
//! # conn.set_nonblocking(false)?;
//! # let mut buf = [0; 5];
//! # conn.read_exact(&mut buf)?;
//! # assert_eq!(&buf, b"hello");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Portability
//!
//! The interest table is on [`Interest`], the event table on [`Event`](event::Event), the
//! wake-up mechanism table on [`Waker`]. The backend is chosen in exactly one place
//! (`sys/mod.rs`, which also states the contract each backend meets); any other OS fails to
//! compile with a message naming it.
//!
//! Every raw call goes through [`syscall!`], which keeps `errno` in the returned
//! [`io::Error`](std::io::Error). Interrupted waits return `Interrupted` (see [`Poll::poll`]).
//!
//! ## Should I use this crate?
//!
//! Use it directly to write an event loop by hand, to learn how one works, or to measure what
//! each syscall costs. For async/await, use the layers above it (`corium-reactor`,
//! `corium-executor`, `corium-net`, or the `corium` facade).

// A reference crate: unsafe is confined to syscalls and each block proves itself (lints in the
// workspace Cargo.toml enforce both).

mod clock;
mod interest;
mod poll;
mod source;
mod sys;
mod syscall;
mod token;
mod waker;

pub mod event;
pub mod net;
pub mod trace;

pub use clock::monotonic_nanos;
pub use event::Events;
pub use interest::Interest;
pub use poll::{Poll, Registry};
pub use token::Token;
pub use waker::Waker;

pub mod unix;

/// What the `syscall!` macro calls a function of: all of libc, plus `syscall6`, the
/// six-argument `syscall(2)` of the Linux data path (inline where it can be,
/// `sys/raw_syscall.rs`).
#[doc(hidden)]
pub mod __libc {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub use crate::sys::raw_syscall::syscall6;
    pub use libc::*;
}
