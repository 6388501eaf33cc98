//! CPU accounting: the server's share of the process's CPU time, and the fd limit.

use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cpu {
    pub(crate) user: Duration,
    pub(crate) sys: Duration,
}

impl Cpu {
    pub(crate) fn minus(self, earlier: Cpu) -> Cpu {
        Cpu {
            user: self.user.saturating_sub(earlier.user),
            sys: self.sys.saturating_sub(earlier.sys),
        }
    }
}

/// CPU used so far by the whole process (`thread == false`) or the calling thread.
#[cfg(target_os = "linux")]
pub(crate) fn cpu_used(thread: bool) -> Option<Cpu> {
    let who = if thread {
        libc::RUSAGE_THREAD
    } else {
        libc::RUSAGE_SELF
    };
    // SAFETY: all-zero bytes are a valid `rusage` (integers and timevals only).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable `rusage` that outlives the call, and `who` is one of
    // the two constants getrusage accepts on Linux.
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return None;
    }
    let time = |tv: libc::timeval| {
        Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
    };
    Some(Cpu {
        user: time(usage.ru_utime),
        sys: time(usage.ru_stime),
    })
}

/// Without a per-thread figure the client cannot be subtracted: no CPU column.
#[cfg(not(target_os = "linux"))]
pub(crate) fn cpu_used(_thread: bool) -> Option<Cpu> {
    None
}

/// Lets the matrix open ~4,000 sockets at once even where the soft limit is 1,024.
pub(crate) fn raise_fd_limit() {
    // SAFETY: all-zero bytes are a valid `rlimit` (two integers).
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is a live, writable `rlimit` for the duration of the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    let wanted = limit.rlim_max.min(16_384);
    if limit.rlim_cur < wanted {
        limit.rlim_cur = wanted;
        // SAFETY: `limit` is a valid `rlimit` read above with only the soft limit raised, and
        // never above the hard limit; a failure just leaves the old limit.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    }
}
