//! Whole-file operations: [`read`], [`read_to_string`], [`write`], [`copy`].
//!
//! Each reads or copies a whole file in **one** pool job (open, size, read or copy, close):
//! the bytes cross from the pool to the caller once, as the `Vec` the job filled. `copy`
//! moves the data inside the kernel (`copy_file_range`), never through user space. `write`
//! of a large slice streams it through a [`File`] instead of copying it whole first, because
//! the slice is borrowed: tokio's `fs::write` makes one owned copy of all of it (for 1 GiB,
//! a gigabyte of fresh pages to fault in) before the first byte reaches the file.

use std::fs::File as StdFile;
use std::io::{self, Read};
use std::path::Path;

use corium_net::io::AsyncWriteExt;

use crate::fs::{pool, sys, File, PathError};

/// Contents up to this size are copied and written in one job; larger ones are streamed in
/// 256 KiB pieces (the `File` write queue), overlapping the copying with the writing.
const WRITE_IN_ONE_JOB: usize = 2 * 1024 * 1024;

/// The whole contents of the file at `path`, read in one pool job.
///
/// # Errors
///
/// `NotFound`, `PermissionDenied`, `IsADirectory`, `OutOfMemory` (the file's size cannot be
/// allocated), ..., naming the path.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    pool::run(move || read_blocking(&path).map_err(|e| PathError::wrap(e, "read", &path))).await
}

fn read_blocking(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = StdFile::open(path)?;
    // The size is a hint: the file may change while we read, and `/proc` files report 0.
    let size = file.metadata().map_or(0, |m| m.len());
    let mut buf = Vec::new();
    buf.try_reserve_exact(usize::try_from(size).unwrap_or(usize::MAX))
        .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
    // Reads into the reserved capacity without zeroing it first. This is `std::fs::read`'s
    // work, the floor: huge pages, pre-faulting, or two threads reading halves measured no
    // faster on 1 GiB (guide chapter `fs_files`, "Where the kernel sets the floor").
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

/// The whole contents of the file at `path` as a `String`, read in one pool job.
///
/// # Errors
///
/// As [`read`]; `InvalidData` if the contents are not UTF-8, naming the path.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    pool::run(move || {
        read_blocking(&path)
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            })
            .map_err(|e| PathError::wrap(e, "read", &path))
    })
    .await
}

/// Writes `contents` to `path`, creating the file or truncating it first.
///
/// Up to 2 MiB, one pool job does it all. Larger contents go through a [`File`] in 256 KiB
/// pieces, so the caller copies one piece while the pool writes the previous one and no
/// copy of the whole slice is made (tokio copies it all up front).
///
/// # Errors
///
/// `NotFound` (missing parent), `PermissionDenied`, `IsADirectory`, `StorageFull`, ...,
/// naming the path.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref();
    if contents.len() <= WRITE_IN_ONE_JOB {
        let contents = contents.to_vec();
        return pool::run(move || {
            std::fs::write(&path, contents).map_err(|e| PathError::wrap(e, "write", &path))
        })
        .await;
    }
    let mut file = File::create(&path).await?;
    let written = async {
        file.write_all(contents).await?;
        file.flush().await
    };
    written
        .await
        .map_err(|e| PathError::wrap(e, "write", &path))
}

/// Copies the contents of the file `from` to `to` (created, or truncated), and `from`'s
/// permission bits; returns the bytes copied. One pool job; on Linux the data is moved by
/// `copy_file_range` inside the kernel.
///
/// # Errors
///
/// `NotFound`, `PermissionDenied`, `InvalidInput` (`from` is not a regular file), ...,
/// naming both paths.
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    pool::run(move || {
        copy_blocking(&from, &to).map_err(|e| PathError::wrap_two(e, "copy", &from, Some(&to)))
    })
    .await
}

fn copy_blocking(from: &Path, to: &Path) -> io::Result<u64> {
    let src = StdFile::open(from)?;
    let meta = src.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the source is not a regular file",
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(
        &mut options,
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()),
    );
    let dst = options.open(to)?;
    // An existing `to` keeps its old mode through `open`, and a new one had the umask
    // applied: set the source's bits explicitly, as `std::fs::copy` does.
    if dst.metadata()?.is_file() {
        dst.set_permissions(meta.permissions())?;
    }
    // One `copy_file_range` loop, as `std::fs::copy`: two threads copying two ranges measured
    // slower (the guide chapter `fs_files` has the figures).
    sys::copy_contents(&src, &dst)
}
