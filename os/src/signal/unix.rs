//! Unix signals as a stream of notifications: [`signal`] gives a [`Signal`] listener for one
//! [`SignalKind`].

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use corium_net::unix::pipe::Receiver;
use corium_selector_sys::trace::Layer;

use super::slots::{self, Slot};

/// Which signal to listen for: a raw signal number with named constructors for the common
/// ones.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by number (`libc::SIGRTMIN() + 1`, say). Validity is checked by [`signal`].
    pub const fn from_raw(signum: std::os::raw::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> std::os::raw::c_int {
        self.0
    }

    /// `SIGALRM`: a timer set with `alarm(2)`/`setitimer` expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process exited or stopped.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal went away; daemons take it as "reload your configuration".
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT`: ctrl-c at the terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: asynchronous I/O is possible on an fd set up for it.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe or socket with no reader left.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: ctrl-\ at the terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a polite request to terminate (what `kill` sends by default).
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`: meaning defined by the program.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: meaning defined by the program.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal window changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<std::os::raw::c_int> for SignalKind {
    fn from(signum: std::os::raw::c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for std::os::raw::c_int {
    fn from(kind: SignalKind) -> std::os::raw::c_int {
        kind.as_raw_value()
    }
}

impl fmt::Debug for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignalKind({})", slots::signal_name(self.0))
    }
}

/// Starts listening for `kind`: installs corium's handler for it (once per process; it is
/// never removed) and returns a listener registered with the current runtime.
///
/// From the first call for a signal on, that signal's **default action no longer runs**: a
/// SIGINT no longer ends the process, even after every listener is dropped (as in tokio; a
/// handler cannot be removed safely while other threads may be delivering to it). A handler
/// some other code installed before corium's is still called, after corium's bookkeeping.
///
/// # Errors
///
/// * `InvalidInput` for a signal that must not be handled — `SIGKILL` and `SIGSTOP` (they
///   cannot be caught), `SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE` (a returning handler would
///   re-run the fault) — or for a number that is not a signal; the message names the signal
///   and the reason.
/// * `Other` outside a runtime with I/O enabled; the OS error of `sigaction`, `pipe2` or
///   `fcntl`.
///
/// # Examples
///
/// ```
/// use corium_os::signal::unix::{signal, SignalKind};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let mut hangups = signal(SignalKind::hangup())?;
/// // SAFETY: raise has no preconditions; corium's handler is installed for SIGHUP now.
/// unsafe { libc::raise(libc::SIGHUP) };
/// hangups.recv().await;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let slot = slots::install(kind.0)?;
    // Looked at *before* the registration: a delivery from here on is this listener's.
    let seen = slot.deliveries();
    let pipe = Receiver::from_owned_fd_unchecked(slots::dup_read_end()?)?;
    Ok(Signal {
        kind,
        slot,
        id: slots::next_listener_id(),
        seen,
        pipe,
    })
}

/// A listener for one signal: [`recv`](Signal::recv) completes once per batch of deliveries.
///
/// Every listener of a signal is told of every delivery, whichever runtime it belongs to and
/// whichever thread the kernel interrupted. Deliveries that arrive while nobody looks
/// **coalesce**: three SIGHUPs between two `recv`s complete one `recv`, not three.
///
/// Each listener holds its own `dup` of the process-wide self-pipe's read end, registered with
/// the reactor of the runtime it was made in (see the [module docs](super) for why).
pub struct Signal {
    kind: SignalKind,
    slot: &'static Slot,
    /// This listener's id among the slot's parked wakers.
    id: u64,
    /// The delivery count this listener last reported (or found at creation).
    seen: usize,
    pipe: Receiver,
}

impl Signal {
    /// Waits for the next delivery (or batch of them). Returns `None` only when the listener
    /// can no longer be woken: its runtime shut down.
    ///
    /// Cancel safe: dropping the future loses no delivery; the next `recv` sees it.
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next delivery; `Pending` stores `cx`'s waker, woken by the next delivery.
    /// `Ready(None)`: the runtime shut down.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        loop {
            // If the pipe is known readable, empty it first (no syscall otherwise), so bytes
            // never pile up and whoever else waits is woken by the dispatch.
            if self.drain().is_err() {
                return Poll::Ready(None);
            }
            if self.delivered() {
                return Poll::Ready(Some(()));
            }
            // Park for the dispatch of whichever listener drains the pipe, then look again: a
            // dispatch that ran before the park ran after its drain, so after the increment.
            self.slot.park(self.id, cx.waker());
            if self.delivered() {
                return Poll::Ready(Some(()));
            }
            match self.pipe.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(None),
                Poll::Ready(Ok(())) => {}
            }
        }
    }

    /// Drains the pipe to `WouldBlock` if its readiness is set (`try_read` clears the
    /// readiness, tick guarded, when it sees `WouldBlock`), then, if anything was read, wakes
    /// every listener of every signal delivered: their own registrations may never report
    /// these bytes, gone before their reactors look (see the slots module). `Err`: the
    /// listener is dead (its runtime shut down).
    fn drain(&mut self) -> Result<(), ()> {
        let mut drained = 0;
        let mut buf = [0u8; 64];
        loop {
            match self.pipe.try_read(&mut buf) {
                Ok(0) => return Err(()), // the write end is never closed
                Ok(n) => drained += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
        if drained > 0 {
            corium_selector_sys::trace!(
                Layer::Net,
                "signal: self-pipe readable, listener fd {} drained {drained} byte(s)",
                std::os::fd::AsRawFd::as_raw_fd(&self.pipe)
            );
            slots::dispatch();
        }
        Ok(())
    }

    /// Whether the counter moved since the last look; if so, takes the delivery.
    fn delivered(&mut self) -> bool {
        let now = self.slot.deliveries();
        if now == self.seen {
            return false;
        }
        corium_selector_sys::trace!(
            Layer::Net,
            "signal: {} delivered ({} since last look) → listener fd {}",
            slots::signal_name(self.kind.0),
            now.wrapping_sub(self.seen),
            std::os::fd::AsRawFd::as_raw_fd(&self.pipe)
        );
        self.seen = now;
        self.slot.unpark(self.id);
        true
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        self.slot.unpark(self.id);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("pipe", &self.pipe)
            .finish()
    }
}
