//! # corium
//!
//! An async I/O stack written from the syscalls up. This facade re-exports the layers, bottom
//! to top:
//!
//! * [`sys`] — the selector (epoll/kqueue), wakers and nonblocking sockets
//!   (`corium-selector-sys`).
//! * [`reactor`] — the I/O driver (readiness, ticks, wakers) and the time driver
//!   (`corium-reactor`); its timers are [`time`].
//! * [`runtime`], [`task`], [`spawn`] — tasks and the current-thread and work-stealing
//!   schedulers (`corium-executor`).
//! * [`net`], [`io`] — async TCP/UDP/Unix sockets and the `AsyncRead`/`AsyncWrite` family
//!   (`corium-net`).
//! * [`guide`] — a doc-only walk through the layers, chapter by chapter, mapping each step of
//!   the seed documents to the corium item that performs it.
//!
//! Cargo features: `trace` (every layer's trace points) and `futures-io` (`io::compat`,
//! adapters to and from the `futures-io` traits); both off by default.
//! `tokio-io` (`io::tokio_compat`, adapters to and from tokio's io traits), `bytes` (the
//! `Buf`/`BufMut` calls: `read_buf`, `write_buf`, `try_read_buf`, `recv_buf`, ...) and
//! `hyper` (`net::hyper_rt`: hyper 1.x's io traits, executor and timer) are off by default
//! too.

pub mod guide;

pub use corium_executor::{runtime, spawn, task};
pub use corium_net as net;
pub use corium_net::io;
pub use corium_reactor as reactor;
pub use corium_reactor::time;
pub use corium_selector_sys as sys;
pub use corium_sync as sync;
