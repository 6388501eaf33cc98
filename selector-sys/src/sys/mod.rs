//! The OS backends, and the one place where one is chosen.
//!
//! # The contract every backend meets
//!
//! Each backend module compiles under the *same names*, so the portable layer
//! ([`Poll`](crate::Poll), [`Registry`](crate::Registry), [`Event`](crate::event::Event), …)
//! never mentions an OS:
//!
//! * `Selector` — owns the kernel queue fd.
//!   * `new() -> io::Result<Selector>`, `try_clone(&self) -> io::Result<Selector>`;
//!   * `select(&self, &mut Events, Option<Duration>) -> io::Result<()>`: fills the buffer up to
//!     its capacity, never allocates, returns `Interrupted` on `EINTR`, `InvalidInput` for a
//!     zero-capacity buffer; honours the timeout rules documented on
//!     [`Poll::poll`](crate::Poll::poll);
//!   * `register/reregister/deregister(&self, fd, …) -> io::Result<()>`: edge-triggered;
//!     `AlreadyExists` for a second register and `NotFound` for a change to an unregistered fd,
//!     decided by the kernel's own table (no side table that goes stale on fd reuse);
//!   * `waker_slot(&self) -> Arc<AtomicBool>`: the "this poll has a waker" flag shared by
//!     every clone of the selector;
//!   * `AsRawFd`.
//! * `Event` — the raw OS event type, and `Events = Vec<Event>`.
//! * `event::{token, is_readable, is_writable, is_error, is_read_closed, is_write_closed,
//!   is_priority, is_plain}` — free functions over `&Event`, and `event::DebugDetails` that prints the
//!   raw flags by name.
//! * `Waker` — `new(&Selector, Token)`, `wake(&self)`; see [`Waker`](crate::Waker).
//!
//! Which waker a platform uses is chosen here too, not inside the backends.
//!
//! # Direct system calls
//!
//! On Linux the calls of the data path — `recv`/`send` on a stream socket and `epoll_wait` —
//! are issued through `syscall(2)` (`SYS_recvfrom`, `SYS_sendto`, `SYS_epoll_pwait` with no
//! signal mask), still through the one `syscall!` macro and traced under their usual names.
//! The reason is glibc's wrappers for them are POSIX *cancellation points*: once a process has
//! a second thread, each call brackets the system call with
//! `__pthread_enable_asynccancel`/`__pthread_disable_asynccancel`, about 60 user-space
//! instructions per call, which a multi-thread runtime would pay three times per echo round
//! trip (callgrind shows it). Rust never cancels a thread with `pthread_cancel`, so that
//! bookkeeping buys nothing here. The kernel entry is the same either way: `recv` is
//! `recvfrom` with no address, `send` is `sendto` with none, `epoll_wait` is `epoll_pwait`
//! with a null mask (and aarch64 has only the latter). Other platforms call libc as usual.
//!
//! On x86_64 and aarch64 even glibc's `syscall()` is skipped: `raw_syscall.rs` issues the
//! instruction inline, which saves its argument-shuffling trampoline (about 11 instructions
//! per call).

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub mod raw_syscall;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use epoll::{event, Event, Events, Selector};

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
))]
mod kqueue;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
))]
pub(crate) use kqueue::{event, Event, Events, Selector};

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
)))]
compile_error!(concat!(
    "corium-selector-sys supports epoll (Linux, Android) and kqueue (macOS, iOS, FreeBSD, ",
    "NetBSD, OpenBSD, DragonFly); this target's OS is not one of them: ",
    env!("CARGO_CFG_TARGET_OS")
));

pub(crate) mod waker;
pub(crate) use waker::Waker;
