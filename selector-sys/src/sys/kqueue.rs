//! The kqueue backend (macOS, iOS, tvOS, watchOS, visionOS, FreeBSD, NetBSD, OpenBSD,
//! DragonFly).
//!
//! One kqueue per [`Poll`](crate::Poll). It meets the same contract as the epoll backend
//! (see `sys/mod.rs`), but kqueue is not epoll with other names:
//!
//! * **Filters, not a bitmask.** epoll keeps one entry per fd with a bitmask of interests.
//!   kqueue keeps one *knote* per `(fd, filter)` pair: `READABLE` is an `EVFILT_READ` knote,
//!   `WRITABLE` a separate `EVFILT_WRITE` knote, each carrying the token in `udata`. So an fd
//!   registered for both can come back as **two events in one poll**, one per filter, with
//!   the same token — where epoll gives one event with two bits. Callers that dispatch by
//!   token handle both without noticing.
//! * **`EV_CLEAR` is edge-triggering.** After a knote is reported its state is reset, and it
//!   fires again only when new data (or buffer space) arrives: the `EPOLLET` contract.
//! * **`EV_RECEIPT` gives one answer per change.** A changelist is applied in order; with
//!   `EV_RECEIPT` each change writes a receipt (`EV_ERROR` set, `data` = errno or 0) into the
//!   event list, and a call that produced receipts returns without waiting for events. Passing
//!   the changelist as the event list too (the man page allows the same array) gets each
//!   change's receipt back in its own slot.
//! * **`EV_ADD` also modifies.** Adding a knote that exists silently updates it, so kqueue
//!   alone cannot tell a second `register` from a first. Every operation that does not add
//!   (`EV_ENABLE`, `EV_DELETE`) fails with `ENOENT` on a missing knote; that is the probe
//!   used to report misuse from the kernel's own table (see [`Selector::register`]).
//!
//! | operation                | changes submitted (one kevent call unless noted)                      |
//! |--------------------------|------------------------------------------------------------------------|
//! | `register`               | probe both filters; then `EV_ADD \| EV_CLEAR \| EV_RECEIPT` per interest (2 calls) |
//! | `reregister`             | per filter: probe + `EV_ADD …` if wanted, `EV_DELETE \| EV_RECEIPT` if not |
//! | `deregister`             | `EV_DELETE \| EV_RECEIPT` on both filters                              |
//! | probe                    | `EV_ENABLE \| EV_RECEIPT` (and `EV_KEEPUDATA` on FreeBSD)              |
//! | waker (`sys/waker/kqueue.rs`) | `EVFILT_USER`: `EV_ADD \| EV_CLEAR` to create, `NOTE_TRIGGER` to wake |
//!
//! | event method      | reads                                          |
//! |-------------------|------------------------------------------------|
//! | `is_readable`     | filter `EVFILT_READ` or `EVFILT_USER` (waker)  |
//! | `is_writable`     | filter `EVFILT_WRITE`                          |
//! | `is_error`        | `EV_ERROR`, or `EV_EOF` with `fflags` ≠ 0 (the socket error) |
//! | `is_read_closed`  | `EVFILT_READ` with `EV_EOF`                    |
//! | `is_write_closed` | `EVFILT_WRITE` with `EV_EOF`                   |
//! | `is_priority`     | never                                          |
//! | `is_plain`        | neither `EV_ERROR` nor `EV_EOF`                |

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::trace::describe::{Kevents, Timeout};
use crate::trace::{self, Layer};
use crate::{syscall, Interest, Token};

// The field types of `struct kevent` and the count type of `kevent()` differ by OS; they are
// named here and nowhere else. (`udata` differs too: `void *`, but `intptr_t` on NetBSD in
// older releases of the OS and of libc. It needs no cfg: the `as` casts in `change` and
// `event::token` compile against either type.)
#[cfg(not(target_os = "netbsd"))]
type Filter = i16;
#[cfg(not(target_os = "netbsd"))]
type Flags = u16;
#[cfg(not(target_os = "netbsd"))]
type Count = libc::c_int;
#[cfg(target_os = "netbsd")]
type Filter = u32;
#[cfg(target_os = "netbsd")]
type Flags = u32;
#[cfg(target_os = "netbsd")]
type Count = libc::size_t;

