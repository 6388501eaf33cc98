//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool.

mod io;
mod state;

use std::fmt;
use std::fs::{File as StdFile, Metadata, Permissions};
use std::future::poll_fn;
use std::io as stdio;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::task::{ready, Poll};

use self::state::{Job, Shared};
use crate::fs::{pool, OpenOptions};

/// An open file, for use from async code: tokio's `tokio::fs::File`.
///
/// Regular files cannot be waited on with epoll (see the [module docs](crate::fs)), so every
/// operation runs as a job on the runtime's blocking pool, one job at a time per file. It
/// implements [`AsyncRead`](corium_net::io::AsyncRead),
/// [`AsyncWrite`](corium_net::io::AsyncWrite) and [`AsyncSeek`](corium_net::io::AsyncSeek),
/// so the `*Ext` methods (`read_to_end`, `write_all`, `seek`, ...) work on it.
///
/// # Writes are reported before they reach the file
///
/// `write` copies the bytes (up to 256 KiB, or [`set_max_buf_size`](File::set_max_buf_size)
/// if smaller) and returns at once; the pool writes them in the background. A failure of that
/// write is returned by the *next* `write`, `flush`, `shutdown`, `sync_all` or `sync_data`.
/// **Call `flush` (or `sync_all`) before dropping a `File`** whose writes must be known to
/// have succeeded. Reads, seeks and the `&self` methods wait for queued writes first, so they
/// see the written data.
///
/// Dropping a `File` with writes still queued does not lose them: the pool job owns the
/// bytes and the descriptor, finishes the writes, then closes the file.
///
/// # Differences from tokio
///
/// * Reads fetch more than asked once a file is read sequentially (chunks of 64 KiB, doubling
///   to the max buffer size). The file's OS position then runs ahead of the caller's; a
///   write, seek, `set_len`, `into_std` or `try_into_std` moves it back first. A descriptor
///   shared with another process (or a [`try_clone`](File::try_clone)) sees the OS position.
/// * While one write job runs, further writes are queued behind it (up to 256 KiB) instead of
///   waiting for it; the job keeps writing until the queue stays empty. One `write` copies at
///   most 256 KiB where tokio copies up to the max buffer size: two such buffers fit a core's
///   cache, which halves the CPU time of a long write (see the fs bench).
/// * `metadata`, `set_len`, `set_permissions`, `try_clone`, `sync_*` wait for queued writes,
///   so `metadata().len()` counts them; `sync_all`/`sync_data` return a queued write's error.
/// * Errors of an open file's operations are the OS errors, unwrapped; errors of the
///   path-taking constructors name the path (see [`PathError`](crate::fs::PathError)).
pub struct File {
    std: Arc<StdFile>,
    shared: Arc<Shared>,
}

impl File {
    /// Opens `path` read-only (`OpenOptions::new().read(true)`).
    ///
    /// # Errors
    ///
    /// `NotFound`, `PermissionDenied`, ... wrapped in a [`PathError`](crate::fs::PathError)
    /// naming the path.
    pub async fn open(path: impl AsRef<Path>) -> stdio::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens `path` write-only, creating it or truncating it (like `std::fs::File::create`).
    ///
    /// # Errors
    ///
    /// As [`open`](File::open); `IsADirectory` for a directory.
    pub async fn create(path: impl AsRef<Path>) -> stdio::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates `path` for reading and writing; fails with `AlreadyExists` if it exists.
    ///
    /// # Errors
    ///
    /// `AlreadyExists`, or as [`open`](File::open).
    pub async fn create_new(path: impl AsRef<Path>) -> stdio::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// A blank [`OpenOptions`], the same as `OpenOptions::new()`.
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open `std::fs::File`. Needs no runtime until the first operation.
    pub fn from_std(std: StdFile) -> File {
        File {
            std: Arc::new(std),
            shared: Shared::new(),
        }
    }

    /// Waits for every queued operation, moves the OS position back over any read-ahead, and
    /// returns the `std::fs::File`. A queued write's error is dropped; `flush` first to see it.
    pub async fn into_std(self) -> StdFile {
        // A lost job leaves the file idle too; the handle is returned either way.
        let _ = poll_fn(|cx| self.shared.lock().poll_idle(cx)).await;
        self.try_into_std()
            .expect("idle, and the jobs drop their handle on the file before they finish")
    }

