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

/// Which way a pipe end must be open for [`check_pipe`] to accept it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Opened for reading (`O_RDONLY` or `O_RDWR`): a receiver.
    Read,
    /// Opened for writing (`O_WRONLY` or `O_RDWR`): a sender.
    Write,
}

/// Checks that `fd` is a pipe or FIFO (`fstat`: `S_IFIFO`) opened for `access` (`fcntl`:
/// `F_GETFL`): what a typed pipe end built from a foreign fd must be.
///
/// # Errors
/// `InvalidInput` naming what `fd` is instead (a regular file, a socket, ...) or the access
/// mode it lacks; the OS error of `fstat`/`fcntl`.
pub fn check_pipe(fd: std::os::fd::BorrowedFd<'_>, access: Access) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let raw = fd.as_raw_fd();
    // SAFETY: all-zero bytes are a valid `struct stat` (plain integers), overwritten by fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a writable `struct stat`; `raw` is open because `fd` borrows it.
    syscall!(fstat(raw, &mut st); "pipe::check_pipe", "fd={raw}")?;
    let kind = st.st_mode & libc::S_IFMT;
    if kind != libc::S_IFIFO {
        let what = match kind {
            libc::S_IFREG => "a regular file",
            libc::S_IFDIR => "a directory",
            libc::S_IFSOCK => "a socket",
            libc::S_IFCHR => "a character device",
            libc::S_IFBLK => "a block device",
            _ => "not a pipe",
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("fd {raw} is {what}, not a pipe or FIFO"),
        ));
    }
    // SAFETY: F_GETFL takes no argument; `raw` is open.
    let flags = syscall!(fcntl(raw, libc::F_GETFL); "pipe::check_pipe", "fd={raw}, F_GETFL")?;
    let mode = flags & libc::O_ACCMODE;
    let ok = match access {
        Access::Read => mode == libc::O_RDONLY || mode == libc::O_RDWR,
        Access::Write => mode == libc::O_WRONLY || mode == libc::O_RDWR,
    };
    if !ok {
        let want = match access {
            Access::Read => "reading (a receiver)",
            Access::Write => "writing (a sender)",
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("pipe fd {raw} is not open for {want}"),
        ));
    }
    Ok(())
}

/// A child's stdin pipe as a `Sender`. The fd is left as std made it — **blocking**; call
/// [`Sender::set_nonblocking`] before registering it with a [`Poll`](crate::Poll).
impl From<std::process::ChildStdin> for Sender {
    fn from(stdin: std::process::ChildStdin) -> Sender {
        Sender::from(OwnedFd::from(stdin))
    }
}

/// A child's stdout pipe as a `Receiver`; blocking, as for `From<ChildStdin> for Sender`.
impl From<std::process::ChildStdout> for Receiver {
    fn from(stdout: std::process::ChildStdout) -> Receiver {
        Receiver::from(OwnedFd::from(stdout))
    }
}

/// A child's stderr pipe as a `Receiver`; blocking, as for `From<ChildStdin> for Sender`.
impl From<std::process::ChildStderr> for Receiver {
    fn from(stderr: std::process::ChildStderr) -> Receiver {
        Receiver::from(OwnedFd::from(stderr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn check_pipe_accepts_pipes_by_direction_and_refuses_files() {
        let (sender, receiver) = new().unwrap();
        check_pipe(sender.as_fd(), Access::Write).unwrap();
        check_pipe(receiver.as_fd(), Access::Read).unwrap();
        let err = check_pipe(sender.as_fd(), Access::Read).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("not open for reading"), "{err}");
        let file = std::fs::File::open("/").unwrap();
        let err = check_pipe(file.as_fd(), Access::Read).unwrap_err();
        assert!(err.to_string().contains("a directory, not a pipe"), "{err}");
    }

    #[test]
    fn one_fd_in_two_polls_gets_an_edge_in_each() {
        use crate::{Events, Interest, Poll, Token};
        use std::io::Write;
        use std::time::Duration;
        let (mut tx, mut rx) = new().unwrap();
        let polls = [Poll::new().unwrap(), Poll::new().unwrap()];
        for (i, poll) in polls.iter().enumerate() {
            poll.registry()
                .register(&mut rx, Token(i), Interest::READABLE)
                .unwrap();
        }
        tx.write_all(b"x").unwrap();
        for (i, mut poll) in polls.into_iter().enumerate() {
            let mut events = Events::with_capacity(4);
            poll.poll(&mut events, Some(Duration::from_secs(5)))
                .unwrap();
            let ev = events.iter().next().expect("each Poll sees the write");
            assert_eq!(ev.token(), Token(i));
            assert!(ev.is_readable() && !ev.is_aio() && !ev.is_lio());
        }
    }

    #[test]
    fn child_pipes_convert() {
        let mut child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut tx = Sender::from(child.stdin.take().unwrap());
        let mut rx = Receiver::from(child.stdout.take().unwrap());
        use std::io::{Read, Write};
        tx.write_all(b"via cat").unwrap();
        drop(tx);
        let mut out = String::new();
        rx.read_to_string(&mut out).unwrap();
        assert_eq!(out, "via cat");
        child.wait().unwrap();
    }
}