/// A kernel event, as `kevent` fills it.
///
/// A wrapper only so that `Events` is `Send` and `Sync` as it is on Linux: `libc::kevent`
/// holds a raw pointer (`udata`), which makes it neither.
#[repr(transparent)]
pub(crate) struct Event(libc::kevent);

// SAFETY: `udata` is the only pointer in a kevent, and this backend stores a token (an
// integer) there and never dereferences it; everything else is plain integers. Moving an
// event to another thread therefore moves no access to anything.
unsafe impl Send for Event {}
// SAFETY: as above; `&Event` only allows reading those integers.
unsafe impl Sync for Event {}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        event::DebugDetails(self).fmt(f)
    }
}

pub(crate) type Events = Vec<Event>;

/// Flags of the change that adds (or updates) one filter of a registration.
const ADD: Flags = libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT;
/// Flags of the change that removes one filter of a registration.
const DELETE: Flags = libc::EV_DELETE | libc::EV_RECEIPT;
/// Flags of the probe: `ENOENT` if the knote is missing. On a knote that exists it
/// re-evaluates the filter (a possible spurious event) and, except on FreeBSD where
/// `EV_KEEPUDATA` prevents it, overwrites `udata` with the probe's — see `register`.
#[cfg(target_os = "freebsd")]
const PROBE: Flags = libc::EV_ENABLE | libc::EV_RECEIPT | libc::EV_KEEPUDATA;
#[cfg(not(target_os = "freebsd"))]
const PROBE: Flags = libc::EV_ENABLE | libc::EV_RECEIPT;

/// The two filters a registration can hold, in the order they are always submitted.
const FILTERS: [Filter; 2] = [libc::EVFILT_READ, libc::EVFILT_WRITE];

/// The longest wait handed to the kernel, about 3.17 years. Older XNU rejects a relative
/// timeout above 10^8 s with `EINVAL`, newer XNU multiplies `tv_sec` by 10^9 without an
/// overflow check (so `time_t::MAX` wraps to a short, early wait), and NetBSD converts to
/// clock ticks; this bound is safe on all of them, and a poll that long is "forever" anyway.
const MAX_WAIT_SECS: u64 = 100_000_000;

