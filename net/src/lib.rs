//! # corium-net
//!
//! The top layer of corium: the asynchronous byte-stream vocabulary that sockets, pipes and
//! in-memory streams share, and the sockets themselves.
//!
//! ## What is here today
//!
//! * [`io`] — the traits [`AsyncRead`](io::AsyncRead), [`AsyncWrite`](io::AsyncWrite),
//!   [`AsyncBufRead`](io::AsyncBufRead) and [`AsyncSeek`](io::AsyncSeek), the
//!   [`ReadBuf`](io::ReadBuf) cursor, the extension traits whose methods return futures
//!   (`read_exact`, `write_all`, `read_line`, `fill_buf`, `seek`, ...), buffering adaptors,
//!   `copy`/`copy_bidirectional`, `split`, the process's [`stdin`](io::stdin),
//!   [`stdout`](io::stdout) and [`stderr`](io::stderr), and in-memory streams such as
//!   [`duplex`](io::duplex). The module is shaped like `tokio::io`: a tokio program ports by
//!   renaming `tokio::io` to `corium::io`.
//!
//! Nothing in [`io`] needs a runtime except the standard streams, whose blocking calls run
//! on the runtime's blocking pool: the traits are plain `poll_*` functions, so the module is
//! usable (and tested) with any executor, or with a hand-written `block_on`.
//!
//! ## Sockets
//!
//! * [`TcpStream`], [`TcpListener`], [`TcpSocket`] (a socket configured before it connects or
//!   listens) and, in [`tcp`], the split halves and the RFC 8305 ("happy eyeballs") connector
//!   [`HappyEyeballs`](tcp::HappyEyeballs);
//! * [`UdpSocket`];
//! * [`UnixStream`], [`UnixListener`], [`UnixDatagram`] (and, in [`unix`], their halves);
//! * [`ToSocketAddrs`] and [`lookup_host`]: every way of naming an address, resolved without a
//!   thread when it is already numeric and on the runtime's blocking pool when it needs DNS.
//!
//! Each socket is a [`PollEvented`](corium_reactor::PollEvented): the nonblocking socket of
//! [`corium_selector_sys::net`] plus its registration with the reactor. An operation tries the
//! syscall when the reactor says the socket is ready, and on `WouldBlock` clears that readiness
//! and waits for the next event. Sockets therefore need a corium runtime with I/O enabled;
//! creating one outside a runtime is an error (never a panic). The walk of
//! [`TcpStream::connect`] shows every layer in order.
//!
//! [`Interest`] and [`Ready`] (the reactor's types) are re-exported here for `ready()`,
//! `try_io()` and friends.
//!
//! ## Cargo features
//!
//! * `futures-io` (off by default) — `io::compat`, adapters to and from the `futures-io`
//!   traits used by the `futures` ecosystem. The `corium` facade forwards a feature of the
//!   same name.

pub mod io;

#[macro_use]
mod split_methods;
mod addr;
mod happy_eyeballs;
#[cfg(feature = "hyper")]
pub mod hyper_rt;
pub mod tcp;
pub mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use corium_reactor::{Interest, Ready};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
