//! Knowing when a child exits, without a thread per child: [`ExitWatch`].
//!
//! * **Linux ≥ 5.3: a pidfd.** `pidfd_open(pid)` gives an fd that becomes readable when the
//!   process exits. Registered with the reactor like a socket, it turns "the child exited" into
//!   an ordinary readiness event; the task then reaps with `waitpid(pid, WNOHANG)`.
//! * **BSD and Apple: a private kqueue with `EVFILT_PROC`/`NOTE_EXIT`.** A kqueue fd is itself
//!   pollable (readable when it holds an event), so the same readiness path works.
//! * **Elsewhere, or when the above fail (an old kernel, a seccomp filter returning `ENOSYS`
//!   or `EPERM`), or with `--cfg corium_force_sigchld_reaper`: SIGCHLD.** A
//!   [`Signal`](crate::signal::unix::Signal) listener for `SIGCHLD` wakes the waiter at every
//!   child exit in the process, and the waiter tries `waitpid(pid, WNOHANG)` for its own
//!   child. Deliveries coalesce, so each wake checks, never counts.

use std::io;
use std::os::fd::OwnedFd;
use std::process::ExitStatus;
use std::sync::{Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use corium_net::io::unix::AsyncFd;
use corium_net::Interest;
use corium_selector_sys::trace::Layer;

use crate::signal::unix::{signal, Signal, SignalKind};

/// Waits for one child's exit notification.
pub(crate) enum ExitWatch {
    /// A pidfd (Linux) or a kqueue watching the pid (BSD, Apple), on the reactor.
    Fd(AsyncFd<OwnedFd>),
    /// A SIGCHLD listener.
    Sigchld(Signal),
}

impl ExitWatch {
    /// The best watch this system gives for `pid`, registered with the current runtime.
    pub(crate) fn new(pid: u32) -> io::Result<ExitWatch> {
        if !cfg!(corium_force_sigchld_reaper) {
            match exit_fd(pid) {
                Ok(fd) => {
                    return Ok(ExitWatch::Fd(AsyncFd::with_interest(
                        fd,
                        Interest::READABLE,
                    )?))
                }
                Err(e) if fall_back(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(ExitWatch::Sigchld(signal(SignalKind::child())?))
    }

    /// Polls until the child may have exited; `try_wait` afterwards says whether it has.
    /// The `Fd` readiness is cleared only when `still_running` says the event was not an exit.
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        pid: u32,
        mut still_running: impl FnMut() -> io::Result<bool>,
    ) -> Poll<io::Result<()>> {
        match self {
            ExitWatch::Fd(fd) => loop {
                let mut guard = ready!(fd.poll_read_ready(cx))?;
                corium_selector_sys::trace!(
                    Layer::Net,
                    "process: exit fd {} of pid {pid} readable (the child exited)",
                    std::os::fd::AsRawFd::as_raw_fd(fd.get_ref())
                );
                if still_running()? {
                    // Not an exit after all: forget this readiness and wait for the next.
                    guard.clear_ready();
                    continue;
                }
                return Poll::Ready(Ok(()));
            },
            ExitWatch::Sigchld(listener) => match ready!(listener.poll_recv(cx)) {
                Some(()) => {
                    corium_selector_sys::trace!(
                        Layer::Net,
                        "process: SIGCHLD delivered, checking pid {pid}"
                    );
                    Poll::Ready(Ok(()))
                }
                None => Poll::Ready(Err(io::Error::other(
                    "the runtime shut down while waiting for a child process",
                ))),
            },
        }
    }
}

/// Whether `exit_fd`'s error means "use SIGCHLD instead" rather than a real failure.
fn fall_back(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSYS) | Some(libc::EPERM) | Some(libc::EINVAL)
    ) || e.kind() == io::ErrorKind::Unsupported
}

/// `pidfd_open(pid, 0)`: an fd readable once `pid` exits (close-on-exec by definition).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exit_fd(pid: u32) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1; no pointers.
    let fd = corium_selector_sys::syscall!(
        syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) as pidfd_open;
        "process::exit_fd", "pid={pid}"
    )?;
    // SAFETY: `fd` was just returned by pidfd_open and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