#[derive(Debug)]
pub(crate) struct Selector {
    kq: OwnedFd,
    has_waker: Arc<AtomicBool>,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let kq = new_kqueue()?;
        let selector = Selector {
            kq,
            has_waker: Arc::new(AtomicBool::new(false)),
        };
        #[cfg(target_vendor = "apple")]
        selector.check_receipts_carry_errors()?;
        Ok(selector)
    }

    /// XNU 3789 (macOS 10.12, iOS 10) wrote every `EV_RECEIPT` receipt with `data` 0, erasing
    /// the error of a change that failed. This backend reads misuse from those errors, so on
    /// such a kernel every `register` would claim `AlreadyExists`; refuse it up front instead,
    /// with the reason. The test: probe the kqueue's own fd, which can never hold a knote in
    /// itself, so an honest receipt says `ENOENT`. One kevent call per `Poll::new`.
    #[cfg(target_vendor = "apple")]
    fn check_receipts_carry_errors(&self) -> io::Result<()> {
        let ident = self.kq.as_raw_fd() as libc::uintptr_t;
        let mut probe = [change(ident, libc::EVFILT_READ, PROBE, 0)];
        self.probe(&mut probe)?;
        if receipt_errno(&probe[0]) == libc::ENOENT {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this kernel's kevent drops the errors of EV_RECEIPT changes (macOS 10.12 / iOS 10), which corium needs to detect misuse: use macOS 10.13 / iOS 11 or later",
        ))
    }

    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        // std's `try_clone` is `fcntl(F_DUPFD_CLOEXEC)`: the clone is close-on-exec too.
        let kq = self.kq.try_clone()?;
        Ok(Selector {
            kq,
            has_waker: Arc::clone(&self.has_waker),
        })
    }

    pub(crate) fn waker_slot(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.has_waker)
    }

    pub(crate) fn select(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        if events.capacity() == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Events has capacity 0, so no event could be returned: use Events::with_capacity(n) with n > 0",
            ));
        }
        let max = events.capacity().min(libc::c_int::MAX as usize);
        let ts = timeout.map(timespec);
        // No timespec means "block until an event"; a zero timespec means "do not block".
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |ts| ts as *const libc::timespec);
        // SAFETY: the event list has room for `max <= capacity` kevents, and `Event` is
        // `repr(transparent)` over `libc::kevent`, so the cast pointer is valid for those
        // writes; the empty changelist is never read; `ts_ptr` is null or points to `ts`,
        // which outlives the call.
        let n = syscall!(
            kevent(
                self.kq.as_raw_fd(),
                std::ptr::null(),
                0,
                events.as_mut_ptr().cast::<libc::kevent>(),
                count(max),
                ts_ptr,
            );
            "Poll::poll", "kq={}, changes=[], max={max}, timeout={}",
                self.kq.as_raw_fd(), Timeout(timeout)
        )?;
        // SAFETY: the kernel initialised the first `n` entries, and `n <= max <= capacity`.
        unsafe { events.set_len(n as usize) };
        if trace::COMPILED && trace::enabled(Layer::Selector) {
            for ev in events.iter() {
                crate::trace!(
                    Layer::Selector,
                    "Poll::poll ← {:?}",
                    event::DebugDetails(ev)
                );
            }
        }
        Ok(())
    }

    /// Registers `fd`, after making sure it is not registered already.
    ///
    /// Cost: two kevent calls where epoll needs one. `EV_ADD` on an existing knote silently
    /// updates it, so a first call probes both filters (`ENOENT` for each means "not
    /// registered"); only then are the filters added. The probe cannot share the add's call:
    /// changes are applied in order whatever their receipts say, so the add would already have
    /// rewritten a registration the probe found.
    ///
    /// On misuse the probe itself touches the knote it finds: it may cause one spurious event,
    /// and outside FreeBSD (which has `EV_KEEPUDATA`) it stores this call's token in it,
    /// because no kqueue operation other than a full scan reads a knote without writing it.
    /// The error is still reported, and the interests of the existing registration are kept.
    pub(crate) fn register(&self, fd: RawFd, token: Token, interests: Interest) -> io::Result<()> {
        crate::trace!(
            Layer::Selector,
            "Registry::register: fd={fd}, token={}, {interests:?}",
            token.0
        );
        let mut probe = Batch::new();
        for filter in FILTERS {
            probe.push(Role::Probe, fd, filter, token);
        }
        self.probe(probe.changes())?;
        let seen = probe.outcome();
        if let Some(errno) = seen.error {
            return Err(io::Error::from_raw_os_error(errno));
        }
        if seen.found {
            return Err(already_registered(fd));
        }

        let mut add = Batch::new();
        for filter in FILTERS {
            if wants(interests, filter) {
                add.push(Role::Add, fd, filter, token);
            }
        }
        self.apply(add.changes())?;
        if let Some(errno) = add.outcome().error {
            // The fd was not registered before, so undo the filters that did get added: a
            // failed register must leave nothing behind for the next one to trip over.
            self.undo_adds(&add);
            return Err(io::Error::from_raw_os_error(errno));
        }
        Ok(())
    }

    /// Replaces the token and interests of a registered `fd`.
    ///
    /// One kevent call, as with epoll: for each filter, a probe followed by an `EV_ADD` if the
    /// filter is wanted, or an `EV_DELETE` if it is not. The probe and delete receipts say
    /// whether any filter existed before this call; if none did, the fd was not registered, so
    /// the filters just added are deleted again (a second call, on the misuse path only) and
    /// the result is `NotFound`. The alternative — probing in a call of its own first — would
    /// cost every correct `reregister` a second syscall to save the incorrect ones one.
    pub(crate) fn reregister(
        &self,
        fd: RawFd,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        crate::trace!(
            Layer::Selector,
            "Registry::reregister: fd={fd}, token={}, {interests:?}",
            token.0
        );
        let mut batch = Batch::new();
        for filter in FILTERS {
            if wants(interests, filter) {
                batch.push(Role::Probe, fd, filter, token);
                batch.push(Role::Add, fd, filter, token);
            } else {
                batch.push(Role::Delete, fd, filter, token);
            }
        }
        self.apply(batch.changes())?;
        let outcome = batch.outcome();
        if !outcome.found {
            self.undo_adds(&batch);
        }
        if let Some(errno) = outcome.error {
            return Err(io::Error::from_raw_os_error(errno));
        }
        if !outcome.found {
            return Err(not_registered(fd));
        }
        Ok(())
    }

    /// Deletes both filters of `fd`; `NotFound` only if neither existed.
    pub(crate) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        crate::trace!(Layer::Selector, "Registry::deregister: fd={fd}");
        let mut batch = Batch::new();
        for filter in FILTERS {
            batch.push(Role::Delete, fd, filter, Token(0));
        }
        self.apply(batch.changes())?;
        let outcome = batch.outcome();
        if let Some(errno) = outcome.error {
            return Err(io::Error::from_raw_os_error(errno));
        }
        if !outcome.found {
            return Err(not_registered(fd));
        }
        Ok(())
    }

    /// Submits `changes` (each with `EV_RECEIPT`) and leaves each one's receipt in its slot.
    ///
    /// `EINTR` counts as success: it can only come from the wait for events, which kevent
    /// starts after every change has been applied ("all changes in the changelist have been
    /// applied", kqueue(2) on FreeBSD); the receipts are then written as successes. (A call
    /// whose changes all carry `EV_RECEIPT` does not wait in practice, so this is defence.)
    pub(crate) fn apply(&self, changes: &mut [libc::kevent]) -> io::Result<()> {
        match self.submit(changes) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                for change in changes {
                    change.flags |= libc::EV_ERROR;
                    change.data = 0;
                }
                Ok(())
            }
            res => res,
        }
    }

    /// Like `apply`, for probes: their receipts are the answer, so an `EINTR` (which leaves no
    /// receipts) asks again. Running a probe twice changes nothing more than running it once.
    fn probe(&self, changes: &mut [libc::kevent]) -> io::Result<()> {
        loop {
            match self.submit(changes) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => return res,
            }
        }
    }

    fn submit(&self, changes: &mut [libc::kevent]) -> io::Result<()> {
        let len = count(changes.len());
        let list = changes.as_mut_ptr();
        let zero = timespec(Duration::ZERO);
        // SAFETY: `list` is valid for reads and writes of `changes.len()` kevents. It is both
        // the changelist and the event list, as kqueue(2) permits: the kernel reads change i
        // before it writes receipt i, and writes receipts in order, one per change. A zero
        // timeout means the call never blocks, even if a kernel did not honour EV_RECEIPT.
        let n = syscall!(
            kevent(self.kq.as_raw_fd(), list, len, list, len, &zero);
            "Selector::submit", "kq={}, {}", self.kq.as_raw_fd(), Kevents(changes)
        )?;
        let n = n as usize;
        if n != changes.len() || changes.iter().any(|c| c.flags & libc::EV_ERROR == 0) {
            return Err(io::Error::other(format!(
                "kevent returned {n} entries for {} changes instead of one EV_RECEIPT receipt each; this kernel does not support EV_RECEIPT",
                changes.len()
            )));
        }
        Ok(())
    }

    /// Deletes the filters `batch` added successfully; used when the whole operation failed.
    /// Its own receipts are ignored: the error being reported is the one that matters, and a
    /// filter that is already gone (`ENOENT`) is the state wanted.
    fn undo_adds(&self, batch: &Batch) {
        let mut undo = Batch::new();
        for (change, role) in batch.entries() {
            if role == Role::Add && verdict(role, change) == Verdict::Done {
                undo.push(Role::Delete, change.ident as RawFd, change.filter, Token(0));
            }
        }
        if undo.len > 0 {
            let _ = self.apply(undo.changes());
        }
    }
}

