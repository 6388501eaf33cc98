//! The process-wide signal table: one [`Slot`] per signal number, the self-pipe, and the
//! `sigaction` handler that connects them.
//!
//! # What the handler may do
//!
//! A signal handler interrupts a thread at an arbitrary instruction — possibly inside `malloc`,
//! holding a lock, halfway through updating a waker list. So the handler touches nothing but
//! what is *async-signal-safe*: it bumps this signal's delivery counter (a lock-free atomic),
//! `write`s one byte into the nonblocking self-pipe (`write(2)` is on POSIX's
//! async-signal-safe list), calls the handler that was installed before ours (if any), and
//! puts `errno` back. No allocation, no lock, no waker, no trace line: everything else happens
//! later, in ordinary code, when a listener's reactor reports the pipe readable.
//!
//! # The protocol (model-checked in `loom_tests.rs`)
//!
//! * handler: `deliveries += 1` (Release), then write a byte.
//! * listener: look at `deliveries` (Acquire); moved since its last look means delivered.
//!   Otherwise it **parks** its waker in the slot, looks again, and waits for its `dup` of the
//!   pipe to be readable. When it is, it drains the pipe to `WouldBlock` and **dispatches**:
//!   every slot whose counter moved since the last dispatch has its parked wakers woken.
//!
//! Why the dispatch: epoll reports an edge-triggered event only if the fd is still ready when
//! `epoll_wait` collects it. One byte reaches every listener's registration, but the first
//! listener to drain it empties the pipe for all, and a reactor that collects afterwards sees
//! nothing. So whoever drains wakes the others. Nothing is missed: a waker parked before the
//! dispatch is woken by it; one parked after was parked after the drain, which followed the
//! handler's increment, so the listener's second look sees it.
//!
//! Deliveries between two looks coalesce into one (the counter moved; by how much is not
//! reported), as with every signal API: the kernel itself merges pending standard signals.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::Waker;

use corium_selector_sys::{syscall, unix::pipe as sys_pipe};

/// Slots for signal numbers `0..MAX_SIGNAL` (real-time signals end at 64 on Linux, lower
/// elsewhere; 0 is never a signal).
pub(crate) const MAX_SIGNAL: usize = 65;

/// One signal's entry: written by the handler (lock-free) and by installation (under
/// [`INSTALL`]).
pub(crate) struct Slot {
    /// Deliveries seen by the handler, ever (wraps; only inequality matters).
    deliveries: AtomicUsize,
    /// Our handler is installed for this signal (set once, under [`INSTALL`], never unset).
    installed: AtomicBool,
    /// The `sa_sigaction` that was installed before ours, as an address; 0 (`SIG_DFL`) or 1
    /// (`SIG_IGN`) mean "nothing to chain to".
    previous: AtomicUsize,
    /// The previous handler's `sa_flags` (for `SA_SIGINFO`: which signature it has).
    previous_flags: AtomicI32,
    /// `deliveries` as of the last dispatch that looked at this slot.
    dispatched: AtomicUsize,
    /// Listeners waiting for this signal: (listener id, waker). Never touched by the handler.
    parked: Mutex<Vec<(u64, Waker)>>,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            deliveries: AtomicUsize::new(0),
            installed: AtomicBool::new(false),
            previous: AtomicUsize::new(0),
            previous_flags: AtomicI32::new(0),
            dispatched: AtomicUsize::new(0),
            parked: Mutex::new(Vec::new()),
        }
    }

    fn parked(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Waker)>> {
        self.parked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Parks listener `id`'s waker (replacing the one it parked before).
    pub(crate) fn park(&self, id: u64, waker: &Waker) {
        let mut parked = self.parked();
        match parked.iter_mut().find(|(i, _)| *i == id) {
            Some((_, w)) => w.clone_from(waker),
            None => parked.push((id, waker.clone())),
        }
    }

    /// Forgets listener `id`'s parked waker, if any.
    pub(crate) fn unpark(&self, id: u64) {
        self.parked().retain(|(i, _)| *i != id);
    }

    /// Takes the parked wakers if `deliveries` moved since the last dispatch; the caller wakes
    /// them after the lock is released.
    fn take_if_delivered(&self) -> Vec<(u64, Waker)> {
        let now = self.deliveries();
        if self.dispatched.swap(now, Ordering::AcqRel) == now {
            return Vec::new();
        }
        std::mem::take(&mut *self.parked())
    }

    /// The handler's half: record one delivery.
    #[inline]
    pub(crate) fn record(&self) {
        self.deliveries.fetch_add(1, Ordering::Release);
    }

    /// The listener's half: the delivery count now. A listener compares it with the count it
    /// saw last; any difference means "at least one delivery since".
    #[inline]
    pub(crate) fn deliveries(&self) -> usize {
        self.deliveries.load(Ordering::Acquire)
    }
}