/// A kqueue of its own with one `EVFILT_PROC`/`NOTE_EXIT` filter for `pid`: readable once
/// `pid` exits.
#[cfg(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd",
    target_vendor = "apple"
))]
fn exit_fd(pid: u32) -> io::Result<OwnedFd> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: kqueue takes no arguments and returns a new fd or -1.
    let kq = corium_selector_sys::syscall!(kqueue(); "process::exit_fd", "for pid={pid}")?;
    // SAFETY: `kq` was just returned by kqueue and is owned by nobody else.
    let kq = unsafe { OwnedFd::from_raw_fd(kq) };
    // SAFETY: FD_CLOEXEC on an fd we own (kqueue fds are not inherited across fork anyway).
    corium_selector_sys::syscall!(
        fcntl(kq.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        "process::exit_fd", "kq={}, FD_CLOEXEC", kq.as_raw_fd()
    )?;
    // SAFETY: all-zero bytes are a valid kevent; the fields that matter are set below.
    let mut change: libc::kevent = unsafe { std::mem::zeroed() };
    change.ident = pid as _;
    change.filter = libc::EVFILT_PROC;
    change.flags = libc::EV_ADD | libc::EV_ONESHOT;
    change.fflags = libc::NOTE_EXIT;
    // SAFETY: one valid changelist entry, no eventlist; `kq` is open.
    corium_selector_sys::syscall!(
        kevent(kq.as_raw_fd(), &change, 1, std::ptr::null_mut(), 0, std::ptr::null());
        "process::exit_fd", "kq={}, EVFILT_PROC pid={pid} NOTE_EXIT", kq.as_raw_fd()
    )?;
    Ok(kq)
}

/// Processes dropped while running, and not yet reaped: tried again at every spawn, every
/// `Child` drop and every background reaper that ends with its runtime.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

fn orphans() -> std::sync::MutexGuard<'static, Vec<std::process::Child>> {
    ORPHANS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reaps every orphan that has exited.
pub(crate) fn reap_orphans() {
    orphans().retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

/// Reaps `child` (running, not waited for) in the background: as a task on the current
/// runtime that waits for its exit, or, with no runtime (or if that runtime shuts down
/// first), in the orphan list.
pub(crate) fn reap_in_background(child: std::process::Child, watch: Option<ExitWatch>) {
    reap_orphans();
    let Ok(handle) = corium_executor::runtime::Handle::try_current() else {
        orphans().push(child);
        return;
    };
    let mut reaper = Reaper {
        child: Some(child),
        watch,
    };
    handle.spawn(std::future::poll_fn(move |cx| reaper.poll(cx)));
}

/// A background reap: owns the child until it is reaped; dropped unfinished, it hands the
/// child to the orphan list.
struct Reaper {
    child: Option<std::process::Child>,
    watch: Option<ExitWatch>,
}

impl Reaper {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(child) = self.child.as_mut() else {
            return Poll::Ready(());
        };
        match poll_reap(child, &mut self.watch, cx) {
            Poll::Ready(Ok(_)) => {
                self.child = None;
                Poll::Ready(())
            }
            // A watch that cannot be made or a failing waitpid: leave it to the orphan list.
            Poll::Ready(Err(_)) => Poll::Ready(()),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            orphans().push(child);
        }
    }
}

/// The wait loop shared by `Child::wait` and the background reaper: make the watch, look once
/// (the watch exists before this first `waitpid`, so no exit can fall between them), then wait
/// for the watch and look again.
pub(crate) fn poll_reap(
    child: &mut std::process::Child,
    watch: &mut Option<ExitWatch>,
    cx: &mut Context<'_>,
) -> Poll<io::Result<ExitStatus>> {
    let pid = child.id();
    if watch.is_none() {
        *watch = Some(ExitWatch::new(pid)?);
        if let Some(status) = child.try_wait()? {
            return Poll::Ready(Ok(reaped(pid, status, watch)));
        }
    }
    loop {
        let w = watch.as_mut().expect("made above");
        // An Fd watch calls `try_wait` itself when the fd turns readable (std keeps the
        // status, so the look below returns it again); SIGCHLD only says "some child".
        ready!(w.poll_exit(cx, pid, || Ok(child.try_wait()?.is_none())))?;
        if let Some(status) = child.try_wait()? {
            return Poll::Ready(Ok(reaped(pid, status, watch)));
        }
    }
}

/// Reports a reaped child and closes its watch (the pidfd, or the SIGCHLD listener).
fn reaped(pid: u32, status: ExitStatus, watch: &mut Option<ExitWatch>) -> ExitStatus {
    corium_selector_sys::trace!(Layer::Net, "process: reaped pid {pid}: {status}");
    *watch = None;
    status
}