impl AsRawFd for Selector {
    fn as_raw_fd(&self) -> RawFd {
        self.kq.as_raw_fd()
    }
}

/// A new close-on-exec kqueue: atomically where the OS has `kqueue1`, else `kqueue` then
/// `FD_CLOEXEC` (a fork+exec on another thread in between could inherit it; kqueues are not
/// inherited by `fork` itself, only kept across `exec`).
#[cfg(target_os = "netbsd")]
fn new_kqueue() -> io::Result<OwnedFd> {
    // SAFETY: kqueue1 takes only flags.
    let fd = syscall!(
        kqueue1(libc::O_CLOEXEC);
        "Poll::new", "O_CLOEXEC"
    )?;
    // SAFETY: the call succeeded, so `fd` is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(not(target_os = "netbsd"))]
fn new_kqueue() -> io::Result<OwnedFd> {
    // SAFETY: kqueue takes no arguments.
    let fd = syscall!(
        kqueue();
        "Poll::new", ""
    )?;
    // SAFETY: the call succeeded, so `fd` is a fresh descriptor nobody else owns. Owning it
    // first closes it if the fcntl below fails.
    let kq = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: F_SETFD with an int flag argument on our live descriptor touches no memory.
    syscall!(
        fcntl(kq.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        "Poll::new", "kq={}, F_SETFD, FD_CLOEXEC", kq.as_raw_fd()
    )?;
    Ok(kq)
}

/// A kevent with the given fields and every other field zero: the one place a kevent is
/// built, so a field added by a newer libc or kernel is zero rather than forgotten.
pub(crate) fn change(
    ident: libc::uintptr_t,
    filter: Filter,
    flags: Flags,
    udata: usize,
) -> libc::kevent {
    // SAFETY: every field of `struct kevent` on the supported systems is an integer, an array
    // of integers (FreeBSD's `ext`) or `udata` (a raw pointer or an `intptr_t`), and the
    // all-zero bit pattern is a valid value of each (0, or the null pointer).
    let mut kev: libc::kevent = unsafe { std::mem::zeroed() };
    kev.ident = ident;
    kev.filter = filter;
    kev.flags = flags;
    // The token travels as an integer in the pointer-sized `udata`; it is never dereferenced.
    kev.udata = udata as _;
    kev
}

/// The kernel's answer in a receipt: 0 if the change was applied, else the errno it was
/// refused with.
pub(crate) fn receipt_errno(receipt: &libc::kevent) -> i32 {
    // `data` is an `intptr_t` or an `int64_t` depending on the OS; an errno fits either way.
    i32::try_from(receipt.data).unwrap_or(i32::MAX)
}

/// `n` as kevent's count type, saturating (a count is at most `c_int::MAX` by construction).
fn count(n: usize) -> Count {
    Count::try_from(n).unwrap_or(Count::MAX)
}

/// The relative timeout for kevent, clamped to `MAX_WAIT_SECS`.
fn timespec(t: Duration) -> libc::timespec {
    if t.as_secs() >= MAX_WAIT_SECS {
        return libc::timespec {
            tv_sec: MAX_WAIT_SECS as libc::time_t,
            tv_nsec: 0,
        };
    }
    libc::timespec {
        tv_sec: t.as_secs() as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    }
}

/// Whether `interests` asks for `filter` (one of `FILTERS`).
fn wants(interests: Interest, filter: Filter) -> bool {
    if filter == libc::EVFILT_READ {
        // No error filter exists: read events carry errors (EV_EOF with fflags = errno).
        interests.is_readable() || interests.is_error()
    } else {
        interests.is_writable()
    }
}

fn already_registered(fd: RawFd) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "fd {fd} is already registered with this Poll: use Registry::reregister to change its token or interests"
        ),
    )
}