static SLOTS: [Slot; MAX_SIGNAL] = [const { Slot::new() }; MAX_SIGNAL];

/// The self-pipe's write end, for the handler (`-1` until created). A raw number because the
/// handler may only do a load; the fd is owned by [`PIPE`] and never closed.
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

/// The self-pipe: `(read end, write end)`, created once, never closed. Listeners `dup` the read
/// end; the handler writes the write end.
static PIPE: OnceLock<(OwnedFd, OwnedFd)> = OnceLock::new();

/// Serialises installation (a `sigaction` and its slot's bookkeeping).
static INSTALL: Mutex<()> = Mutex::new(());

/// After a drain of the self-pipe: wakes the parked listeners of every signal delivered since
/// the last dispatch (outside any lock). Returns how many were woken.
pub(crate) fn dispatch() -> usize {
    let mut woken = 0;
    for (signum, slot) in SLOTS.iter().enumerate() {
        let wakers = slot.take_if_delivered();
        if !wakers.is_empty() {
            corium_selector_sys::trace!(
                corium_selector_sys::trace::Layer::Net,
                "signal: dispatch {} → waking {} parked listener(s)",
                signal_name(signum as libc::c_int),
                wakers.len()
            );
        }
        woken += wakers.len();
        for (_, waker) in wakers {
            waker.wake();
        }
    }
    woken
}

/// A process-unique listener id, for parking.
pub(crate) fn next_listener_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The slot of `signum`, if it is one the table covers.
pub(crate) fn slot(signum: libc::c_int) -> Option<&'static Slot> {
    usize::try_from(signum).ok().and_then(|i| SLOTS.get(i))
}

/// Signals corium refuses to handle, with the reason given in the error.
const FORBIDDEN: [(libc::c_int, &str, &str); 6] = {
    const UNCATCHABLE: &str = "it cannot be caught or ignored";
    const FAULT: &str = "it reports a fault in the faulting thread; a handler that returns \
                         re-runs the faulting instruction forever, and the program's state \
                         cannot be trusted";
    [
        (libc::SIGKILL, "SIGKILL", UNCATCHABLE),
        (libc::SIGSTOP, "SIGSTOP", UNCATCHABLE),
        (libc::SIGSEGV, "SIGSEGV", FAULT),
        (libc::SIGBUS, "SIGBUS", FAULT),
        (libc::SIGILL, "SIGILL", FAULT),
        (libc::SIGFPE, "SIGFPE", FAULT),
    ]
};

/// Why `signum` cannot be listened for, if it cannot: `None` for a signal corium will handle.
pub(crate) fn refusal(signum: libc::c_int) -> Option<String> {
    if let Some((_, name, why)) = FORBIDDEN.iter().find(|(n, _, _)| *n == signum) {
        return Some(format!("refusing to handle {name}: {why}"));
    }
    if signum <= 0 || slot(signum).is_none() {
        return Some(format!(
            "invalid signal number {signum}: not a signal this platform delivers"
        ));
    }
    None
}

/// The self-pipe, created on first use.
fn pipe() -> io::Result<&'static (OwnedFd, OwnedFd)> {
    if let Some(pipe) = PIPE.get() {
        return Ok(pipe);
    }
    // Racing creators each make a pipe; one wins, the others' pipes close as they drop.
    let [read_end, write_end] = {
        let (tx, rx) = sys_pipe::new()?;
        [OwnedFd::from(rx), OwnedFd::from(tx)]
    };
    let pipe = PIPE.get_or_init(|| (read_end, write_end));
    PIPE_WRITE.store(pipe.1.as_raw_fd(), Ordering::Release);
    Ok(pipe)
}

/// A new descriptor for the self-pipe's read end (`F_DUPFD_CLOEXEC`), for one listener to
/// register with its own reactor. All of them share one open file description (and so its
/// `O_NONBLOCK`); each registration gets its own readiness edges.
pub(crate) fn dup_read_end() -> io::Result<OwnedFd> {
    let fd = pipe()?.0.as_raw_fd();
    // SAFETY: F_DUPFD_CLOEXEC takes the lowest acceptable fd number; `fd` is open forever
    // (owned by `PIPE`, never dropped).
    let new = syscall!(
        fcntl(fd, libc::F_DUPFD_CLOEXEC, 0);
        "signal::dup_read_end", "fd={fd}, F_DUPFD_CLOEXEC"
    )?;
    // SAFETY: `new` was just returned by fcntl and is owned by nobody else.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(new) })
}

