//! Child processes on the reactor: [`Command`] spawns, [`Child`] waits, and the child's pipes
//! are [`ChildStdin`], [`ChildStdout`], [`ChildStderr`].
//!
//! # How a child's exit becomes readiness
//!
//! A child that exits becomes a *zombie* until its parent reaps it with `waitpid`; the parent
//! learns of the exit by `SIGCHLD` or, on Linux ≥ 5.3, through a **pidfd**: `pidfd_open(pid)`
//! returns an fd that turns readable when the process exits. corium registers that fd with the
//! reactor like any socket, so waiting for a child costs no thread, and the trace shows:
//!
//! ```text
//! [net]      process: spawned `true` as pid 4242
//! [selector] process::exit_fd → pidfd_open(pid=4242) = 11
//! [selector] Registry::register → epoll_ctl(…, ADD, fd=11, …, READABLE) = 0
//! [selector] Poll::poll → epoll_wait(…) = 1
//! [net]      process: exit fd 11 of pid 4242 readable (the child exited)
//! [net]      process: reaped pid 4242: exit status: 0
//! ```
//!
//! On BSD and Apple the same fd comes from a kqueue holding one `EVFILT_PROC`/`NOTE_EXIT`
//! filter (a kqueue fd is itself pollable). Where neither is available (or a seccomp filter
//! refuses `pidfd_open`), and with `--cfg corium_force_sigchld_reaper`, the waiter listens for
//! `SIGCHLD` through [`signal`](crate::signal) and tries `waitpid(pid, WNOHANG)` at each
//! delivery.
//!
//! Every fd corium or std opens here is close-on-exec, so one child never inherits another's
//! pipes or pidfds.
//!
//! # No zombies
//!
//! A [`Child`] dropped before being reaped is killed first if
//! [`kill_on_drop`](Command::kill_on_drop) is set, then reaped in the background: by a task on
//! the current runtime waiting on its exit watch or, with no runtime (or once that runtime
//! shuts down), by a sweep of the orphan list at every later spawn and `Child` drop.

mod child;
mod command;
mod exit;
mod stdio;

pub use child::Child;
pub use command::Command;
pub use stdio::{ChildStderr, ChildStdin, ChildStdout};
