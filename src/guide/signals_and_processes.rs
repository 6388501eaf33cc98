//! # Signals and child processes — when the kernel speaks first
//!
//! *No seed walks through these; this chapter follows chapters [2](super::ch2_readiness) and
//! [3](super::ch3_driver) to two events that are not born on a socket. Layer:
//! [`corium::signal`](crate::signal) and [`corium::process`](crate::process) (in `corium-os`).*
//!
//! Everything the reactor knows how to wait for is an fd becoming ready. A signal is not an
//! fd: the kernel *interrupts* a thread to deliver it. A child's exit is not an fd either: the
//! kernel keeps a zombie and tells the parent with a signal. This chapter is about turning both
//! into readiness, so that a task can `await` them like a socket.
//!
//! ## Why a signal handler may do almost nothing
//!
//! A handler runs on whichever thread the kernel picked, between two of its instructions. That
//! thread may be inside `malloc`, holding the allocator's lock; or inside the reactor, holding
//! a waiter lock; or halfway through writing a waker. Whatever the handler touches that the
//! interrupted code might also be touching is a deadlock or a corruption waiting to happen.
//! POSIX therefore lists the functions a handler may call — the *async-signal-safe* ones:
//! `write`, `read`, `kill`, a few dozen more; not `malloc`, not `pthread_mutex_lock`, not
//! `Waker::wake`.
//!
//! So corium's handler (`os/src/signal/slots.rs`) does four things and returns:
//!
//! 1. bumps the signal's **delivery counter**, a lock-free atomic;
//! 2. `write`s **one byte** to the self-pipe (nonblocking: if the pipe is full, the bytes
//!    already in it will wake someone anyway);
//! 3. calls the handler that was installed before corium's, if there was one;
//! 4. puts `errno` back (its `write` may have changed it under the interrupted code).
//!
//! It is installed once per signal with `sigaction(SA_SIGINFO | SA_RESTART)` and never
//! removed: while other threads may be delivering to it, there is no moment at which removing
//! it is safe. Six signals are refused outright: `SIGKILL` and `SIGSTOP` cannot be caught;
//! `SIGSEGV`, `SIGBUS`, `SIGILL` and `SIGFPE` report a fault in the faulting thread, and a
//! handler that returns just re-runs the faulting instruction.
//!
//! ## The self-pipe trick
//!
//! The byte is the whole trick. The pipe's read end is an ordinary nonblocking fd, so the
//! reactor can wait on it: the handler's `write` makes it readable, `epoll_wait` returns, and
//! from there everything runs in ordinary code, where locks and wakers are allowed. The byte
//! carries no information; the counters do. A listener ([`Signal`](crate::signal::unix::Signal))
//! remembers the counter value it last saw; "moved" means "delivered at least once since".
//! Three deliveries before the listener looks are one `recv`, as they would be in the kernel,
//! which merges pending standard signals too.
//!
//! A process has one handler per signal but may run several runtimes. Each listener therefore
//! owns a `dup` of the pipe's read end, registered with *its own* runtime's reactor, and no
//! runtime depends on another staying alive. One fd may sit in several epoll sets; each gets
//! the edge. But epoll only *reports* an edge if the fd is still readable when `epoll_wait`
//! collects it: the first listener to drain the pipe empties it for everyone. So the drainer
//! **dispatches**: it wakes the parked wakers of every signal whose counter moved. A listener
//! parks its waker *before* its last look at the counter, so whichever way the race goes —
//! dispatch before or after the park — it cannot sleep through a delivery. That argument is
//! model-checked by loom (`os/src/signal/loom_tests.rs`), and the multi-runtime test in
//! `os/tests/signal_delivery.rs` fails within a few rounds if the dispatch is removed.
//!
//! ## How a pidfd turns a child's exit into readiness
//!
//! The classic way to learn of a child's exit is `SIGCHLD`, with all of the above — and then a
//! `waitpid(pid, WNOHANG)` for every child still waiting, since the signal does not say which
//! one exited. Linux 5.3 added a better fd: `pidfd_open(pid)` returns a descriptor that
//! becomes **readable when that process exits**. corium registers it with the reactor like a
//! socket ([`AsyncFd`](crate::io::unix::AsyncFd), interest `READABLE`); the event wakes the
//! task in [`Child::wait`](crate::process::Child::wait), which reaps with `waitpid(pid,
//! WNOHANG)` and closes the pidfd. No thread per child, no signal, no scan.
//!
//! Elsewhere the same shape holds with another fd: on BSD and Apple a small kqueue of the
//! child's own, holding one `EVFILT_PROC`/`NOTE_EXIT` filter (a kqueue fd is itself
//! readable when it holds an event). When no such fd can be had — an old kernel, a seccomp
//! filter that refuses `pidfd_open`, or `--cfg corium_force_sigchld_reaper` — each waiting
//! child listens for `SIGCHLD` through the signal machinery above and tries `waitpid` at each
//! delivery.
//!
//! A [`Child`](crate::process::Child) dropped before it was reaped (killed first with
//! [`kill_on_drop`](crate::process::Command::kill_on_drop)) is handed to a background task
//! that waits for its exit the same way, or, with no runtime, to an orphan list swept at every
//! later spawn: no zombie is left behind.
//!
//! ## Example: a signal and a child, awaited
//!
//! ```rust
//! use std::process::Stdio;
//! use corium::io::{AsyncReadExt, AsyncWriteExt};
//! use corium::process::Command;
//! use corium::signal::unix::{signal, SignalKind};
//!
//! # corium::runtime::Runtime::new().unwrap().block_on(async {
//! // A listener first: from now on SIGUSR2 is delivered to corium, not fatal.
//! let mut usr2 = signal(SignalKind::user_defined2())?;
//! // SAFETY: raise has no preconditions.
//! unsafe { libc::raise(libc::SIGUSR2) };
//! usr2.recv().await; // the handler bumped the counter and wrote a byte
//!
//! // A child whose stdin and stdout are nonblocking pipes on the reactor.
//! let mut cat = Command::new("cat")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = cat.stdin.take().unwrap();
//! stdin.write_all(b"meow").await?;
//! drop(stdin); // end of file for cat
//! let mut out = String::new();
//! cat.stdout.take().unwrap().read_to_string(&mut out).await?;
//! assert_eq!(out, "meow");
//! // The pidfd turns readable when cat exits; wait reaps it.
//! assert!(cat.wait().await?.success());
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! ## Step → corium item
//!
//! | step | corium item |
//! |---|---|
//! | refuse the six forbidden signals | `refusal` (crate-private, `os/src/signal/slots.rs`), through [`signal`](crate::signal::unix::signal) |
//! | install the handler once, chain the previous one | `install` and `chain` (`os/src/signal/slots.rs`) |
//! | the handler: counter, byte, chain, errno | `handler` (`os/src/signal/slots.rs`) |
//! | one self-pipe, a `dup` per listener | `dup_read_end` (`os/src/signal/slots.rs`), registered as a [`pipe::Receiver`](crate::net::unix::pipe::Receiver) |
//! | drain, dispatch, compare counters | [`Signal::poll_recv`](crate::signal::unix::Signal::poll_recv), `dispatch` (`os/src/signal/slots.rs`) |
//! | ctrl-c | [`ctrl_c`](crate::signal::ctrl_c) |
//! | spawn, pipes made nonblocking | [`Command::spawn`](crate::process::Command::spawn), [`ChildStdout`](crate::process::ChildStdout) |
//! | the exit fd: pidfd, kqueue `EVFILT_PROC`, or SIGCHLD | `ExitWatch` (`os/src/process/exit.rs`) |
//! | wait for readiness, then reap | [`Child::wait`](crate::process::Child::wait) → `poll_reap` (`os/src/process/exit.rs`) |
//! | reap what was dropped | `reap_in_background`, `reap_orphans` (`os/src/process/exit.rs`) |
//!
//! ## What the trace shows
//!
//! From `tests/trace_signals.rs` (run it with `CORIUM_PRINT_TRACE=1 cargo test --features
//! trace --test trace_signals -- --nocapture`), trimmed. First the signal: the pipe, the
//! handler, the listener's `dup` registered; another thread raises SIGUSR1 27 ms later; the
//! byte makes the `dup` readable; the listener drains it, dispatches, and sees the counter
//! moved:
//!
//! ```text
//!       190µs main            [selector] pipe::new → pipe2(fds=[6, 7], O_NONBLOCK|O_CLOEXEC) = 0
//!       202µs main            [selector] signal::install → sigaction(SIGUSR1, SA_SIGINFO|SA_RESTART) = 0
//!       207µs main            [net]      signal: handler installed for SIGUSR1 (previous: default action)
//!       211µs main            [selector] signal::dup_read_end → fcntl(fd=6, F_DUPFD_CLOEXEC) = 8
//!       244µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=8, token=0, READABLE) = 0
//!     27770µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 1
//!     27829µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE read-tick 0→1
//!     27895µs main            [net]      signal: self-pipe readable, listener fd 8 drained 1 byte(s)
//!     27904µs main            [net]      signal: dispatch SIGUSR1 → waking 1 parked listener(s)
//!     27915µs main            [net]      signal: SIGUSR1 delivered (1 since last look) → listener fd 8
//! ```
//!
//! Then a child: spawned, its pidfd opened and registered; 20 ms later its stdin closes, it
//! exits, the pidfd turns readable, and the waiting task reaps it and drops the registration:
//!
//! ```text
//!     30637µs main            [net]      process: spawned `cat` as pid 13717
//!     30722µs main            [selector] process::exit_fd → pidfd_open(pid=13717) = 9
//!     30729µs main            [selector] Registry::register → epoll_ctl(epfd=4, ADD, fd=9, token=2, READABLE) = 0
//!     51287µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 1
//!     51308µs main            [reactor]  ScheduledIo::set_readiness: token 2 +READABLE read-tick 0→1
//!     51330µs main            [net]      process: exit fd 9 of pid 13717 readable (the child exited)
//!     51345µs main            [net]      process: reaped pid 13717: exit status: 0
//!     51352µs main            [selector] Registry::deregister → epoll_ctl(epfd=4, DEL, fd=9) = 0
//! ```
//!
//! With `--cfg corium_force_sigchld_reaper` the second excerpt has no `pidfd_open`: a
//! `dup_read_end` and a `signal: SIGCHLD delivered` line take its place, followed by
//! `process: SIGCHLD delivered, checking pid …`.
