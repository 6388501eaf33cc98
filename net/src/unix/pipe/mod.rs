//! Unix pipes and FIFOs on the reactor: [`pipe()`] for an anonymous pair, [`OpenOptions`] for a
//! named FIFO, and [`Sender`]/[`Receiver`] for any pipe end, including a child process's
//! stdio.
//!
//! A pipe end is a reactor source like a socket: a nonblocking, close-on-exec fd in a
//! [`PollEvented`](corium_reactor::PollEvented), with the same readiness calls (`ready`,
//! `readable`/`writable`, `poll_*_ready`), the same `try_*` calls that return `WouldBlock`
//! instead of waiting, and [`AsyncRead`](crate::io::AsyncRead) /
//! [`AsyncWrite`](crate::io::AsyncWrite).
//!
//! Closing is seen as with a stream socket: once every sender is gone, a receiver reads the
//! bytes left and then `Ok(0)`; once every receiver is gone, a write fails with `BrokenPipe`
//! (Rust programs ignore `SIGPIPE`, so the signal is never raised at them).
//!
//! # Examples
//!
//! ```
//! use corium_net::io::{AsyncReadExt, AsyncWriteExt};
//! use corium_net::unix::pipe;
//!
//! # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
//! let (mut tx, mut rx) = pipe::pipe()?;
//! tx.write_all(b"through the pipe").await?;
//! drop(tx); // end of stream for the reader
//! let mut got = String::new();
//! rx.read_to_string(&mut got).await?;
//! assert_eq!(got, "through the pipe");
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```

mod open;
mod receiver;
mod sender;

use std::io;

use corium_selector_sys::unix::pipe as sys;

pub use open::OpenOptions;
pub use receiver::Receiver;
pub use sender::Sender;

/// Creates an anonymous pipe registered with the current runtime: `pipe2(O_NONBLOCK |
/// O_CLOEXEC)` (on Apple `pipe` then `fcntl`).
///
/// # Errors
/// `EMFILE`/`ENFILE` when out of descriptors; `Other` outside a runtime with I/O enabled.
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (tx, rx) = sys::new()?;
    Ok((Sender::from_sys(tx)?, Receiver::from_sys(rx)?))
}
