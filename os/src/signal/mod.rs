//! Asynchronous signal handling: [`ctrl_c`] and, on Unix, [`unix::signal`].
//!
//! # How a signal becomes a wake-up
//!
//! 1. **The handler does almost nothing.** `signal(kind)` installs, once per process and
//!    for good, a `sigaction` handler (`SA_SIGINFO | SA_RESTART`). When the signal arrives it
//!    interrupts some thread anywhere — maybe inside `malloc`, maybe holding the very lock a
//!    waker list needs — so it may only do async-signal-safe work: bump the signal's delivery
//!    counter (an atomic), `write` one byte to a nonblocking, close-on-exec **self-pipe**, call
//!    the handler installed before corium's (if any), restore `errno`.
//! 2. **The self-pipe turns the signal into readiness.** The pipe's read end is an ordinary
//!    reactor source: the byte makes it readable, `epoll_wait`/`kevent` returns, and the
//!    reactor wakes the tasks waiting on it — all outside the handler, in ordinary code.
//! 3. **Every listener is told.** Each [`unix::Signal`] owns a `dup` of the read end,
//!    registered with its own runtime's reactor. One fd may sit in several epoll/kqueue sets
//!    and each gets its own edge, so the kernel itself fans one byte out to every listener in
//!    every runtime. A woken listener drains the pipe, then compares the signal's delivery
//!    counter with the value it saw last: moved means "delivered". Deliveries between two
//!    looks **coalesce** into one.
//!
//! With the `trace` feature and `CORIUM_TRACE=net,selector` each step shows:
//!
//! ```text
//! [net]      signal: handler installed for SIGUSR1 (previous: default action)
//! [selector] Poll::poll → epoll_wait(epfd=3, …) = 1          ← the handler's byte
//! [net]      signal: self-pipe readable, listener fd 9 drained 1 byte(s)
//! [net]      signal: SIGUSR1 delivered (1 since last look) → listener fd 9
//! ```
//!
//! # Why a `dup` per listener
//!
//! A process has one handler per signal but may run several runtimes, of either flavour, and
//! a runtime may shut down while others go on. Registering one shared read end with one
//! runtime's reactor would make every other runtime depend on that one staying alive; a
//! dispatcher thread would cost a thread. With a `dup` per listener no runtime owns anything
//! another needs: a listener costs one fd and one registration, and dropping it (or its
//! runtime) affects nobody else. The pipe itself is created once and never closed.
//!
//! # Why not kqueue's `EVFILT_SIGNAL`
//!
//! On BSD and Apple, `EVFILT_SIGNAL` reports deliveries to a kqueue directly. corium uses the
//! self-pipe there too: `EVFILT_SIGNAL` only *observes* — the signal's disposition still
//! applies, so a handler (or `SIG_IGN`) must be installed anyway to keep SIGINT from killing
//! the process; it would lose the chaining to a previously installed handler that the
//! `sigaction` path keeps; and one mechanism on every OS keeps the learner's path (and the
//! tests run on Linux) the same everywhere. The cost is one pipe per process and one `dup` per
//! listener.
//!
//! # Refused signals
//!
//! `SIGKILL` and `SIGSTOP` cannot be caught; `SIGSEGV`, `SIGBUS`, `SIGILL` and `SIGFPE` report
//! a fault in the thread that caused it, and a handler that returns re-runs the faulting
//! instruction. [`unix::signal`] refuses all six with an `InvalidInput` error naming the signal
//! and the reason.

mod slots;
pub mod unix;

#[cfg(all(test, corium_os_loom))]
mod loom_tests;

use std::io;

/// Completes at the next ctrl-c (`SIGINT`) after the call is first polled.
///
/// The first call installs corium's SIGINT handler for the rest of the process: from then on
/// ctrl-c no longer ends the program by itself — it is yours to handle (as in tokio).
///
/// # Errors
///
/// `Other` outside a runtime with I/O enabled (or if the runtime shuts down while waiting);
/// the OS error of `sigaction`, `pipe2` or `fcntl`.
///
/// # Examples
///
/// ```no_run
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// corium_os::signal::ctrl_c().await?;
/// println!("ctrl-c received, shutting down");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut listener = unix::signal(unix::SignalKind::interrupt())?;
    listener
        .recv()
        .await
        .ok_or_else(|| io::Error::other("the runtime shut down while waiting for ctrl-c"))
}