/// Installs the handler for `signum` if it is not installed yet (once per process, never
/// removed), after checking [`refusal`].
pub(crate) fn install(signum: libc::c_int) -> io::Result<&'static Slot> {
    if let Some(why) = refusal(signum) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    let slot = slot(signum).expect("refusal checked the range");
    if slot.installed.load(Ordering::Acquire) {
        return Ok(slot);
    }
    pipe()?;
    let _guard = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.installed.load(Ordering::Acquire) {
        return Ok(slot);
    }
    // SAFETY: all-zero bytes are a valid `sigaction` (no handler, empty mask, no flags).
    let mut new: libc::sigaction = unsafe { std::mem::zeroed() };
    new.sa_sigaction = handler as *const () as usize;
    // SA_SIGINFO: the three-argument form, so a previous SA_SIGINFO handler can be chained with
    // the real siginfo. SA_RESTART: a blocking syscall elsewhere in the program is restarted
    // instead of failing with EINTR because of a signal only corium cares about.
    new.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
    // SAFETY: `sa_mask` is a valid sigset_t to initialise.
    unsafe { libc::sigemptyset(&mut new.sa_mask) };
    // SAFETY: all-zero bytes are a valid `sigaction` for the kernel to fill in.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live sigaction structs; `handler` is an `extern "C"` fn of
    // the SA_SIGINFO signature that only does async-signal-safe work.
    syscall!(
        sigaction(signum, &new, &mut old);
        "signal::install", "{}, SA_SIGINFO|SA_RESTART", signal_name(signum)
    )?;
    // Between the sigaction and these stores a delivery finds `previous == 0` and chains to
    // nothing: the window is the length of two stores, and only a handler installed before
    // corium's (by other code, concurrently) could be skipped.
    slot.previous_flags.store(old.sa_flags, Ordering::Relaxed);
    slot.previous.store(old.sa_sigaction, Ordering::Release);
    slot.installed.store(true, Ordering::Release);
    corium_selector_sys::trace!(
        corium_selector_sys::trace::Layer::Net,
        "signal: handler installed for {} (previous: {})",
        signal_name(signum),
        match old.sa_sigaction {
            libc::SIG_DFL => "default action".to_string(),
            libc::SIG_IGN => "ignored".to_string(),
            addr => format!("handler {addr:#x}, chained"),
        }
    );
    Ok(slot)
}

/// The signal handler. Async-signal-safe only: atomics, `write(2)`, the chained handler, errno.
///
/// `libc::write` is called directly, not through `syscall!`: with the `trace` feature that
/// macro reads clocks and takes locks, which a handler must never do. This and `OwnedFd`'s
/// `close` are the two exceptions to "every syscall goes through `syscall!`".
extern "C" fn handler(signum: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let saved = errno::get();
    if let Some(slot) = slot(signum) {
        slot.record();
        let fd = PIPE_WRITE.load(Ordering::Acquire);
        if fd >= 0 {
            let byte = signum as u8;
            // SAFETY: `fd` is the self-pipe's write end, open for the life of the process;
            // the buffer is one live byte. A full pipe (EAGAIN) is fine: its unread bytes
            // already promise a wake-up, and the counter carries the delivery.
            unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
        }
        chain(slot, signum, info, ctx);
    }
    errno::set(saved);
}

/// Calls the handler that was installed before ours, if there was one.
fn chain(slot: &Slot, signum: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let previous = slot.previous.load(Ordering::Acquire);
    if previous == libc::SIG_DFL || previous == libc::SIG_IGN {
        // Not chained: running the default action would usually end the process, which is
        // exactly what a program listening for the signal asked not to happen.
        return;
    }
    if slot.previous_flags.load(Ordering::Relaxed) & libc::SA_SIGINFO != 0 {
        // SAFETY: `previous` is the `sa_sigaction` the kernel returned for a handler installed
        // with SA_SIGINFO, so it is the address of a function of this signature (an address
        // handed through the kernel as an integer: its provenance is the exposed one).
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute::<*const (), _>(handler_ptr(previous)) };
        f(signum, info, ctx);
    } else {
        // SAFETY: without SA_SIGINFO the kernel's `sa_handler` (the same field) is the
        // address of a one-argument handler.
        let f: extern "C" fn(libc::c_int) =
            unsafe { std::mem::transmute::<*const (), _>(handler_ptr(previous)) };
        f(signum);
    }
}

