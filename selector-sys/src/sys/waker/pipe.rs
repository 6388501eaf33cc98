//! The pipe waker: the portable fallback (NetBSD, OpenBSD, DragonFly; Linux under
//! `--cfg corium_force_pipe_waker`).
//!
//! `wake` writes one byte to the write end; the read end is registered edge-triggered and
//! readable. As with the eventfd, bytes are not drained on the fast path: each write is a new
//! edge. When the pipe is full (`EAGAIN` on write) it is drained and written again.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use crate::sys::Selector;
use crate::{syscall, Interest, Token};

#[derive(Debug)]
pub(crate) struct Waker {
    sender: OwnedFd,
    receiver: OwnedFd,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let [receiver, sender] = crate::unix::pipe::new_raw()?;
        selector.register(receiver.as_raw_fd(), token, Interest::READABLE)?;
        Ok(Waker { sender, receiver })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        match self.write_byte() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.drain()?;
                self.write_byte()
            }
            res => res,
        }
    }

    fn write_byte(&self) -> io::Result<()> {
        // SAFETY: one readable byte from a static; the fd is our live write end.
        syscall!(
            write(self.sender.as_raw_fd(), b"\x01".as_ptr().cast(), 1);
            "Waker::wake", "pipe={}, 1 byte", self.sender.as_raw_fd()
        )
        .map(drop)
    }

    fn drain(&self) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: `buf` is writable for its whole length; the fd is our live read end.
            match syscall!(
                read(self.receiver.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len());
                "Waker::wake", "pipe={}: full, drain", self.receiver.as_raw_fd()
            ) {
                Ok(n) if n > 0 => continue,
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn full_pipe_drains_and_still_wakes() {
        let selector = Selector::new().unwrap();
        let waker = Waker::new(&selector, Token(3)).unwrap();
        // Fill the pipe until the kernel refuses another byte.
        let mut written = 0;
        while waker.write_byte().is_ok() {
            written += 1;
        }
        assert!(written >= 4096, "pipe took only {written} bytes");
        let mut events = Vec::with_capacity(4);
        selector.select(&mut events, Some(Duration::ZERO)).unwrap();
        waker.wake().unwrap();
        selector
            .select(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(
            events.len(),
            1,
            "wake on a full pipe must still reach the poll"
        );
    }
}
