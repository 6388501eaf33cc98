//! A Unix socket as a reactor source, for the tests that need real readiness.

use corium_reactor::PollEvented;
use corium_selector_sys::event::Source;
use corium_selector_sys::unix::SourceFd;
use corium_selector_sys::{Interest, Registry, Token};
use std::future::poll_fn;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

/// A nonblocking `UnixStream` the reactor can register.
pub struct Sock(pub UnixStream);

impl Source for Sock {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

impl Read for &Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }
}

/// A connected pair: the first end registered with the current reactor, the second plain
/// and blocking (for a peer thread).
pub fn registered_pair() -> io::Result<(PollEvented<Sock>, UnixStream)> {
    let (a, b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;
    Ok((PollEvented::new(Sock(a))?, b))
}

/// Reads once through the reactor (waiting for readiness, spending coop budget).
pub async fn read(io: &PollEvented<Sock>, buf: &mut [u8]) -> io::Result<usize> {
    poll_fn(|cx| io.poll_read(cx, buf)).await
}
