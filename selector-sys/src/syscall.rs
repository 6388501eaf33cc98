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
//! 3. gives the trace layer a single place to observe every syscall: with the `trace`
//!    feature it counts the call for the [budget](crate::trace::budget) and reports it as a
//!    line and a Chrome slice (see [`trace`](mod@crate::trace)); without it, the expansion is the
//!    bare call.

/// Calls a libc function and converts a `-1` return into `Err(io::Error::last_os_error())`.
///
/// `syscall!(fn_name(arg1, arg2, ...))` expands to an `io::Result` holding the function's
/// return value. The call is `unsafe`; put a `// SAFETY:` comment above the invocation proving
/// that the arguments meet the function's contract (valid fds, valid pointers and lengths).
///
/// # Tracing
///
/// With the `trace` feature every call is counted by kind for the
/// [syscall budget](crate::trace::budget) and, when the selector layer is traced, reported as
/// a line (`epoll_wait(…) = 2`, errors by errno name) and a Chrome slice. An optional clause
/// after a `;` names the corium function responsible and describes the arguments, in
/// [`format!`] syntax; it is evaluated *after* the call (so it may show what the call wrote)
/// and only when the line is recorded — never without the feature:
///
/// ```text
/// syscall!(epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev); "Registry::register", "ADD, fd={fd}, token={}", token.0)
///   → [selector] Registry::register → epoll_ctl(ADD, fd=7, token=3) = 0
/// ```
///
/// `syscall!(f(…) as name; …)` reports the call under another kind, for calls made through
/// the generic `syscall(2)` (`syscall(SYS_epoll_pwait2, …) as epoll_pwait2`).
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
/// let err = syscall!(close(-1); "example", "fd={}", -1).unwrap_err();
/// assert_eq!(err.raw_os_error(), Some(libc::EBADF));
/// ```
#[macro_export]
macro_rules! syscall {
    (@call $fn:ident ( $($arg:expr),* ), $kind:expr, $caller:expr, $describe:expr) => {{
        let start = $crate::__syscall_trace!(begin);
        #[allow(
            unused_unsafe,
            clippy::undocumented_unsafe_blocks,
            clippy::macro_metavars_in_unsafe
        )]
        // SAFETY: proved by the caller's `// SAFETY:` comment above the invocation, which
        // covers the call *and* its argument expressions (hence evaluated inside the block).
        let res = unsafe { $crate::__libc::$fn($($arg),*) };
        // errno is read here, first thing after the call, before tracing makes calls of its own.
        let res = if res == -1 {
            ::std::result::Result::Err(::std::io::Error::last_os_error())
        } else {
            ::std::result::Result::Ok(res)
        };
        $crate::__syscall_trace!(end start, res, $kind, $caller, $describe);
        res
    }};
    ($fn:ident ( $($arg:expr),* $(,)? ) $(as $kind:ident)?) => {
        $crate::syscall!(
            @call $fn($($arg),*),
            $crate::__syscall_kind!($fn $($kind)?),
            ::std::option::Option::<&'static str>::None,
            ::std::option::Option::<::std::fmt::Arguments<'_>>::None
        )
    };
    ($fn:ident ( $($arg:expr),* $(,)? ) $(as $kind:ident)? ; $caller:literal $(,)?) => {
        $crate::syscall!(
            @call $fn($($arg),*),
            $crate::__syscall_kind!($fn $($kind)?),
            ::std::option::Option::Some($caller),
            ::std::option::Option::<::std::fmt::Arguments<'_>>::None
        )
    };
    ($fn:ident ( $($arg:expr),* $(,)? ) $(as $kind:ident)? ; $caller:literal, $($describe:tt)+) => {
        $crate::syscall!(
            @call $fn($($arg),*),
            $crate::__syscall_kind!($fn $($kind)?),
            ::std::option::Option::Some($caller),
            ::std::option::Option::Some(::std::format_args!($($describe)+))
        )
    };
}

/// The kind a call is counted and reported under: its function's name, or the `as` name.
#[doc(hidden)]
#[macro_export]
macro_rules! __syscall_kind {
    ($fn:ident) => {
        ::std::stringify!($fn)
    };
    ($fn:ident $kind:ident) => {
        ::std::stringify!($kind)
    };
}

/// The trace half of `syscall!`, with the `trace` feature: read the clock before the call if
/// anything is on; after it, count the call in this call site's own static counter and report.
/// (Defined twice, by this crate's feature, because a `#[cfg]` inside a macro's expansion
/// would test the feature of the crate that *uses* the macro.)
#[cfg(feature = "trace")]
#[doc(hidden)]
#[macro_export]
macro_rules! __syscall_trace {
    (begin) => {
        $crate::trace::__syscall_begin()
    };
    (end $start:ident, $res:ident, $kind:expr, $caller:expr, $describe:expr) => {
        if let ::std::option::Option::Some(start) = $start {
            static SITE: $crate::trace::__Site = $crate::trace::__Site::new($kind);
            $crate::trace::__syscall_end(
                start,
                &SITE,
                $crate::trace::__outcome(&$res),
                $caller,
                $describe,
            );
        }
    };
}

/// The trace half of `syscall!`, without the `trace` feature: nothing runs. The clause is
/// kept in a constant-false branch only so that it is still type-checked (and its variables
/// count as used); it is never evaluated.
#[cfg(not(feature = "trace"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __syscall_trace {
    (begin) => {
        ()
    };
    (end $start:ident, $res:ident, $kind:expr, $caller:expr, $describe:expr) => {
        let () = $start;
        if false {
            let _ = (&$res, $kind, $caller, $describe);
        }
    };
}
