//! The one door to the kernel.
//!
//! Every raw libc call in corium goes through [`syscall!`](crate::syscall!). The macro does three
//! things, always the same way, so no call site can get them wrong:
//!
//! 1. runs the call inside an `unsafe` block (the caller's `// SAFETY:` comment, written above
//!    the macro invocation, proves the arguments are valid);
//! 2. turns the C convention "returns -1 and sets `errno`" into `io::Result`, keeping the errno
//!    as the error's raw OS code (`io::Error::last_os_error`), so `ErrorKind` and the message
//!    both name the real cause;
//! 3. gives the trace layer a single place to observe every syscall.

/// Calls a libc function and converts a `-1` return into `Err(io::Error::last_os_error())`.
///
/// `syscall!(fn_name(arg1, arg2, ...))` expands to an `io::Result` holding the function's
/// return value. The call is `unsafe`; put a `// SAFETY:` comment above the invocation proving
/// that the arguments meet the function's contract (valid fds, valid pointers and lengths).
///
/// # Examples
///
/// ```
/// use corium_selector_sys::syscall;
///
/// // SAFETY: getpid has no preconditions.
/// let pid = syscall!(getpid()).unwrap();
/// assert!(pid > 0);
///
/// // A bad fd keeps its errno: EBADF.
/// // SAFETY: close with any integer is memory-safe; -1 is simply rejected by the kernel.
/// let err = syscall!(close(-1)).unwrap_err();
/// assert_eq!(err.raw_os_error(), Some(libc::EBADF));
/// ```
#[macro_export]
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        // The caller's `// SAFETY:` comment above the invocation covers the call *and* its
        // argument expressions, which is why they may be evaluated inside the block.
        #[allow(
            unused_unsafe,
            clippy::undocumented_unsafe_blocks,
            clippy::macro_metavars_in_unsafe
        )]
        let res = unsafe { $crate::__libc::$fn($($arg),*) };
        if res == -1 {
            ::std::result::Result::Err(::std::io::Error::last_os_error())
        } else {
            ::std::result::Result::Ok(res)
        }
    }};
}
