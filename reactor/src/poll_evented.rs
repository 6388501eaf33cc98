//! [`PollEvented`]: a nonblocking source together with its [`Registration`].

use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::task::{ready, Context, Poll};

use corium_selector_sys::event::Source;
use corium_selector_sys::Interest;

use crate::handle::Handle;
use crate::registration::Registration;
use crate::scheduled_io::Direction;

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
    #[inline]
    pub fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The source.
    #[inline]
    pub fn get_ref(&self) -> &E {
        self.io
            .as_ref()
            .expect("PollEvented's source is present until into_inner or drop")
    }

    /// [`Registration::try_io`] with the source lent to `f`.
    ///
    /// # Errors
    /// As [`Registration::try_io`].
    #[inline]
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.registration.try_io(interest, || f(io))
    }

    /// [`Registration::async_io`] with the source lent to `f`.
    ///
    /// # Errors
    /// As [`Registration::async_io`].
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let io = self.get_ref();
        self.registration.async_io(interest, || f(io)).await
    }

    /// [`Registration::poll_read_io`] with the source lent to `f`.
    ///
    /// # Errors
    /// As [`Registration::poll_read_io`].
    #[inline]
    pub fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.registration.poll_read_io(cx, || f(io))
    }

    /// [`Registration::poll_write_io`] with the source lent to `f`.
    ///
    /// # Errors
    /// As [`Registration::poll_write_io`].
    #[inline]
    pub fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        self.registration.poll_write_io(cx, || f(io))
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

    /// Reads into `buf` when readable: waits for read readiness, reads, and on `WouldBlock`
    /// clears the readiness and waits again (as [`Registration::poll_read_io`]).
    ///
    /// For *byte-stream* sources only (TCP, Unix stream sockets, pipes): a read that returns
    /// fewer bytes than `buf` holds also clears the read readiness, saving the `read` that
    /// would only have returned `WouldBlock`. On a datagram source a short read just means a
    /// short datagram, with possibly more queued: read those with
    /// [`Registration::poll_read_io`] instead.
    ///
    /// # Errors
    /// The shutdown error, or the read's error other than `WouldBlock`.
    #[inline]
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: Read,
    {
        let len = buf.len();
        self.poll_read_with(cx, len, |mut io| io.read(buf))
    }

    /// [`poll_read`](PollEvented::poll_read) with the read itself supplied: `read` gets the
    /// source once it is readable and reads at most `len` bytes, returning how many. For
    /// byte-stream sources whose read is not `io::Read`, such as a read straight into
    /// uninitialised memory (which therefore touches the caller's buffer only after readiness).
    ///
    /// # Errors
    /// The shutdown error, or `read`'s error other than `WouldBlock`.
    #[inline]
    pub fn poll_read_with(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut read: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        self.poll_stream_io(cx, Direction::Read, len, || read(io))
    }

    /// Writes `buf` when writable; as [`poll_read`](PollEvented::poll_read): a write that
    /// accepts fewer bytes than offered clears the write readiness (the send buffer is full).
    ///
    /// # Errors
    /// The shutdown error, or the write's error other than `WouldBlock`.
    #[inline]
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: Write,
    {
        let mut io = self.get_ref();
        self.poll_stream_io(cx, Direction::Write, buf.len(), || io.write(buf))
    }

    /// Writes `bufs` when writable, gathered into one call; as
    /// [`poll_write`](PollEvented::poll_write).
    ///
    /// # Errors
    /// The shutdown error, or the write's error other than `WouldBlock`.
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a E: Write,
    {
        let mut io = self.get_ref();
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_stream_io(cx, Direction::Write, len, || io.write_vectored(bufs))
    }

    /// The readiness loop of the byte-stream helpers above: `f` transfers at most `len` bytes.
    #[inline]
    fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut f: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let scheduled = self.registration.shared();
        loop {
            // Spends coop budget each round, so a source whose readiness keeps being reported
            // while `f` keeps returning `WouldBlock` still yields.
            let event = ready!(Registration::poll_ready_on(scheduled, cx, direction))?;
            match f() {
                Ok(n) => {
                    // A short transfer on a byte stream means the kernel buffer was drained
                    // (read) or filled (write) by this very call, so the next call would
                    // return `WouldBlock`: skip it by clearing the readiness now. Safe with an
                    // edge-triggered selector (all of corium's): bytes or space that appear
                    // after the call make a new edge, whose event bumps this direction's tick,
                    // and `clear_readiness` refuses to clear an event older than the tick, so
                    // nothing is lost. `n == 0` is left alone: end of stream (or an empty
                    // buffer) stays readable, as the next read must see it again.
                    if n > 0 && n < len {
                        scheduled.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    scheduled.clear_readiness(event);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
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
