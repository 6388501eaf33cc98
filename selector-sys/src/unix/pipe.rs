//! Unidirectional pipes as sources: [`new`] gives a nonblocking `(Sender, Receiver)` pair.
//!
//! A pipe is the simplest readiness source: bytes written to the [`Sender`] come out of the
//! [`Receiver`] in order. Both ends are nonblocking and close-on-exec, and both implement
//! [`Source`](crate::event::Source), so they take part in a [`Poll`](crate::Poll) loop like
//! sockets do; they are also how a program watches a child process's stdin/stdout.
//!
//! Closing is reported as events: when every sender is dropped the receiver gets a
//! read-closed event (after the buffered bytes, `read` returns 0); when every receiver is
//! dropped the sender gets a write-closed event and `write` returns `BrokenPipe`.
//!
//! Unlike sockets, a pipe has no per-call flag against `SIGPIPE`: a write with no reader left
//! raises it. Rust programs set `SIGPIPE` to "ignore" before `main`, so in Rust the write
//! just fails with `BrokenPipe`; a program that restores the default action must expect the
//! signal.
//!
//! # Examples
//!
//! ```
//! use std::io::{Read, Write};
//! use corium_selector_sys::unix::pipe;
//!
//! let (mut sender, mut receiver) = pipe::new()?;
//! sender.write_all(b"hi")?;
//! let mut buf = [0; 2];
//! receiver.read_exact(&mut buf)?;
//! assert_eq!(&buf, b"hi");
//! // Nothing more: a nonblocking read says so instead of waiting.
//! assert_eq!(receiver.read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::net::fd::{impl_fd_traits, impl_read, impl_source, impl_write, Fd};
use crate::syscall;

/// A nonblocking, close-on-exec pipe: `[read end, write end]`.
pub(crate) fn new_raw() -> io::Result<[OwnedFd; 2]> {
    let mut fds: [RawFd; 2] = [-1, -1];
    #[cfg(not(target_vendor = "apple"))]
    {
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        syscall!(
            pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC);
            "pipe::new", "fds={fds:?}, O_NONBLOCK|O_CLOEXEC"
        )?;
    }
    #[cfg(target_vendor = "apple")]
    {
        // SAFETY: `fds` has room for the two descriptors pipe writes.
        syscall!(
            pipe(fds.as_mut_ptr());
            "pipe::new", "fds={fds:?}"
        )?;
    }
    // SAFETY: both fds were just created by pipe2/pipe and are owned by nobody else; from
    // here on an early return closes them.
    let [read_end, write_end] = unsafe { [Fd::from_raw_fd(fds[0]), Fd::from_raw_fd(fds[1])] };
    // Apple has no pipe2: set the flags now (not atomic against a concurrent fork+exec,
    // which corium never does).
    #[cfg(target_vendor = "apple")]
    for end in [&read_end, &write_end] {
        end.set_nonblocking_cloexec()?;
    }
    Ok([read_end.into(), write_end.into()])
}

/// Creates a pipe: a nonblocking, close-on-exec `(Sender, Receiver)` pair (`pipe2` with
/// `O_NONBLOCK | O_CLOEXEC`; on Apple `pipe`, then `fcntl`).
///
/// # Errors
/// `EMFILE`/`ENFILE` when out of descriptors; other OS errors of `pipe2`/`pipe`/`fcntl`.
pub fn new() -> io::Result<(Sender, Receiver)> {
    let [receiver, sender] = new_raw()?;
    Ok((Sender::from(sender), Receiver::from(receiver)))
}

/// The write end of a pipe. `Write` is implemented for `Sender` and `&Sender`.
#[derive(Debug)]
pub struct Sender {
    inner: Fd,
}

impl Sender {
    /// Switches blocking mode. Ends are created nonblocking, which an event loop needs; a
    /// `Sender` built with `from_raw_fd` from another fd may need this.
    ///
    /// # Errors
    /// The OS error of `fcntl`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }
}

impl_fd_traits!(Sender);
impl_source!(Sender);
impl_write!(Sender);

/// The read end of a pipe. `Read` is implemented for `Receiver` and `&Receiver`.
#[derive(Debug)]
pub struct Receiver {
    inner: Fd,
}

impl Receiver {
    /// Switches blocking mode (see [`Sender::set_nonblocking`]).
    ///
    /// # Errors
    /// The OS error of `fcntl`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.inner.set_nonblocking(nonblocking)
    }
}

impl_fd_traits!(Receiver);
impl_source!(Receiver);
impl_read!(Receiver);
