//! What [`syscall!`](crate::syscall!) calls when tracing is compiled in: the clock read before
//! the call, and the report after it (budget count, trace line, Chrome slice).

use std::fmt::{self, Write as _};
use std::io;

use super::budget::Site;
use super::describe::Errno;
use super::state::{self, emit_bit, BUDGET, CHROME, SYSCALLS};
use super::{chrome, text, thread, Layer};

/// Before the call: the start time if anything wants this syscall reported, else `None`.
/// Dormant, this is one relaxed load.
#[doc(hidden)]
#[inline(always)]
pub fn __syscall_begin() -> Option<u64> {
    if state::test(SYSCALLS) {
        Some(state::now_ns())
    } else {
        None
    }
}

/// After the call: counts it, then emits its line and slice.
///
/// `outcome` is the return value or the errno, taken from the `io::Result` the macro already
/// built, so nothing here can disturb `errno` before it was read.
#[doc(hidden)]
pub fn __syscall_end(
    start_ns: u64,
    site: &'static Site,
    outcome: Result<i64, i32>,
    caller: Option<&'static str>,
    args: Option<fmt::Arguments<'_>>,
) {
    if state::test(BUDGET) {
        site.count();
    }
    if !state::test(emit_bit(Layer::Selector)) {
        return;
    }
    let end_ns = state::now_ns();
    thread::with_track(|track| {
        let line = describe(site.kind(), outcome, caller, args);
        text::emit(track, end_ns, Layer::Selector, &line);
        if state::test(CHROME) {
            chrome::syscall(track, start_ns, end_ns, site.kind(), line);
        }
    });
}

/// `Caller → kind(args) = result`, the result being the return value or the errno's name.
fn describe(
    kind: &str,
    outcome: Result<i64, i32>,
    caller: Option<&str>,
    args: Option<fmt::Arguments<'_>>,
) -> String {
    let mut line = String::with_capacity(96);
    if let Some(caller) = caller {
        let _ = write!(line, "{caller} → ");
    }
    let _ = match args {
        Some(args) => write!(line, "{kind}({args}) = "),
        None => write!(line, "{kind}(…) = "),
    };
    let _ = match outcome {
        Ok(value) => write!(line, "{value}"),
        Err(errno) => write!(line, "{}", Errno(errno)),
    };
    line
}

/// The return value or errno of a finished call, for the trace.
#[doc(hidden)]
pub fn __outcome<T: SyscallRet>(res: &io::Result<T>) -> Result<i64, i32> {
    match res {
        Ok(value) => Ok(value.to_i64()),
        Err(e) => Err(e.raw_os_error().unwrap_or(0)),
    }
}

/// The integer types libc functions return (`int`, `ssize_t`, `long`), widened for the trace.
#[doc(hidden)]
pub trait SyscallRet: Copy {
    /// The value as an `i64`, saturating (no libc return value comes near the limits).
    fn to_i64(self) -> i64;
}

impl SyscallRet for i32 {
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
}

impl SyscallRet for i64 {
    fn to_i64(self) -> i64 {
        self
    }
}

impl SyscallRet for isize {
    fn to_i64(self) -> i64 {
        i64::try_from(self).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shapes() {
        assert_eq!(
            describe(
                "epoll_ctl",
                Ok(0),
                Some("Registry::register"),
                Some(format_args!("ADD, fd={}", 7))
            ),
            "Registry::register → epoll_ctl(ADD, fd=7) = 0"
        );
        assert_eq!(
            describe(
                "connect",
                Err(libc::EINPROGRESS),
                Some("Socket::connect"),
                None
            ),
            "Socket::connect → connect(…) = EINPROGRESS"
        );
        assert_eq!(describe("getpid", Ok(42), None, None), "getpid(…) = 42");
        assert_eq!(describe("x", Err(-3), None, None), "x(…) = errno -3");
    }

    #[test]
    fn outcome_keeps_the_errno() {
        let err: io::Result<i32> = Err(io::Error::from_raw_os_error(libc::EAGAIN));
        assert_eq!(__outcome(&err), Err(libc::EAGAIN));
        assert_eq!(__outcome(&Ok(5isize)), Ok(5));
    }
}