    /// The `std::fs::File`, if no operation is in flight (else `Err(self)`). Read-ahead is
    /// undone with one `lseek` on the calling thread (it never waits for the disk).
    ///
    /// # Errors
    ///
    /// `self`, unchanged, while a job is queued or running.
    pub fn try_into_std(self) -> Result<StdFile, File> {
        let rewind = {
            let mut st = self.shared.lock();
            if st.busy.is_some() {
                drop(st);
                return Err(self);
            }
            st.take_unread()
        };
        if rewind != 0 {
            // Best effort: the handle is returned either way, and a file whose position
            // cannot move (a pipe opened as a File) had no position to restore.
            let _ = (&*self.std).seek(SeekFrom::Current(-rewind));
        }
        Arc::try_unwrap(self.std).map_err(|std| File {
            std,
            shared: self.shared,
        })
    }

    /// Flushes data and metadata to the device (`fsync`), after the queued writes.
    ///
    /// # Errors
    ///
    /// A queued write's error, else `fsync`'s.
    pub async fn sync_all(&self) -> stdio::Result<()> {
        self.exclusive(true, false, |f| f.sync_all()).await
    }

    /// Flushes data, and only the metadata needed to read it back (`fdatasync`).
    ///
    /// # Errors
    ///
    /// A queued write's error, else `fdatasync`'s.
    pub async fn sync_data(&self) -> stdio::Result<()> {
        self.exclusive(true, false, |f| f.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes. The position is unchanged.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a file not opened for writing, or the OS error.
    pub async fn set_len(&self, size: u64) -> stdio::Result<()> {
        self.exclusive(false, true, move |f| f.set_len(size)).await
    }

    /// The file's metadata (`fstat`), counting queued writes.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub async fn metadata(&self) -> stdio::Result<Metadata> {
        self.exclusive(false, false, |f| f.metadata()).await
    }

    /// A new `File` on a duplicate descriptor (`dup`), sharing the OS position.
    ///
    /// # Errors
    ///
    /// The OS error (e.g. `EMFILE`).
    pub async fn try_clone(&self) -> stdio::Result<File> {
        let std = self.exclusive(false, false, |f| f.try_clone()).await?;
        Ok(File::from_std(std))
    }

    /// Changes the file's permissions (`fchmod`).
    ///
    /// # Errors
    ///
    /// The OS error.
    pub async fn set_permissions(&self, perm: Permissions) -> stdio::Result<()> {
        self.exclusive(false, false, move |f| f.set_permissions(perm))
            .await
    }

    /// Sets the largest buffer one job reads (2 MiB by default, as in tokio) or writes (256
    /// KiB at most whatever this says); a value of 0 counts as 1. Read-ahead never exceeds it.
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        let mut st = self.shared.lock();
        st.max_buf = max_buf_size.max(1);
        st.read_chunk = st.read_chunk.min(st.max_buf);
    }

    /// Waits until no job runs, claims the file, and runs `f` as a pool job. With
    /// `take_write_err`, a queued write's error is returned instead; with `rewind`, the OS
    /// position is moved back over the read-ahead first.
    async fn exclusive<T: Send + 'static>(
        &self,
        take_write_err: bool,
        rewind: bool,
        f: impl FnOnce(&StdFile) -> stdio::Result<T> + Send + 'static,
    ) -> stdio::Result<T> {
        let mut f = Some(f);
        let join = poll_fn(|cx| {
            let mut st = self.shared.lock();
            ready!(st.poll_idle(cx))?;
            if take_write_err {
                if let Some(e) = st.write_err.take() {
                    return Poll::Ready(Err(e));
                }
            }
            let back = if rewind { st.take_unread() } else { 0 };
            let f = f.take().expect("polled again after Ready");
            let launch = self
                .shared
                .spawn(&mut st, &self.std, Job::Other, move |mut guard| {
                    let file = guard.file();
                    let result = match back {
                        0 => Ok(0),
                        n => (&*file).seek(SeekFrom::Current(-n)),
                    }
                    .and_then(|_| f(file));
                    guard.finish(|_| {});
                    result
                });
            drop(st);
            Poll::Ready(launch.map(|launch| launch()))
        })
        .await?;
        join.await.map_err(pool::lost)?
    }
}

impl From<StdFile> for File {
    fn from(std: StdFile) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("corium::fs::File")
            .field("std", &self.std)
            .finish_non_exhaustive()
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}
