//! [`PollEvented`]: a nonblocking source together with its [`Registration`].

use std::fmt;
use std::io::{self, Read, Write};
use std::task::{Context, Poll};

use corium_selector_sys::event::Source;
use corium_selector_sys::Interest;

use crate::handle::Handle;
use crate::registration::Registration;

/// Owns a nonblocking source `E` and its [`Registration`]: the building block of every corium
/// socket type (`TcpStream` is a `PollEvented<sys::net::TcpStream>`).
///
/// Dropping it deregisters the source from the selector, then drops the source (closing its
/// fd) and frees the reactor slot; [`into_inner`](PollEvented::into_inner) deregisters and gives
/// the source back instead.
pub struct PollEvented<E: Source> {
    /// `Some` for the whole life of the value; `None` only inside `into_inner` / `drop`.
    io: Option<E>,
    registration: Registration,
}

impl<E: Source> PollEvented<E> {
    /// Registers `io` for reading and writing with the current reactor
    /// ([`Handle::try_current`]).
    ///
    /// # Errors
    /// No current reactor ("there is no reactor running: ..."), or any error of
    /// [`new_with_interest_and_handle`](PollEvented::new_with_interest_and_handle).
    pub fn new(io: E) -> io::Result<PollEvented<E>> {
        PollEvented::new_with_interest(io, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `io` for `interest` with the current reactor.
    ///
    /// # Errors
    /// As [`new`](PollEvented::new).
    pub fn new_with_interest(io: E, interest: Interest) -> io::Result<PollEvented<E>> {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        PollEvented::new_with_interest_and_handle(io, interest, handle)
    }

    /// Registers `io` for `interest` with `handle`'s reactor.
    ///
    /// # Errors
    /// As [`Registration::new_with_interest_and_handle`]: shutdown, I/O disabled, or the
    /// selector's error. `io` is dropped on error.
    pub fn new_with_interest_and_handle(
        mut io: E,
        interest: Interest,
        handle: Handle,
    ) -> io::Result<PollEvented<E>> {
        let registration = Registration::new_with_interest_and_handle(&mut io, interest, handle)?;
        Ok(PollEvented {
            io: Some(io),
            registration,
        })
    }

    /// The registration, for readiness and the `*_io` helpers.
    pub fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The source.
    pub fn get_ref(&self) -> &E {
        self.io
            .as_ref()
            .expect("PollEvented's source is present until into_inner or drop")
    }

    /// Deregisters the source and returns it (still nonblocking).
    ///
    /// # Errors
    /// The selector's deregistration error (see [`Registration::deregister`]); the source is
    /// dropped then.
    pub fn into_inner(mut self) -> io::Result<E> {
        let mut io = self
            .io
            .take()
            .expect("PollEvented's source is present until into_inner or drop");
        self.registration.deregister(&mut io)?;
        Ok(io)
    }

    /// Reads into `buf` when readable, through [`Registration::poll_read_io`].
    ///
    /// # Errors
    /// The shutdown error, or the read's error other than `WouldBlock`.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: Read,
    {
        let io = self.get_ref();
        self.registration.poll_read_io(cx, || {
            let mut io = io;
            io.read(buf)
        })
    }

    /// Writes `buf` when writable, through [`Registration::poll_write_io`].
    ///
    /// # Errors
    /// The shutdown error, or the write's error other than `WouldBlock`.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: Write,
    {
        let io = self.get_ref();
        self.registration.poll_write_io(cx, || {
            let mut io = io;
            io.write(buf)
        })
    }
}

impl<E: Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut io) = self.io.take() {
            // Nothing to report to from a drop: a failure means the source was not registered
            // any more, which is the state we want. The source closes after this.
            let _ = self.registration.deregister(&mut io);
        }
    }
}

impl<E: Source + fmt::Debug> fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollEvented")
            .field("io", &self.io)
            .field("registration", &self.registration)
            .finish()
    }
}
