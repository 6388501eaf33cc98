//! [`Waker`]: makes a blocked [`Poll::poll`](crate::Poll::poll) return, from any thread.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::{sys, Registry, Token};

/// Wakes a thread blocked in [`Poll::poll`](crate::Poll::poll); the wake arrives as a
/// readable event carrying the waker's token.
///
/// | OS                      | mechanism                                                     |
/// |-------------------------|---------------------------------------------------------------|
/// | Linux, Android          | `eventfd(EFD_CLOEXEC \| EFD_NONBLOCK)`: `wake` writes 1       |
/// | macOS, iOS, FreeBSD     | a `EVFILT_USER` kevent: `wake` triggers it (`NOTE_TRIGGER`)    |
/// | other kqueue systems    | a nonblocking pipe: `wake` writes one byte                    |
///
/// Building with `--cfg corium_force_pipe_waker` uses the pipe on Linux too, so the fallback
/// is tested where CI runs.
///
/// Wakes coalesce: several wakes before a poll give one event. The counter (or pipe) is never
/// drained on the fast path; because the registration is edge-triggered, each wake makes a new
/// edge anyway. Only when it is full (an eventfd at `u64::MAX - 1`, a pipe at 64 KiB) is it
/// drained and written again.
///
/// One `Waker` per [`Poll`](crate::Poll): wrap it in an `Arc` to share it. Creating a second
/// while the first is alive is an `AlreadyExists` error.
#[derive(Debug)]
pub struct Waker {
    inner: sys::Waker,
    claimed: Arc<AtomicBool>,
}

impl Waker {
    /// Creates the waker for `registry`'s poll; its events carry `token`.
    ///
    /// # Errors
    /// `AlreadyExists` if this poll already has a live waker; otherwise the OS error of
    /// creating or registering the wake-up fd.
    pub fn new(registry: &Registry, token: Token) -> io::Result<Waker> {
        let claimed = registry.selector().waker_slot();
        if claimed.swap(true, Ordering::AcqRel) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "this Poll already has a Waker: create one per Poll and share it (Arc<Waker>)",
            ));
        }
        match sys::Waker::new(registry.selector(), token) {
            Ok(inner) => Ok(Waker { inner, claimed }),
            Err(e) => {
                claimed.store(false, Ordering::Release);
                Err(e)
            }
        }
    }

    /// Makes the poll return (now, or at its next call if it is not blocked).
    ///
    /// # Errors
    /// The OS error of the write, which should not happen for a live poll.
    pub fn wake(&self) -> io::Result<()> {
        self.inner.wake()
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        self.claimed.store(false, Ordering::Release);
    }
}