fn not_registered(fd: RawFd) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("fd {fd} is not registered with this Poll: call Registry::register first"),
    )
}

/// What a change in a batch is for. Kept beside the change because the receipt that
/// replaces it no longer says (FreeBSD sets its `flags` to just `EV_ERROR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Probe,
    Add,
    Delete,
}

/// What one receipt means for its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// A probe or delete found the knote: the fd was registered (for this filter).
    Present,
    /// A probe or delete found no knote (`ENOENT`): expected for a filter never added.
    Absent,
    /// An add was applied.
    Done,
    /// The kernel refused the change with this errno.
    Failed(i32),
}

fn verdict(role: Role, receipt: &libc::kevent) -> Verdict {
    match (role, receipt_errno(receipt)) {
        (Role::Probe | Role::Delete, 0) => Verdict::Present,
        (Role::Probe | Role::Delete, libc::ENOENT) => Verdict::Absent,
        (Role::Add, 0) => Verdict::Done,
        // FreeBSD, DragonFly and older macOS (10.10 and 10.11 were seen doing it) refuse
        // EVFILT_WRITE on a pipe whose read end is closed with EPIPE, and attach no knote,
        // where epoll and current macOS register it and report it write-closed.
        // The pipe is dead either way: the next write fails at once with BrokenPipe, which is
        // all the write-closed event would have said, so registering such a pipe is not an
        // error. (The write filter is then absent; any read filter was still added.)
        (Role::Add, libc::EPIPE) if receipt.filter == libc::EVFILT_WRITE => Verdict::Done,
        (_, errno) => Verdict::Failed(errno),
    }
}

