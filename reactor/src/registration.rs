//! [`Registration`]: a source's link to the reactor, and the readiness protocol around each
//! I/O call.

use std::fmt;
use std::io;
use std::task::{ready, Context, Poll};

use corium_selector_sys::event::Source;
use corium_selector_sys::{Interest, Token};

use crate::coop;
use crate::handle::Handle;
use crate::readiness::Readiness;
use crate::ready::{Ready, ReadyEvent};
use crate::registration_set::SlotRef;
use crate::scheduled_io::{Direction, ScheduledIo};

/// Ties one registered source to its [`ScheduledIo`] and its reactor.
///
/// A `Registration` does not own the source: the type that does (usually [`PollEvented`]) runs
/// each nonblocking I/O call through it:
///
/// 1. wait until the direction is ready ([`poll_read_ready`](Registration::poll_read_ready),
///    [`readiness`](Registration::readiness)), which yields a [`ReadyEvent`];
/// 2. run the syscall;
/// 3. on `WouldBlock`, [`clear_readiness`](Registration::clear_readiness) with that event and
///    go back to 1 — the clear is ignored if a newer event arrived meanwhile.
///
/// [`try_io`](Registration::try_io), [`async_io`](Registration::async_io) and the
/// `poll_*_io` helpers package that loop.
///
/// Dropping it frees its reactor slot (at the driver's next turn). It does *not* remove the
/// source from the selector — only the owner of the source can, with
/// [`deregister`](Registration::deregister) (as [`PollEvented`] does on drop), or by closing
/// the fd. An event for a source whose registration is gone is recognised as stale (by its
/// token's generation) and dropped.
///
/// [`PollEvented`]: crate::PollEvented
pub struct Registration {
    handle: Handle,
    /// This source's [`ScheduledIo`] in the handle's slab (which does not reuse the slot
    /// before this registration is dropped).
    slot: SlotRef,
}

impl Registration {
    /// Registers `io` with `handle`'s reactor for `interest` (through the handle's
    /// `add_source`: a slab slot, then the selector).
    ///
    /// # Errors
    /// After shutdown: "A corium runtime is shutting down: no new I/O resources can be
    /// registered" (`ErrorKind::Other`); I/O disabled on this reactor; the selector's error
    /// (`AlreadyExists` for a source registered twice, `EPERM` for a regular file).
    pub fn new_with_interest_and_handle(
        io: &mut (impl Source + ?Sized),
        interest: Interest,
        handle: Handle,
    ) -> io::Result<Registration> {
        let slot = handle.add_source(io, interest)?;
        Ok(Registration { handle, slot })
    }

    /// This source's readiness state.
    #[inline(always)]
    pub(crate) fn shared(&self) -> &ScheduledIo {
        self.slot.get()
    }

    /// The reactor this registration belongs to.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The token this source's selector events carry (slot index and generation; see the
    /// [crate docs](crate#tokens-and-the-slab)).
    pub fn token(&self) -> Token {
        Token(self.shared().token())
    }

    /// Removes `io` from the selector: no event for it is delivered after this returns.
    ///
    /// `io` must be the source this registration was created with.
    ///
    /// # Errors
    /// The selector's error (`NotFound` if `io` is not registered), except that `NotFound` is
    /// ignored once the reactor has shut down (there is nothing left to stop).
    pub fn deregister(&mut self, io: &mut (impl Source + ?Sized)) -> io::Result<()> {
        match self.handle.inner.registry.deregister(io) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.handle.is_shutdown() => Ok(()),
            other => other,
        }
    }

    /// Polls for read readiness (`READABLE`, `READ_CLOSED`, `ERROR`: a pending socket error is
    /// what the next read returns).
    ///
    /// `Pending` stores `cx`'s waker in the read slot (one task per direction; the last poll
    /// wins). Spends one unit of the [`coop`] budget when ready (see [`coop::poll_spend`]).
    ///
    /// # Errors
    /// The shutdown error once the reactor has shut down.
    #[inline]
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready(cx, Direction::Read)
    }

    /// Polls for write readiness (`WRITABLE`, `WRITE_CLOSED`, `ERROR`); as
    /// [`poll_read_ready`](Registration::poll_read_ready) for the write slot.
    ///
    /// # Errors
    /// The shutdown error once the reactor has shut down.
    #[inline]
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready(cx, Direction::Write)
    }

    #[inline(always)]
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        Self::poll_ready_on(self.shared(), cx, direction)
    }

    /// [`poll_ready`](Registration::poll_ready) on a `ScheduledIo` the caller already looked
    /// up (a loop that also clears looks it up once: each lookup is a bounds-checked index the
    /// compiler cannot carry across the atomics in between).
    #[inline(always)]
    pub(crate) fn poll_ready_on(
        io: &ScheduledIo,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let event = ready!(io.poll_readiness(cx, direction));
        // Only a poll that can proceed spends budget (waiting is free: see `coop`).
        ready!(coop::poll_spend(cx));
        Poll::Ready(event)
    }

    /// A future that resolves when the source is ready for `interest`; any number may wait at
    /// once (see [`Readiness`]).
    ///
    /// Its output is an `io::Result<ReadyEvent>`: the shutdown error once the reactor has shut
    /// down.
    pub fn readiness(&self, interest: Interest) -> Readiness<'_> {
        self.shared().readiness(interest)
    }

    /// Forgets the readiness `event` reported, because the I/O call it allowed returned
    /// `WouldBlock`. Closed flags stay (they are sticky); a direction whose tick moved since
    /// `event` was observed is left alone, so an event that arrived in between is not lost.
    #[inline]
    pub fn clear_readiness(&self, event: ReadyEvent) {
        self.shared().clear_readiness(event);
    }

    /// Runs `f` if the source is ready for `interest`, clearing that readiness if `f` returns
    /// `WouldBlock`. Never waits.
    ///
    /// # Errors
    /// `WouldBlock` if not ready (without running `f`); the shutdown error; or `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let Some(event) = self.shared().ready_event(Ready::from_interest(interest))? else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        match f() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_readiness(event);
                Err(e)
            }
            other => other,
        }
    }

    /// Waits for `interest`, runs `f`; on `WouldBlock` clears the readiness and waits again.
    ///
    /// # Errors
    /// The shutdown error, or `f`'s error other than `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.readiness(interest).await?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(event),
                other => return other,
            }
        }
    }

    /// The read side of an `AsyncRead` impl: poll read readiness, run `f`, clear and retry on
    /// `WouldBlock`.
    ///
    /// # Errors
    /// The shutdown error, or `f`'s error other than `WouldBlock`.
    pub fn poll_read_io<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Read, f)
    }

    /// The write side of an `AsyncWrite` impl; as [`poll_read_io`](Registration::poll_read_io).
    ///
    /// # Errors
    /// The shutdown error, or `f`'s error other than `WouldBlock`.
    pub fn poll_write_io<R>(
        &self,
        cx: &mut Context<'_>,
        f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Write, f)
    }

    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let scheduled = self.shared();
        loop {
            // Each round spends budget, so a source that keeps reporting readiness while `f`
            // keeps returning `WouldBlock` still yields.
            let event = ready!(Self::poll_ready_on(scheduled, cx, direction))?;
            match f() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => scheduled.clear_readiness(event),
                other => return Poll::Ready(other),
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared().clear_wakers();
        self.handle.release(self.shared());
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("token", &self.shared().token())
            .finish_non_exhaustive()
    }
}
