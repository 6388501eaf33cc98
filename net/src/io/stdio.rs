//! The process's standard streams: [`stdin`], [`stdout`], [`stderr`], each a blocking std
//! handle driven from the runtime's blocking pool (see the
//! [`io` module docs](crate::io#the-standard-streams) for why, and what callers see).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::blocking::Blocking;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The process's standard input, read on the blocking pool; made by [`stdin`].
#[derive(Debug)]
pub struct Stdin {
    inner: Blocking<io::Stdin>,
    // The descriptor's owner for `AsFd`: `inner`'s handle may be away on the blocking pool.
    fd: io::Stdin,
}

/// The process's standard output, written on the blocking pool; made by [`stdout`].
#[derive(Debug)]
pub struct Stdout {
    inner: Blocking<io::Stdout>,
    // The descriptor's owner for `AsFd`: `inner`'s handle may be away on the blocking pool.
    fd: io::Stdout,
}

/// The process's standard error, written on the blocking pool; made by [`stderr`].
#[derive(Debug)]
pub struct Stderr {
    inner: Blocking<io::Stderr>,
    // The descriptor's owner for `AsFd`: `inner`'s handle may be away on the blocking pool.
    fd: io::Stderr,
}

/// A handle to the standard input of the process, read on the blocking pool (see
/// [the standard streams](crate::io#the-standard-streams)).
///
/// Each handle reads on its own, so two handles read alternately, each getting some of the
/// input; one handle per program is the usual shape.
///
/// # Examples
///
/// ```no_run
/// use corium_net::io::{AsyncBufReadExt, BufReader};
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let mut lines = BufReader::new(corium_net::io::stdin()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("read {line:?}");
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new("stdin", io::stdin()),
        fd: io::stdin(),
    }
}

/// A handle to the standard output of the process, written on the blocking pool (see
/// [the standard streams](crate::io#the-standard-streams)). Call `flush` before relying on
/// the output being visible.
///
/// # Examples
///
/// ```
/// use corium_net::io::AsyncWriteExt;
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let mut out = corium_net::io::stdout();
/// out.write_all(b"hello from the blocking pool\n").await?;
/// out.flush().await?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        inner: Blocking::new("stdout", io::stdout()),
        fd: io::stdout(),
    }
}

/// A handle to the standard error of the process, written on the blocking pool (see
/// [the standard streams](crate::io#the-standard-streams)). std does not buffer standard error, but a write still completes only on the
/// blocking pool: `flush` waits for it.
pub fn stderr() -> Stderr {
    Stderr {
        inner: Blocking::new("stderr", io::stderr()),
        fd: io::stderr(),
    }
}

/// `Err` outside a corium runtime; see [`stdin`].
impl AsyncRead for Stdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

macro_rules! blocking_writer {
    ($($ty:ty),*) => {$(
        /// Writes are queued on the blocking pool; `Err` outside a corium runtime.
        impl AsyncWrite for $ty {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.inner).poll_write(cx, buf)
            }

            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_shutdown(cx)
            }
        }
    )*};
}

blocking_writer!(Stdout, Stderr);

macro_rules! standard_fd {
    ($($ty:ty),*) => {$(
        /// The standard stream's descriptor (0, 1 or 2), for checks such as
        /// `as_fd().is_terminal()` ([`IsTerminal`](std::io::IsTerminal)).
        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.fd.as_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.fd.as_raw_fd()
            }
        }
    )*};
}

standard_fd!(Stdin, Stdout, Stderr);
