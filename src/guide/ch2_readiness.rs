//! # Chapter 2 — Registration and readiness
//!
//! *Seeds: `000`/`001` (the reactor types), `004` (the `Readiness` future, `async_io`).
//! Layer: [`corium::reactor`](crate::reactor), the `corium-reactor` crate.*
//!
//! Chapter 1 ended with a token in an event. This chapter is about what the token leads to:
//! a small piece of shared state per source that remembers what the kernel reported and who
//! is waiting for it.
//!
//! ## Three wrappers around one socket
//!
//! An async socket is a [`PollEvented`](crate::reactor::PollEvented): the nonblocking
//! selector-level socket plus a [`Registration`](crate::reactor::Registration). The
//! registration holds two things: a [`Handle`](crate::reactor::Handle) to the reactor it
//! belongs to, and its slot in the reactor's slab: the
//! [`ScheduledIo`](crate::reactor::ScheduledIo), the per-source state the driver writes and
//! tasks read (tokio's `Arc<ScheduledIo>`; here the registration holds an `Arc` of the slab
//! *page* its slot lives in, and the slot's offset — pages never move).
//!
//! Creating a registration is `add_source` on the reactor handle (crate-private, in
//! `reactor/src/handle.rs`). It first takes a slot in the reactor's slab (`RegistrationSet`,
//! `reactor/src/registration_set.rs`), refusing if the reactor has shut down; the slot's
//! number, with a generation count in its high bits, becomes the token. Then it calls
//! [`Registry::register`](crate::sys::Registry::register) with that token, and counts one more
//! fd in the metrics. The token is an index, never a pointer: the driver turns it back into a
//! `ScheduledIo` by looking up the slot (no lock: pages never move) and comparing the slot's
//! current token with the event's, so an event still in
//! flight for a socket that has since been closed — even if its slot was reused — is
//! recognised and dropped. [`Registration::token`](crate::reactor::Registration::token) shows
//! it.
//!
//! ## The readiness word
//!
//! A `ScheduledIo` packs everything a readiness check needs into one 32-bit atomic, so a check
//! is a single load: six readiness flags ([`Ready`](crate::reactor::Ready): readable, writable,
//! read-closed, write-closed, priority, error), a shutdown bit, and two 12-bit **ticks**, one
//! for the read direction and one for the write direction. The layout diagram is on
//! [`ScheduledIo`](crate::reactor::ScheduledIo). Each time the driver delivers an event it ORs
//! the flags in and bumps the tick of each direction the event touched.
//!
//! The ticks exist for one race. A task sees "readable", reads, and gets `WouldBlock`; it
//! must now clear "readable" or it will spin. But between its `WouldBlock` and its clear, the
//! driver may have delivered a *new* readable event — and clearing would erase it, leaving the
//! task asleep with data waiting (edge-triggered: the kernel will not say it again). So every
//! observation is a [`ReadyEvent`](crate::reactor::ReadyEvent) carrying the ticks it saw, and
//! [`Registration::clear_readiness`](crate::reactor::Registration::clear_readiness) clears a
//! direction only if that direction's tick has not moved. Having a tick *per direction*
//! matters too: with a single tick, a stream of write events would defeat every read-side
//! clear, and a reader would spin forever on a stale "readable".
//!
//! ## Waiting: two paths
//!
//! * The **poll path**, for `AsyncRead`/`AsyncWrite` impls:
//!   [`poll_read_ready`](crate::reactor::Registration::poll_read_ready) and
//!   [`poll_write_ready`](crate::reactor::Registration::poll_write_ready) return the
//!   `ReadyEvent` at once if the direction is ready, or store the task's waker in that
//!   direction's single slot and return `Pending`.
//! * The **future path**: [`Registration::readiness`](crate::reactor::Registration::readiness)
//!   returns a [`Readiness`](crate::reactor::Readiness) future that any number of tasks may
//!   await at once. It moves through three states. *Init*: check the word; if not ready, link
//!   its own node (it is pinned, so nothing is allocated) into the `ScheduledIo`'s waiter list
//!   and check again under the lock. *Waiting*: the driver, delivering a matching event,
//!   unlinks the node, marks it ready and wakes the task. *Done*: read the word once more and
//!   return a `ReadyEvent` with the current ticks.
//!
//! Either way, "register the waker, then re-check under the lock" on the task side, and
//! "update the word, then take the lock to collect wakers" on the driver side, means one of
//! the two always sees the other: no wake-up is lost. Wakers are called after the lock is
//! released.
//!
//! [`Registration::async_io`](crate::reactor::Registration::async_io) packages the whole
//! cycle: await readiness, run the syscall, and on `WouldBlock` clear with the event just
//! observed and wait again. [`try_io`](crate::reactor::Registration::try_io) does one round
//! without waiting; [`poll_read_io`](crate::reactor::Registration::poll_read_io) and
//! [`poll_write_io`](crate::reactor::Registration::poll_write_io) are the poll-path versions.
//!
//! ## Example: the `async_io` loop, written out
//!
//! The reader below spells out the loop `async_io` hides; the writer uses `async_io` itself.
//!
//! ```rust
//! use std::io::{ErrorKind, Read, Write};
//! use corium::reactor::{Interest, PollEvented};
//! use corium::runtime::{Builder, Handle};
//! use corium::sys::net::UnixStream;
//!
//! let rt = Builder::new_current_thread().enable_io().build()?;
//! let received = rt.block_on(async {
//!     let (a, b) = UnixStream::pair()?;
//!     // Each registration takes a slot (its token) and one epoll_ctl(ADD).
//!     let reader = PollEvented::new(a)?;
//!     let writer = PollEvented::new(b)?;
//!     assert_eq!(Handle::current().metrics().io_registered_fds(), 2);
//!     assert_ne!(reader.registration().token(), writer.registration().token());
//!
//!     let read_all = corium::spawn(async move {
//!         let mut got = Vec::new();
//!         let mut chunk = [0u8; 64];
//!         loop {
//!             // Init → Waiting → Done; the ReadyEvent remembers the read tick it saw.
//!             let event = reader.registration().readiness(Interest::READABLE).await?;
//!             match reader.get_ref().read(&mut chunk) {
//!                 Ok(0) => return Ok::<_, std::io::Error>(got), // the peer closed
//!                 Ok(n) => got.extend_from_slice(&chunk[..n]),
//!                 // Drained: forget this readiness, unless a newer event moved the tick.
//!                 Err(e) if e.kind() == ErrorKind::WouldBlock => {
//!                     reader.registration().clear_readiness(event)
//!                 }
//!                 Err(e) => return Err(e),
//!             }
//!         }
//!     });
//!
//!     let n = writer
//!         .registration()
//!         .async_io(Interest::WRITABLE, || writer.get_ref().write(b"ping"))
//!         .await?;
//!     assert_eq!(n, 4);
//!     drop(writer); // deregisters and closes: the reader sees read-closed, then EOF
//!     read_all.await.expect("the reader task panicked")
//! })?;
//! assert_eq!(received, b"ping");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! | seed step | corium item |
//! |---|---|
//! | `struct TcpStream { io: PollEvented<mio::net::TcpStream> }` | [`PollEvented`](crate::reactor::PollEvented) over [`sys::net::TcpStream`](crate::sys::net::TcpStream) |
//! | `PollEvented { io: Option<E>, registration }` | [`PollEvented`](crate::reactor::PollEvented), [`PollEvented::registration`](crate::reactor::PollEvented::registration), [`PollEvented::get_ref`](crate::reactor::PollEvented::get_ref) |
//! | `Registration { handle, shared: Arc<ScheduledIo> }` | [`Registration`](crate::reactor::Registration) (its slot: a page `Arc` + offset), [`Registration::handle`](crate::reactor::Registration::handle) |
//! | `Registration::new_with_interest_and_handle` | [`Registration::new_with_interest_and_handle`](crate::reactor::Registration::new_with_interest_and_handle) (and [`PollEvented::new_with_interest_and_handle`](crate::reactor::PollEvented::new_with_interest_and_handle)) |
//! | `handle.driver().io()` (`scheduler::Handle` → `driver::Handle` → `IoHandle`) | [`reactor::Handle`](crate::reactor::Handle) directly, or [`reactor::Handle::current`](crate::reactor::Handle::current) inside a runtime |
//! | `io::Handle::add_source` | `Handle::add_source` (crate-private, `reactor/src/handle.rs`) |
//! | `RegistrationSet::allocate` (refuses once `is_shutdown`) | `RegistrationSet::allocate` (`reactor/src/registration_set.rs`); the refusal is described in [the reactor docs](crate::reactor#shutdown) |
//! | `scheduled_io.token()` | [`Registration::token`](crate::reactor::Registration::token); layout in [the reactor docs](crate::reactor#tokens-and-the-slab) |
//! | `self.registry.register(source, token, interest)` | [`Registry::register`](crate::sys::Registry::register) |
//! | `metrics.incr_fd_count()` | [`ReactorMetrics::registered_fds`](crate::reactor::ReactorMetrics::registered_fds), [`RuntimeMetrics::io_registered_fds`](crate::runtime::RuntimeMetrics::io_registered_fds) |
//! | `ScheduledIo { readiness: AtomicUsize, waiters }`, `#[repr(align(128))]` | [`ScheduledIo`](crate::reactor::ScheduledIo) (one `AtomicU64`: flags, per-direction ticks, and the two lock-free waker slots' states; alignment explained there) |
//! | `Ready::from_interest` | [`Ready`](crate::reactor::Ready) (direction table) |
//! | `Readiness` future: `State::Init` / `Waiting` / `Done`, `w.is_ready` | [`Readiness`](crate::reactor::Readiness), created by [`Registration::readiness`](crate::reactor::Registration::readiness); states in `reactor/src/readiness.rs` |
//! | `ReadyEvent { tick, ready }` | [`ReadyEvent`](crate::reactor::ReadyEvent) (two ticks), [`ReadyEvent::ready`](crate::reactor::ReadyEvent::ready) |
//! | `TICK.unpack(readiness.load())` | the tick fields of the word, documented on [`ScheduledIo`](crate::reactor::ScheduledIo) |
//! | `async_io`: `readiness(interest).await`, `f()`, `clear_readiness` on `WouldBlock` | [`Registration::async_io`](crate::reactor::Registration::async_io) |
//! | `clear_readiness(event)` | [`Registration::clear_readiness`](crate::reactor::Registration::clear_readiness) → `ScheduledIo::clear_readiness` (crate-private) |
//! | `poll_write_ready(cx)` / `poll_read_ready(cx)` | [`Registration::poll_write_ready`](crate::reactor::Registration::poll_write_ready), [`Registration::poll_read_ready`](crate::reactor::Registration::poll_read_ready) |
//! | one non-waiting attempt | [`Registration::try_io`](crate::reactor::Registration::try_io) |
//! | `listener.accept()` through `async_io(Interest::READABLE, ..)` | [`Registration::async_io`](crate::reactor::Registration::async_io) around [`sys::net::TcpListener::accept`](crate::sys::net::TcpListener::accept) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt* of a run like the example above, with `CORIUM_TRACE=all` and a short
//! pause between the write and the close so that they arrive as two separate edges (fds and
//! times vary). Two registrations take tokens 0 and 1. The reader's first poll
//! parks; the peer's `send` makes fd 6 readable; the driver sets `READABLE` and bumps the read
//! tick 0→1, wakes the waiting task, which reads 4 bytes, meets `EAGAIN`, and clears
//! `READABLE` against the tick it saw. The peer's close later arrives as a new edge, moving
//! the read tick again and adding the sticky `READ_CLOSED`.
//!
//! ```text
//!       136µs main            [selector] Socket::pair → socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, fds=[6, 7]) = 0
//!       204µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=6, token=0, READABLE | WRITABLE) = 0
//!       214µs main            [reactor]  Handle::add_source: token 0 assigned, registered for READABLE | WRITABLE
//!       221µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=7, token=1, READABLE | WRITABLE) = 0
//!       227µs main            [reactor]  Handle::add_source: token 1 assigned, registered for READABLE | WRITABLE
//!       351µs main            [selector] Socket::write → send(fd=7, len=4, flags=MSG_NOSIGNAL) = 4
//!       381µs main            [selector] Poll::poll → epoll_pwait2(epfd=3, max=1024, timeout=1.987667ms) = 2
//!       387µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 18446744073709551615 }
//!       391µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN | EPOLLOUT, u64: 0 }
//!       396µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE | WRITABLE read-tick 0→1 write-tick 1→2
//!       402µs main            [reactor]  WakeList::wake_all: token 0 wakes 1 waker
//!       407µs main            [executor] RawTask::wake: task 1 woken by token 0
//!       454µs main            [executor] Harness::poll: poll task 1
//!       467µs main            [selector] Socket::recv → recv(fd=6, len=64, flags=0) = 4
//!       476µs main            [selector] Socket::recv → recv(fd=6, len=64, flags=0) = EAGAIN
//!       482µs main            [reactor]  ScheduledIo::clear_readiness: token 0 -READABLE (read-tick 1)
//!      2458µs main            [selector] Registry::deregister → epoll_ctl(epfd=4, DEL, fd=7) = 0
//!      2514µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP, u64: 0 }
//!      2521µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED read-tick 1→2 write-tick 2→3
//!      2562µs main            [selector] Socket::recv → recv(fd=6, len=64, flags=0) = 0
//! ```
