//! [`PathError`]: the error behind every failed path operation, naming the operation and the
//! path(s) it was given.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What failed, on which path(s), and the operating system's own error.
///
/// Every `corium::fs` function that takes a path returns, on failure, an [`io::Error`] that
///
/// * keeps the OS error's [`kind`](io::Error::kind) (`NotFound`, `PermissionDenied`,
///   `AlreadyExists`, `IsADirectory`, ...), so `match err.kind()` works as with `tokio::fs`;
/// * displays as ``failed to open `/etc/app.toml`: No such file or directory (os error 2)``,
///   so a log line says which file it was — `tokio::fs` (and `std::fs`) print only the
///   second half;
/// * carries this `PathError` as its [inner error](io::Error::get_ref), which holds the
///   original OS error unchanged.
///
/// **Differs from tokio:** an `io::Error` can hold either a raw OS code or a custom payload,
/// not both, so [`io::Error::raw_os_error`] on the returned error is `None`. Code that matches
/// on errno numbers reads it through [`PathError::raw_os_error_of`] (which also accepts an
/// unwrapped error), or through [`PathError::os_error`]:
///
/// ```
/// # corium_executor::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use corium_os::fs::{self, PathError};
/// use std::io::ErrorKind;
///
/// let err = fs::read("/definitely/not/here").await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert!(err.to_string().starts_with("failed to read `/definitely/not/here`: "));
/// assert_eq!(PathError::raw_os_error_of(&err), Some(libc::ENOENT));
/// let path_error = PathError::of(&err).unwrap();
/// assert_eq!(path_error.path(), std::path::Path::new("/definitely/not/here"));
/// # });
/// ```
///
/// Operations on an open [`File`](super::File) (read, write, flush, seek, `sync_all`, ...)
/// return the OS error itself, unwrapped: the handle has no path, and hot loops may match on
/// `raw_os_error` directly.
#[derive(Debug)]
pub struct PathError {
    action: &'static str,
    path: PathBuf,
    to: Option<PathBuf>,
    source: io::Error,
}

impl PathError {
    /// Wraps `source` for `action` ("open", "read", ...) on `path`, keeping its kind.
    pub(crate) fn wrap(source: io::Error, action: &'static str, path: &Path) -> io::Error {
        Self::wrap_two(source, action, path, None)
    }

    /// As [`wrap`](Self::wrap), for operations with a second path (`copy a to b`).
    pub(crate) fn wrap_two(
        source: io::Error,
        action: &'static str,
        path: &Path,
        to: Option<&Path>,
    ) -> io::Error {
        let kind = source.kind();
        io::Error::new(
            kind,
            PathError {
                action,
                path: path.to_owned(),
                to: to.map(Path::to_owned),
                source,
            },
        )
    }

    /// The `PathError` inside `err`, if `err` came from a `corium::fs` path operation.
    pub fn of(err: &io::Error) -> Option<&PathError> {
        err.get_ref()?.downcast_ref::<PathError>()
    }

    /// The OS error number of `err`, whether or not it is wrapped in a `PathError`.
    pub fn raw_os_error_of(err: &io::Error) -> Option<i32> {
        match PathError::of(err) {
            Some(path_error) => path_error.source.raw_os_error(),
            None => err.raw_os_error(),
        }
    }

    /// The operation, as the message words it: `"open"`, `"remove directory"`, ...
    pub fn action(&self) -> &str {
        self.action
    }

    /// The path the operation was given (the source, for two-path operations).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The second path of `copy`, `rename`, `hard_link` and `symlink`.
    pub fn to(&self) -> Option<&Path> {
        self.to.as_deref()
    }

    /// The operating system's error, unchanged (its `raw_os_error` is intact).
    pub fn os_error(&self) -> &io::Error {
        &self.source
    }

    /// The OS error number, as [`io::Error::raw_os_error`] of the unwrapped error.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.source.raw_os_error()
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed to {} `{}`", self.action, self.path.display())?;
        if let Some(to) = &self.to {
            write!(f, " to `{}`", to.display())?;
        }
        write!(f, ": {}", self.source)
    }
}

impl Error for PathError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_kind_and_errno_and_names_both_paths() {
        let os = io::Error::from_raw_os_error(libc::EEXIST);
        let err = PathError::wrap_two(os, "copy", Path::new("a"), Some(Path::new("b")));
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            err.raw_os_error(),
            None,
            "documented: the raw code moves inside"
        );
        assert_eq!(PathError::raw_os_error_of(&err), Some(libc::EEXIST));
        assert!(
            err.to_string().starts_with("failed to copy `a` to `b`: "),
            "{err}"
        );
        let inner = PathError::of(&err).unwrap();
        assert_eq!((inner.action(), inner.to()), ("copy", Some(Path::new("b"))));
        assert!(inner.source().is_some());
    }

    #[test]
    fn unwrapped_errors_pass_through() {
        let os = io::Error::from_raw_os_error(libc::ENOENT);
        assert!(PathError::of(&os).is_none());
        assert_eq!(PathError::raw_os_error_of(&os), Some(libc::ENOENT));
    }
}
