//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: a child's pipes, nonblocking, on the
//! reactor.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use corium_net::io::{AsyncRead, AsyncWrite, ReadBuf};
use corium_net::unix::pipe::{Receiver, Sender};

/// Implements the fd traits, the conversions and `into_owned_fd` for a stdio wrapper around
/// a pipe end (`inner`).
macro_rules! stdio_common {
    ($ty:ident, $end:ty, $what:literal) => {
        impl $ty {
            /// Takes the std pipe: made nonblocking and registered with the current runtime.
            pub(crate) fn from_std(std: impl Into<OwnedFd>) -> io::Result<$ty> {
                Ok($ty {
                    inner: <$end>::from_owned_fd_unchecked(std.into())?,
                })
            }

            #[doc = concat!("Leaves the reactor and returns the ", $what, " pipe's fd, switched")]
            /// back to blocking mode (so std code and another child can use it as it expects).
            ///
            /// # Errors
            /// The deregistration or `fcntl` error.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.inner.into_blocking_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        /// The pipe end itself, still on the reactor (no syscall).
        impl From<$ty> for $end {
            fn from(stdio: $ty) -> $end {
                stdio.inner
            }
        }

        /// For another child's stdio: the fd, back in blocking mode.
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;
            fn try_from(stdio: $ty) -> io::Result<Stdio> {
                Ok(Stdio::from(stdio.into_owned_fd()?))
            }
        }
    };
}

/// The writing end of a child's stdin ([`AsyncWrite`]). Dropping it closes the pipe: the child
/// reads end of file. [`Child::wait`](super::Child::wait) drops it first for that reason.
#[derive(Debug)]
pub struct ChildStdin {
    inner: Sender,
}

/// The reading end of a child's stdout ([`AsyncRead`]).
#[derive(Debug)]
pub struct ChildStdout {
    inner: Receiver,
}

/// The reading end of a child's stderr ([`AsyncRead`]).
#[derive(Debug)]
pub struct ChildStderr {
    inner: Receiver,
}

stdio_common!(ChildStdin, Sender, "stdin");
stdio_common!(ChildStdout, Receiver, "stdout");
stdio_common!(ChildStderr, Receiver, "stderr");

impl AsyncWrite for ChildStdin {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `AsyncRead` for a stdio wrapper around a [`Receiver`], by forwarding.
macro_rules! forward_async_read {
    ($($ty:ident),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_read(cx, buf)
            }
        }
    )*};
}

forward_async_read!(ChildStdout, ChildStderr);