/// A handler address from `sigaction` as a pointer. The kernel stores handlers as integers
/// (`sighandler_t`), so the pointer takes the provenance its function exposed when its address
/// was made an integer (by whoever installed it).
fn handler_ptr(addr: usize) -> *const () {
    std::ptr::with_exposed_provenance(addr)
}

/// The conventional name of a signal, or `signal N`.
pub(crate) fn signal_name(signum: libc::c_int) -> String {
    let name = match signum {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGWINCH => "SIGWINCH",
        libc::SIGIO => "SIGIO",
        _ => return format!("signal {signum}"),
    };
    name.to_string()
}

/// errno, read and restored by the handler (a handler that changes errno corrupts the
/// interrupted code's view of its last failed call).
mod errno {
    #[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
    use libc::__errno as location;
    #[cfg(any(target_os = "linux", target_os = "emscripten"))]
    use libc::__errno_location as location;
    #[cfg(any(
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "dragonfly"
    ))]
    use libc::__error as location;

    pub(super) fn get() -> libc::c_int {
        // SAFETY: the errno location is this thread's errno, always valid to read.
        unsafe { *location() }
    }

    pub(super) fn set(value: libc::c_int) {
        // SAFETY: the errno location is this thread's errno, always valid to write.
        unsafe { *location() = value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn refusals_name_the_signal_and_the_reason() {
        let kill = refusal(libc::SIGKILL).expect("forbidden");
        assert!(
            kill.contains("SIGKILL") && kill.contains("cannot be caught"),
            "{kill}"
        );
        let segv = refusal(libc::SIGSEGV).expect("forbidden");
        assert!(segv.contains("SIGSEGV") && segv.contains("fault"), "{segv}");
        assert_eq!(FORBIDDEN.len(), 6);
        assert!(refusal(0).unwrap().contains("invalid signal number 0"));
        assert!(refusal(-3).is_some());
        assert!(refusal(MAX_SIGNAL as libc::c_int).is_some());
        assert_eq!(refusal(libc::SIGINT), None);
        assert_eq!(refusal(libc::SIGCHLD), None);
    }

    #[test]
    fn deliveries_move_the_counter_a_listener_compares() {
        let slot = Slot::new();
        let seen = slot.deliveries();
        slot.record();
        slot.record(); // coalesced: one "moved" for both
        assert_ne!(slot.deliveries(), seen);
        assert_eq!(slot.deliveries(), seen + 2);
    }

    static CALLS: AtomicUsize = AtomicUsize::new(0);
    extern "C" fn one_arg(signum: libc::c_int) {
        CALLS.fetch_add(signum as usize, Ordering::Relaxed);
    }
    extern "C" fn three_args(signum: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
        CALLS.fetch_add(100 * signum as usize, Ordering::Relaxed);
    }

    #[test]
    fn chain_calls_the_previous_handler_by_its_signature() {
        let slot = Slot::new();
        // Default and ignore are not chained.
        chain(&slot, 2, std::ptr::null_mut(), std::ptr::null_mut());
        slot.previous.store(libc::SIG_IGN, Ordering::Release);
        chain(&slot, 2, std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(CALLS.load(Ordering::Relaxed), 0);
        slot.previous
            .store(one_arg as *const () as usize, Ordering::Release);
        chain(&slot, 2, std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(CALLS.load(Ordering::Relaxed), 2);
        slot.previous_flags
            .store(libc::SA_SIGINFO, Ordering::Relaxed);
        slot.previous
            .store(three_args as *const () as usize, Ordering::Release);
        chain(&slot, 3, std::ptr::null_mut(), std::ptr::null_mut());
        assert_eq!(CALLS.load(Ordering::Relaxed), 302);
    }

    #[test]
    fn errno_is_restored() {
        errno::set(libc::EAGAIN);
        assert_eq!(errno::get(), libc::EAGAIN);
        errno::set(0);
        assert_eq!(errno::get(), 0);
    }

    #[test]
    fn dispatch_wakes_parked_listeners_only_of_delivered_signals() {
        use std::sync::Arc;
        use std::task::Wake;
        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let slot = Slot::new();
        slot.park(1, &waker);
        slot.park(1, &waker); // replaced, not duplicated
        slot.park(2, &waker);
        slot.unpark(2);
        assert!(slot.take_if_delivered().is_empty(), "nothing delivered yet");
        slot.record();
        let taken = slot.take_if_delivered();
        assert_eq!(taken.len(), 1);
        assert!(
            slot.take_if_delivered().is_empty(),
            "one dispatch per delivery"
        );
        for (_, w) in taken {
            w.wake();
        }
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn names() {
        assert_eq!(signal_name(libc::SIGTERM), "SIGTERM");
        assert_eq!(signal_name(40), "signal 40");
    }
}