/// What a batch's receipts add up to.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// Some probe or delete found a knote: the fd was registered before this call.
    found: bool,
    /// The first errno the kernel refused a change with.
    error: Option<i32>,
}

/// Up to four changes for one fd, each with its role; fixed-size, so no allocation.
struct Batch {
    list: [libc::kevent; 4],
    roles: [Role; 4],
    len: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            list: [change(0, 0, 0, 0); 4],
            roles: [Role::Probe; 4],
            len: 0,
        }
    }

    fn push(&mut self, role: Role, fd: RawFd, filter: Filter, token: Token) {
        let flags = match role {
            Role::Probe => PROBE,
            Role::Add => ADD,
            Role::Delete => DELETE,
        };
        self.list[self.len] = change(fd as libc::uintptr_t, filter, flags, token.0);
        self.roles[self.len] = role;
        self.len += 1;
    }

    fn changes(&mut self) -> &mut [libc::kevent] {
        &mut self.list[..self.len]
    }

    fn entries(&self) -> impl Iterator<Item = (&libc::kevent, Role)> {
        self.list[..self.len].iter().zip(self.roles)
    }

    /// Reads the receipts (call after `apply`).
    fn outcome(&self) -> Outcome {
        let mut outcome = Outcome {
            found: false,
            error: None,
        };
        for (receipt, role) in self.entries() {
            match verdict(role, receipt) {
                Verdict::Present => outcome.found = true,
                Verdict::Failed(errno) => {
                    outcome.error.get_or_insert(errno);
                }
                Verdict::Absent | Verdict::Done => {}
            }
        }
        outcome
    }
}

pub(crate) mod event;

#[cfg(test)]
mod tests;
