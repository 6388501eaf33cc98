//! Unidirectional pipes as sources: [`new`] gives a nonblocking `(Sender, Receiver)` pair.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use crate::syscall;

/// A nonblocking, close-on-exec pipe: `[read end, write end]`.
pub(crate) fn new_raw() -> io::Result<[OwnedFd; 2]> {
    let mut fds: [RawFd; 2] = [-1, -1];
    #[cfg(not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos"
    )))]
    {
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC))?;
    }
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos"
    ))]
    {
        // Apple has no pipe2: create, then set the flags (not atomic against a concurrent
        // fork+exec, which corium never does).
        // SAFETY: `fds` has room for the two descriptors pipe writes.
        syscall!(pipe(fds.as_mut_ptr()))?;
        for fd in fds {
            // SAFETY: `fd` was just returned by pipe and is open.
            syscall!(fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK))?;
            // SAFETY: as above.
            syscall!(fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
        }
    }
    // SAFETY: both fds were just created by pipe and are owned by nobody else.
    Ok(unsafe { [OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])] })
}
