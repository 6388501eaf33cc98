//! The eventfd waker (Linux, Android): one 8-byte kernel counter.
//!
//! `wake` adds 1. The counter is registered edge-triggered and readable, so every write makes
//! a new edge and the poll returns, while writes that land before the poll collapse into one
//! event. Nobody reads the counter on the fast path; it only matters when it would overflow.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::sys::Selector;
use crate::{syscall, Interest, Token};

#[derive(Debug)]
pub(crate) struct Waker {
    fd: OwnedFd,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        // SAFETY: eventfd takes an initial value and flags only.
        let fd = syscall!(
            eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK);
            "Waker::new", "0, EFD_CLOEXEC|EFD_NONBLOCK"
        )?;
        // SAFETY: the call succeeded, so `fd` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        selector.register(fd.as_raw_fd(), token, Interest::READABLE)?;
        Ok(Waker { fd })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        match self.add(1) {
            // The counter is at its maximum (u64::MAX - 1): a nonblocking eventfd refuses the
            // write. Empty it and write again; the write still makes the edge the poll needs.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.reset()?;
                self.add(1)
            }
            res => res,
        }
    }

    fn add(&self, n: u64) -> io::Result<()> {
        let buf = n.to_ne_bytes();
        // SAFETY: `buf` is 8 readable bytes, the size eventfd requires.
        syscall!(
            write(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len());
            "Waker::wake", "eventfd={}, +{n}", self.fd.as_raw_fd()
        )
        .map(drop)
    }

    /// Reads (and so zeroes) the counter. Already zero is fine: nothing to reset.
    fn reset(&self) -> io::Result<()> {
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is 8 writable bytes, the size eventfd requires.
        match syscall!(
            read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len());
            "Waker::wake", "eventfd={}: counter full, reset to 0", self.fd.as_raw_fd()
        ) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn overflow_resets_and_still_wakes() {
        let selector = Selector::new().unwrap();
        let waker = Waker::new(&selector, Token(7)).unwrap();
        // Fill the counter to its maximum so the next `add(1)` is refused with EAGAIN.
        waker.add(u64::MAX - 1).unwrap();
        assert_eq!(waker.add(1).unwrap_err().kind(), io::ErrorKind::WouldBlock);
        let mut events = Vec::with_capacity(4);
        selector.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert_eq!(events.len(), 1, "the fill itself made an edge");

        waker.wake().unwrap();
        selector
            .select(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(
            events.len(),
            1,
            "wake after overflow must still reach the poll"
        );
        assert_eq!(crate::sys::event::token(&events[0]), Token(7));
    }
}
