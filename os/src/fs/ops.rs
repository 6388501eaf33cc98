//! The one-job path operations: each is a `std::fs` call run as a single pool job, its error
//! wrapped to name the path(s).

use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

use crate::fs::{pool, PathError};

/// Runs `op(path)` as one pool job; an error names `action` and `path`.
async fn on_path<T: Send + 'static>(
    action: &'static str,
    path: &Path,
    op: impl FnOnce(&Path) -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let path = path.to_owned();
    pool::run(move || op(&path).map_err(|e| PathError::wrap(e, action, &path))).await
}

/// Runs `op(from, to)` as one pool job; an error names `action` and both paths.
async fn on_paths<T: Send + 'static>(
    action: &'static str,
    from: &Path,
    to: &Path,
    op: impl FnOnce(&Path, &Path) -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let (from, to) = (from.to_owned(), to.to_owned());
    pool::run(move || op(&from, &to).map_err(|e| PathError::wrap_two(e, action, &from, Some(&to))))
        .await
}

/// Renames `from` to `to`, replacing `to` if it is a file (or an empty directory, when `from`
/// is a directory). Both must be on one file system.
///
/// # Errors
///
/// `NotFound`, `CrossesDevices`, `IsADirectory`, `DirectoryNotEmpty`, `PermissionDenied`, ...
/// naming both paths.
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    on_paths("rename", from.as_ref(), to.as_ref(), |a, b| {
        std::fs::rename(a, b)
    })
    .await
}

/// Creates `link`, a new name for the file `original` (`link(2)`).
///
/// # Errors
///
/// `NotFound` (no `original`), `AlreadyExists` (`link` exists), ... naming both paths
/// (`original`, then `link`).
pub async fn hard_link(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    on_paths("hard-link", original.as_ref(), link.as_ref(), |a, b| {
        std::fs::hard_link(a, b)
    })
    .await
}

/// Creates `link`, a symbolic link whose target is `original` (which need not exist).
///
/// # Errors
///
/// `AlreadyExists`, `NotFound` (missing parent of `link`), ... naming both paths.
#[cfg(unix)]
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    on_paths("symlink", original.as_ref(), link.as_ref(), |a, b| {
        std::os::unix::fs::symlink(a, b)
    })
    .await
}

/// The target a symbolic link points to, as stored (not resolved).
///
/// # Errors
///
/// `NotFound`, `InvalidInput` (not a symbolic link), ... naming the path.
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    on_path("read the link", path.as_ref(), |p| std::fs::read_link(p)).await
}

/// The absolute path with every symbolic link, `.` and `..` resolved.
///
/// # Errors
///
/// `NotFound` (the path or a component does not exist), ... naming the path.
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    on_path("canonicalize", path.as_ref(), |p| std::fs::canonicalize(p)).await
}

/// The metadata of `path`, following symbolic links (`stat`).
///
/// # Errors
///
/// `NotFound`, `PermissionDenied`, ... naming the path.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    on_path("get the metadata of", path.as_ref(), |p| {
        std::fs::metadata(p)
    })
    .await
}

/// The metadata of `path` itself, not following a final symbolic link (`lstat`).
///
/// # Errors
///
/// `NotFound`, `PermissionDenied`, ... naming the path.
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    on_path("get the metadata of", path.as_ref(), |p| {
        std::fs::symlink_metadata(p)
    })
    .await
}

/// Sets the permissions of `path` (`chmod`).
///
/// # Errors
///
/// `NotFound`, `PermissionDenied` (not the owner), `ReadOnlyFilesystem`, ... naming the path.
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    on_path("set the permissions of", path.as_ref(), move |p| {
        std::fs::set_permissions(p, perm)
    })
    .await
}

/// `Ok(true)` if `path` exists, `Ok(false)` if it (or a broken link's target) does not.
///
/// # Errors
///
/// When existence cannot be known, e.g. `PermissionDenied` on a parent directory, naming the
/// path.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    on_path("check the existence of", path.as_ref(), |p| p.try_exists()).await
}

/// Creates the directory `path`; its parent must exist.
///
/// # Errors
///
/// `AlreadyExists`, `NotFound` (missing parent), ... naming the path.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("create directory", path.as_ref(), |p| {
        std::fs::create_dir(p)
    })
    .await
}

/// Creates the directory `path` and any missing parents; succeeds if it already exists.
///
/// # Errors
///
/// `NotADirectory` (a component is a file), `PermissionDenied`, ... naming the path.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("create directory", path.as_ref(), |p| {
        std::fs::create_dir_all(p)
    })
    .await
}

/// Removes the empty directory `path`.
///
/// # Errors
///
/// `NotFound`, `DirectoryNotEmpty`, `NotADirectory`, ... naming the path.
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("remove directory", path.as_ref(), |p| {
        std::fs::remove_dir(p)
    })
    .await
}

/// Removes the directory `path` and everything in it, as one pool job (symbolic links inside
/// are removed, not followed).
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `PermissionDenied`, ... naming the path.
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("remove directory", path.as_ref(), |p| {
        std::fs::remove_dir_all(p)
    })
    .await
}

/// Removes the file (or symbolic link) `path`.
///
/// # Errors
///
/// `NotFound`, `IsADirectory`, `PermissionDenied`, ... naming the path.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    on_path("remove file", path.as_ref(), |p| std::fs::remove_file(p)).await
}
