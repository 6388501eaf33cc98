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

/// The methods and traits [`Sender`] and [`Receiver`] share, written once: construction from
/// an fd (checked or not), `ready`, `try_io`/`async_io`, the fd conversions, the fd traits and
/// `Debug`. `$access` is the direction `check_pipe` requires, `$interest` the one registered.
macro_rules! pipe_end_common {
    ($ty:ident, $sys:ty, $access:expr, $interest:expr, $dir:literal) => {
        impl $ty {
            pub(crate) fn from_sys(end: $sys) -> ::std::io::Result<$ty> {
                Ok($ty {
                    io: ::corium_reactor::PollEvented::new_with_interest(end, $interest)?,
                })
            }

            #[doc = concat!("Takes a file that must be a pipe or FIFO open for ", $dir, ",")]
            /// makes it nonblocking and registers it with the current runtime.
            ///
            /// # Errors
            /// `InvalidInput` if `file` is not a pipe/FIFO or not open in this direction (the
            /// message says which); `Other` outside a runtime.
            pub fn from_file(file: ::std::fs::File) -> ::std::io::Result<$ty> {
                $ty::from_owned_fd(file.into())
            }

            /// As `from_file`, for an `OwnedFd`.
            ///
            /// # Errors
            /// As `from_file`.
            pub fn from_owned_fd(fd: ::std::os::fd::OwnedFd) -> ::std::io::Result<$ty> {
                ::corium_selector_sys::unix::pipe::check_pipe(
                    ::std::os::fd::AsFd::as_fd(&fd),
                    $access,
                )?;
                $ty::from_owned_fd_unchecked(fd)
            }

            /// As `from_file` without the type and direction checks (the fd is still made
            /// nonblocking).
            ///
            /// # Errors
            /// The OS error of `fcntl`; `Other` outside a runtime.
            pub fn from_file_unchecked(file: ::std::fs::File) -> ::std::io::Result<$ty> {
                $ty::from_owned_fd_unchecked(file.into())
            }

            /// As `from_file_unchecked`, for an `OwnedFd`.
            ///
            /// # Errors
            /// As `from_file_unchecked`.
            pub fn from_owned_fd_unchecked(
                fd: ::std::os::fd::OwnedFd,
            ) -> ::std::io::Result<$ty> {
                let end = <$sys>::from(fd);
                end.set_nonblocking(true)?;
                $ty::from_sys(end)
            }

            #[doc = concat!("Waits until the pipe is ready for any of `interest` (only ", $dir, " is")]
            /// registered).
            ///
            /// # Errors
            /// `Other` once the runtime shuts down.
            pub async fn ready(
                &self,
                interest: ::corium_reactor::Interest,
            ) -> ::std::io::Result<::corium_reactor::Ready> {
                Ok(self.io.registration().readiness(interest).await?.ready())
            }

            /// Runs `f` if the pipe is ready for `interest`, clearing that readiness if `f`
            /// returns `WouldBlock`; for syscalls corium does not wrap (`splice`, `tee`, ...).
            ///
            /// # Errors
            /// `WouldBlock` if not ready; `f`'s error.
            pub fn try_io<R>(
                &self,
                interest: ::corium_reactor::Interest,
                f: impl FnOnce() -> ::std::io::Result<R>,
            ) -> ::std::io::Result<R> {
                self.io.registration().try_io(interest, f)
            }

            /// Waits for `interest` and runs `f` until it does not return `WouldBlock`.
            ///
            /// # Errors
            /// `Other` once the runtime shuts down; `f`'s error other than `WouldBlock`.
            pub async fn async_io<R>(
                &self,
                interest: ::corium_reactor::Interest,
                f: impl FnMut() -> ::std::io::Result<R>,
            ) -> ::std::io::Result<R> {
                self.io.registration().async_io(interest, f).await
            }

            /// Leaves the reactor and returns the fd switched back to **blocking** mode, for
            /// code that expects an ordinary fd (a child's stdio, std's `File`).
            ///
            /// # Errors
            /// The deregistration or `fcntl` error.
            pub fn into_blocking_fd(self) -> ::std::io::Result<::std::os::fd::OwnedFd> {
                let end = self.io.into_inner()?;
                end.set_nonblocking(false)?;
                Ok(end.into())
            }

            /// Leaves the reactor and returns the fd, still nonblocking.
            ///
            /// # Errors
            /// The deregistration error.
            pub fn into_nonblocking_fd(self) -> ::std::io::Result<::std::os::fd::OwnedFd> {
                Ok(self.io.into_inner()?.into())
            }
        }

        impl ::std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                ::std::os::fd::AsRawFd::as_raw_fd(self.io.get_ref())
            }
        }

        impl ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(self.io.get_ref())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &::std::os::fd::AsRawFd::as_raw_fd(self))
                    .finish()
            }
        }
    };
}
use pipe_end_common;

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
