//! errno values by name, so a trace line says `EINPROGRESS` rather than `115` (which is 36 on
//! macOS): the numbers differ by OS, so the table is built from libc's constants.

/// The errnos corium's syscalls meet, in lookup order. Where two names share a value on some
/// OS (`EAGAIN`/`EWOULDBLOCK`, `EOPNOTSUPP`/`ENOTSUP` on Linux) the first one listed is shown.
const NAMES: &[(i32, &str)] = &[
    (libc::EAGAIN, "EAGAIN"),
    (libc::EWOULDBLOCK, "EWOULDBLOCK"),
    (libc::EINPROGRESS, "EINPROGRESS"),
    (libc::EINTR, "EINTR"),
    (libc::ENOENT, "ENOENT"),
    (libc::EEXIST, "EEXIST"),
    (libc::EBADF, "EBADF"),
    (libc::EINVAL, "EINVAL"),
    (libc::EPERM, "EPERM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::EIO, "EIO"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::ENOBUFS, "ENOBUFS"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::EMFILE, "EMFILE"),
    (libc::ENFILE, "ENFILE"),
    (libc::ENOSYS, "ENOSYS"),
    (libc::EPIPE, "EPIPE"),
    (libc::ECONNREFUSED, "ECONNREFUSED"),
    (libc::ECONNRESET, "ECONNRESET"),
    (libc::ECONNABORTED, "ECONNABORTED"),
    (libc::ENOTCONN, "ENOTCONN"),
    (libc::EISCONN, "EISCONN"),
    (libc::EALREADY, "EALREADY"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::EADDRINUSE, "EADDRINUSE"),
    (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
    (libc::EAFNOSUPPORT, "EAFNOSUPPORT"),
    (libc::EPROTONOSUPPORT, "EPROTONOSUPPORT"),
    (libc::EPROTOTYPE, "EPROTOTYPE"),
    (libc::ENOPROTOOPT, "ENOPROTOOPT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
    (libc::ENOTSUP, "ENOTSUP"),
    (libc::ENOTSOCK, "ENOTSOCK"),
    (libc::EDESTADDRREQ, "EDESTADDRREQ"),
    (libc::EMSGSIZE, "EMSGSIZE"),
    (libc::ENETDOWN, "ENETDOWN"),
    (libc::ENETUNREACH, "ENETUNREACH"),
    (libc::EHOSTUNREACH, "EHOSTUNREACH"),
    (libc::ESHUTDOWN, "ESHUTDOWN"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EISDIR, "EISDIR"),
    (libc::ENXIO, "ENXIO"),
    (libc::ERANGE, "ERANGE"),
    (libc::EOVERFLOW, "EOVERFLOW"),
    (libc::ESRCH, "ESRCH"),
];

/// The symbolic name of `errno` (`EAGAIN`, `EINPROGRESS`, `ENOENT`, …), or `None` for one the
/// table does not hold. Available with or without the `trace` feature.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::trace::errno_name;
///
/// assert_eq!(errno_name(libc::EINPROGRESS), Some("EINPROGRESS"));
/// assert_eq!(errno_name(libc::EWOULDBLOCK), Some("EAGAIN")); // the same value, first name
/// assert_eq!(errno_name(-5), None);
/// ```
pub fn errno_name(errno: i32) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|&&(value, _)| value == errno)
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_platform_values() {
        assert_eq!(errno_name(libc::EAGAIN), Some("EAGAIN"));
        assert_eq!(errno_name(libc::ENOENT), Some("ENOENT"));
        assert_eq!(errno_name(libc::ECONNREFUSED), Some("ECONNREFUSED"));
        assert_eq!(errno_name(0), None);
        // The name shown for a value is the one the kernel's io::Error agrees with.
        let err = std::io::Error::from_raw_os_error(libc::EPIPE);
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        assert_eq!(errno_name(libc::EPIPE), Some("EPIPE"));
    }

    #[test]
    fn every_entry_is_reachable_or_an_alias() {
        // A later entry may only be shadowed by an earlier one with the same value (an alias);
        // a name listed twice would be a mistake.
        for (i, &(value, name)) in NAMES.iter().enumerate() {
            assert!(
                !NAMES[..i].iter().any(|&(_, n)| n == name),
                "{name} listed twice"
            );
            let shown = errno_name(value).unwrap();
            assert!(shown == name || NAMES[..i].iter().any(|&(v, n)| v == value && n == shown));
        }
    }
}
