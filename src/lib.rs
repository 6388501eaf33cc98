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
//! * Macros — [`#[corium::main]`](macro@main) and [`#[corium::test]`](macro@test) (the
//!   `corium-macros` proc-macro crate, written without syn or quote), and [`select!`],
//!   [`join!`], [`try_join!`] and [`pin!`]; see [Macros](#macros) below.
//! * [`signal`], [`process`] — ctrl-c and Unix signals through a self-pipe, child processes
//!   awaited through a pidfd (`corium-os`).
//! * [`guide`] — a doc-only walk through the layers, chapter by chapter, mapping each step of
//!   the seed documents to the corium item that performs it.
//!
//! Cargo features: `trace` (every layer's trace points) and `futures-io` (`io::compat`,
//! adapters to and from the `futures-io` traits); both off by default.
//! `tokio-io` (`io::tokio_compat`, adapters to and from tokio's io traits), `bytes` (the
//! `Buf`/`BufMut` calls: `read_buf`, `write_buf`, `try_read_buf`, `recv_buf`, ...) and
//! `hyper` (`net::hyper_rt`: hyper 1.x's io traits, executor and timer) are off by default
//! too.
//!
//! # Macros
//!
//! `#[corium::main]` turns `async fn main` into a `main` that builds a runtime and blocks on
//! the body (the [guide chapter](guide::macros_main) shows the expansion), with tokio's
//! options; `main` may return a `Result`:
//!
//! ```no_run
//! #[corium::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     let listener = corium::net::TcpListener::bind("127.0.0.1:0").await?;
//!     println!("listening on {}", listener.local_addr()?);
//!     Ok(())
//! }
//! ```
//!
//! `#[corium::test]` does the same for a test (current-thread by default, as in tokio):
//!
//! ```no_run
//! #[corium::test(flavor = "multi_thread", worker_threads = 2)]
//! async fn spawned_tasks_finish() {
//!     assert_eq!(corium::spawn(async { 1 + 1 }).await.unwrap(), 2);
//! }
//! ```
//!
//! [`select!`] races futures, [`join!`] and [`try_join!`] await them all, and [`pin!`] pins one
//! on the stack:
//!
//! ```
//! use std::time::Duration;
//! use corium::time::sleep;
//!
//! #[corium::main(flavor = "current_thread")]
//! async fn main() {
//!     let timeout = sleep(Duration::from_secs(60));
//!     corium::pin!(timeout);
//!     let (a, b) = corium::join!(async { 1 }, async { 2 });
//!     let sum: Result<(u8, u8), ()> = corium::try_join!(async { Ok(a) }, async { Ok(b) });
//!     corium::select! {
//!         _ = &mut timeout => unreachable!("the sum is ready first"),
//!         Ok((a, b)) = async { sum } => assert_eq!(a + b, 3),
//!     }
//! }
//! ```

pub mod guide;
mod macros;

/// What the macros' expansions call: not a public API.
#[doc(hidden)]
pub use macros::support as __private;

pub use corium_macros::{main, test};

pub use corium_executor::task_local;
pub use corium_executor::{runtime, spawn, task};
pub use corium_net as net;
pub use corium_net::io;
pub use corium_os::{fs, process, signal};
pub use corium_reactor as reactor;
pub use corium_reactor::time;
pub use corium_selector_sys as sys;
pub use corium_sync as sync;
