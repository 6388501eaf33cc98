//! # Chapter 6 — Connect, end to end
//!
//! *Seeds: `000` and `001` (the connect walk), `002` (the reactor's part in it). Layers: all
//! of them; the entry point is [`corium::net::TcpStream`](crate::net::TcpStream).*
//!
//! The seeds open with a five-line program: inside a runtime, `TcpStream::connect` to a local
//! address, await it, print "created stream". This chapter follows that one call down through
//! every layer of corium and back up, using the pieces the earlier chapters took apart. The
//! repository's `tour` example runs exactly this walk with the trace on (see
//! [the guide's introduction](super#turning-on-the-trace)).
//!
//! ## Going down
//!
//! 1. **Names to addresses.** [`TcpStream::connect`](crate::net::TcpStream::connect) accepts
//!    anything that implements [`ToSocketAddrs`](crate::net::ToSocketAddrs) and first turns it
//!    into a list of socket addresses (the seed's `to_socket_addrs`; public as
//!    [`lookup_host`](crate::net::lookup_host)). A numeric address is parsed in place; only a
//!    host name goes to `getaddrinfo`, on the blocking pool, since that call can block.
//! 2. **One address at a time.** Each address is tried in order with
//!    [`connect_addr`](crate::net::TcpStream::connect_addr); the first success wins, and if
//!    all fail the error of the last one is returned.
//! 3. **Start the handshake.** `connect_addr` creates a nonblocking socket and calls
//!    `connect(2)` through [`sys::net::TcpStream::connect`](crate::sys::net::TcpStream::connect).
//!    A nonblocking stream socket cannot wait for the handshake, so the kernel answers
//!    `EINPROGRESS`, which counts as success: the socket exists and is *connecting*
//!    ([chapter 1](super::ch1_selector)).
//! 4. **Register.** [`connect_sys`](crate::net::TcpStream::connect_sys) — the seed's
//!    `connect_mio` — wraps the socket in a [`PollEvented`](crate::reactor::PollEvented). Its
//!    [`Registration`](crate::reactor::Registration) takes a slab slot and a token in the
//!    reactor and registers the fd for reading and writing: one `epoll_ctl(ADD)`
//!    ([chapter 2](super::ch2_readiness)).
//! 5. **Wait for writable.** The task polls
//!    [`Registration::poll_write_ready`](crate::reactor::Registration::poll_write_ready)
//!    (wrapped in `std::future::poll_fn`). Nothing is ready yet: its waker goes into the
//!    write slot of the `ScheduledIo`, the task returns `Pending`, and its worker, with nothing
//!    else to do, parks in the driver ([chapter 5](super::ch5_schedulers)).
//!
//! ## Coming back up
//!
//! 6. **The kernel finishes the handshake** — or fails it — and the socket becomes writable.
//!    `epoll_wait` returns inside [`Driver::turn`](crate::reactor::Driver::turn) with an
//!    `EPOLLOUT` event carrying the token.
//! 7. **The driver** resolves the token to the `ScheduledIo`, sets `WRITABLE`, bumps the write
//!    tick, and calls the stored waker ([chapter 3](super::ch3_driver)). The waker schedules
//!    the task ([chapter 4](super::ch4_tasks)); the parked worker returns from its turn and
//!    polls it.
//! 8. **Ask how it ended.** `poll_write_ready` is now `Ready`, but "writable" only means the
//!    handshake is over. [`take_error`](crate::net::TcpStream::take_error) reads `SO_ERROR`:
//!    `Some(e)` (for example `ConnectionRefused`) is this address's error. corium adds one
//!    check the seeds do not make: if there is no error but the socket still has no peer, the
//!    writable report came too early; it is cleared like any spent readiness and the task
//!    waits for the real answer.
//! 9. **Connected.** The `TcpStream` is returned, still registered, ready for
//!    [`AsyncRead`](crate::io::AsyncRead) and [`AsyncWrite`](crate::io::AsyncWrite).
//!
//! ## Example: the seeds' demo, on corium
//!
//! ```rust
//! use std::io::ErrorKind;
//! use corium::net::{TcpListener, TcpStream};
//! use corium::runtime::Builder;
//!
//! let rt = Builder::new_current_thread().enable_io().build()?;
//! rt.block_on(async {
//!     // The seeds connect to 127.0.0.1:6142; a test must not assume a port is free.
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!
//!     let stream = TcpStream::connect(addr).await?;
//!     let (_server_side, client_addr) = listener.accept().await?;
//!     assert_eq!(client_addr, stream.local_addr()?);
//!     assert_eq!(stream.peer_addr()?, addr);
//!
//!     // Nobody listens any more: the handshake fails, and connect says why.
//!     drop(listener);
//!     let refused = TcpStream::connect(addr).await.unwrap_err();
//!     assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Example: steps 3–9 by hand
//!
//! The same walk with the lower layers only, which is what `connect_sys` does inside:
//!
//! ```rust
//! use std::future::poll_fn;
//! use std::io::ErrorKind;
//! use corium::reactor::PollEvented;
//! use corium::runtime::Builder;
//! use corium::sys::net::TcpStream as SysTcpStream;
//!
//! let rt = Builder::new_current_thread().enable_io().build()?;
//! rt.block_on(async {
//!     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!
//!     // 3. connect(2) on a nonblocking socket: EINPROGRESS, returned as Ok.
//!     let sys = SysTcpStream::connect(addr)?;
//!     // 4. A slot, a token, epoll_ctl(ADD).
//!     let io = PollEvented::new(sys)?;
//!     let peer = loop {
//!         // 5–7. Park until the driver sees the socket writable and wakes us.
//!         let event = poll_fn(|cx| io.registration().poll_write_ready(cx)).await?;
//!         // 8. Writable means "over", not "succeeded": ask SO_ERROR.
//!         if let Some(e) = io.get_ref().take_error()? {
//!             return Err(e);
//!         }
//!         match io.get_ref().peer_addr() {
//!             Ok(peer) => break peer,
//!             // Too early: forget this readiness and wait for the real answer.
//!             Err(e) if e.kind() == ErrorKind::NotConnected => {
//!                 io.registration().clear_readiness(event)
//!             }
//!             Err(e) => return Err(e),
//!         }
//!     };
//!     // 9. Connected.
//!     assert_eq!(peer, addr);
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! | seed 000 / 001 step | corium item |
//! |---|---|
//! | `#[tokio::main]` | [`Runtime::block_on`](crate::runtime::Runtime::block_on) on a runtime from [`runtime::Builder`](crate::runtime::Builder) |
//! | `TcpStream::connect("127.0.0.1:6142").await` | [`net::TcpStream::connect`](crate::net::TcpStream::connect) |
//! | `to_socket_addrs(addr).await` | `to_socket_addrs` (crate-private, `net/src/addr.rs`); public as [`net::lookup_host`](crate::net::lookup_host), bound [`net::ToSocketAddrs`](crate::net::ToSocketAddrs) |
//! | `for addr in addrs { … }` keeping `last_err` | the loop in [`net::TcpStream::connect`](crate::net::TcpStream::connect) |
//! | `TcpStream::connect_addr(addr)` | [`net::TcpStream::connect_addr`](crate::net::TcpStream::connect_addr) |
//! | `mio::net::TcpStream::connect(addr)` (nonblocking `connect`) | [`sys::net::TcpStream::connect`](crate::sys::net::TcpStream::connect) (`EINPROGRESS` explained in [`sys::net`](crate::sys::net)) |
//! | `TcpStream::connect_mio(sys)` | [`net::TcpStream::connect_sys`](crate::net::TcpStream::connect_sys) |
//! | `TcpStream::new(sys)` → `PollEvented::new` | `TcpStream::new` (crate-private) → [`PollEvented::new_with_interest`](crate::reactor::PollEvented::new_with_interest) |
//! | `Registration::new_with_interest_and_handle` → `add_source` → `Registry::register` | [`Registration::new_with_interest_and_handle`](crate::reactor::Registration::new_with_interest_and_handle) → `Handle::add_source` (crate-private) → [`Registry::register`](crate::sys::Registry::register); see [chapter 2](super::ch2_readiness) |
//! | `poll_fn(\|cx\| stream.io.registration().poll_write_ready(cx)).await?` | [`Registration::poll_write_ready`](crate::reactor::Registration::poll_write_ready) under [`std::future::poll_fn`] |
//! | the reactor receives the event and notifies the task (002) | [`Driver::turn`](crate::reactor::Driver::turn); see [chapter 3](super::ch3_driver) |
//! | `stream.io.take_error()?` | [`net::TcpStream::take_error`](crate::net::TcpStream::take_error) → [`sys::net::TcpStream::take_error`](crate::sys::net::TcpStream::take_error) (`getsockopt(SO_ERROR)`) |
//! | `Ok(stream)` — connected | [`net::TcpStream::peer_addr`](crate::net::TcpStream::peer_addr) succeeds from here on |
//! | racing address families (not in the seeds) | [`net::TcpStream::connect_happy_eyeballs`](crate::net::TcpStream::connect_happy_eyeballs) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt*: the `TcpStream::connect` of the first example, traced with
//! `CORIUM_TRACE=all` (fds, ports and times vary). The socket is created nonblocking,
//! `connect` answers `EINPROGRESS`, the registration takes token 1 (the listener holds 0), and
//! the task parks with its worker in the driver. One `epoll_wait` then returns both ends of the
//! handshake: the listener readable (a connection to accept) and the client writable. The
//! driver bumps the client's write tick 0→1 and wakes the connecting task; `SO_ERROR` is 0 and
//! the socket has a peer: connected. (The `Waker::wake` line is `unpark` finding the thread
//! recorded as `PARKED_DRIVER` — here the driver's own thread, still inside its turn — and
//! writing to the eventfd anyway, so its next turn finds that wake-up waiting.)
//!
//! ```text
//!       137µs main            [selector] Socket::new → socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC) = 7
//!       271µs main            [selector] Socket::connect → connect(fd=7, 127.0.0.1:33255) = EINPROGRESS
//!       295µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=7, token=1, READABLE | WRITABLE) = 0
//!       329µs main            [reactor]  Handle::add_source: token 1 assigned, registered for READABLE | WRITABLE
//!       354µs main            [executor] Parker::park: worker 0 EMPTY → PARKED_DRIVER
//!       364µs main            [reactor]  Driver::turn: wait block
//!       379µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 2
//!       389µs main            [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 0 }
//!       399µs main            [selector] Poll::poll ← epoll_event { events: EPOLLOUT, u64: 1 }
//!       411µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE read-tick 0→1
//!       423µs main            [reactor]  ScheduledIo::set_readiness: token 1 +WRITABLE write-tick 0→1
//!       432µs main            [reactor]  WakeList::wake_all: token 1 wakes 1 waker
//!       441µs main            [executor] Unparker::unpark: worker 0 PARKED_DRIVER → NOTIFIED
//!       451µs main            [selector] Waker::wake → write(eventfd=5, +1) = 8
//!       464µs main            [reactor]  Driver::turn: 2 I/O events delivered
//!       473µs main            [executor] Parker::park: worker 0 NOTIFIED → EMPTY
//!       485µs main            [selector] Socket::opt → getsockopt(fd=7, SOL_SOCKET, SO_ERROR) = 0
//!       495µs main            [selector] Socket::take_error: fd 7 SO_ERROR = 0
//!       504µs main            [selector] Socket::peer_addr → getpeername(fd=7, addr=127.0.0.1:33255) = 0
//! ```
