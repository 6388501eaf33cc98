//! [`read_dir`], [`ReadDir`] and [`DirEntry`]: a directory listing fetched in growing batches.
//!
//! tokio hands out entries 32 per pool job. Here the job that opens the directory already
//! reads the first batch (no separate hop for `opendir`), and each later batch is twice the
//! last, up to [`MAX_BATCH`], so a 10,000-entry directory costs 7 pool jobs instead of 314
//! while a small one still answers after a single job. Each entry's file type is read in the
//! same job (from `d_type`, or an `lstat` where the file system gives none), so
//! [`DirEntry::file_type`] usually needs no job at all.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future as _};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use corium_executor::task::JoinHandle;

use crate::fs::{pool, PathError};

/// Entries fetched by the job that opens the directory.
const FIRST_BATCH: usize = 128;
/// The largest batch: bounds the memory a listing holds (a few hundred KiB).
const MAX_BATCH: usize = 4096;

/// Opens the directory `path` for listing. The entries `.` and `..` are skipped; order is the
/// file system's.
///
/// # Errors
///
/// `NotFound`, `NotADirectory`, `PermissionDenied`, ..., naming the path. Errors while
/// listing come from [`ReadDir::next_entry`], also naming the directory.
///
/// ```
/// # corium_executor::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut entries = corium_os::fs::read_dir("/").await?;
/// let mut count = 0;
/// while let Some(entry) = entries.next_entry().await? {
///     assert!(entry.path().starts_with("/"));
///     count += 1;
/// }
/// assert!(count > 0);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path: Arc<Path> = Arc::from(path.as_ref());
    let dir = path.clone();
    let batch = pool::run(move || {
        let std =
            std::fs::read_dir(&dir).map_err(|e| PathError::wrap(e, "read directory", &dir))?;
        let mut batch = Batch {
            entries: VecDeque::new(),
            std: Some(std),
            size: FIRST_BATCH,
        };
        batch.fill(&dir);
        Ok(batch)
    })
    .await?;
    Ok(ReadDir {
        path,
        state: State::Idle(Some(batch)),
    })
}

/// The entries of a directory, from [`read_dir`].
#[derive(Debug)]
pub struct ReadDir {
    path: Arc<Path>,
    state: State,
}

#[derive(Debug)]
enum State {
    /// `None` only while a batch moves between states.
    Idle(Option<Batch>),
    Pending(JoinHandle<Batch>),
}

#[derive(Debug)]
struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    /// `None` once the directory is exhausted.
    std: Option<std::fs::ReadDir>,
    /// How many entries the next fill reads.
    size: usize,
}

impl Batch {
    /// Reads up to `size` entries (a listing error counts as one), then doubles `size`.
    fn fill(&mut self, dir: &Path) {
        let Some(std) = &mut self.std else { return };
        for _ in 0..self.size {
            match std.next() {
                Some(Ok(entry)) => {
                    let file_type = entry.file_type().ok();
                    self.entries.push_back(Ok(DirEntry {
                        std: Arc::new(entry),
                        file_type,
                    }));
                }
                Some(Err(e)) => {
                    self.entries
                        .push_back(Err(PathError::wrap(e, "read directory", dir)))
                }
                None => {
                    self.std = None;
                    break;
                }
            }
        }
        self.size = (self.size * 2).min(MAX_BATCH);
    }
}

impl ReadDir {
    /// The next entry, or `None` at the end of the directory.
    ///
    /// Cancel safe: an entry is removed from the listing only when this returns it.
    ///
    /// # Errors
    ///
    /// An error reading the directory (naming it); the listing can go on after it.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry: `Ready(Ok(None))` at the end, `Pending` (with `cx`'s waker
    /// registered) while a batch is being read.
    ///
    /// # Errors
    ///
    /// As [`next_entry`](ReadDir::next_entry).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    let b = batch.as_mut().expect("a batch is present when idle");
                    if let Some(entry) = b.entries.pop_front() {
                        return Poll::Ready(entry.map(Some));
                    }
                    if b.std.is_none() {
                        return Poll::Ready(Ok(None));
                    }
                    let handle = pool::handle()?;
                    let mut b = batch.take().expect("a batch is present when idle");
                    let dir = self.path.clone();
                    self.state = State::Pending(handle.spawn_blocking(move || {
                        b.fill(&dir);
                        b
                    }));
                }
                State::Pending(join) => {
                    let joined = ready!(Pin::new(join).poll(cx));
                    match joined {
                        Ok(batch) => self.state = State::Idle(Some(batch)),
                        Err(join_error) => {
                            // The job took the `std::fs::ReadDir` with it: the listing ends.
                            self.state = State::Idle(Some(Batch {
                                entries: VecDeque::new(),
                                std: None,
                                size: 0,
                            }));
                            return Poll::Ready(Err(pool::lost(join_error)));
                        }
                    }
                }
            }
        }
    }
}

/// One entry of a directory listing: tokio's `tokio::fs::DirEntry`.
#[derive(Debug, Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
    /// Read in the listing job; `None` if that failed (then `file_type` asks again).
    file_type: Option<FileType>,
}

impl DirEntry {
    /// The full path: the directory given to [`read_dir`] joined with the file name.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The file name alone.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The inode number, as the directory entry records it.
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }

    /// The entry's metadata, not following a symbolic link (one pool job).
    ///
    /// # Errors
    ///
    /// `NotFound` if the entry was removed since the listing, ..., naming its path.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        pool::run(move || {
            std.metadata()
                .map_err(|e| PathError::wrap(e, "get the metadata of", &std.path()))
        })
        .await
    }

    /// The entry's file type, not following a symbolic link. Usually known from the listing
    /// already, without a pool job.
    ///
    /// # Errors
    ///
    /// As [`metadata`](DirEntry::metadata), when the type must be looked up.
    pub async fn file_type(&self) -> io::Result<FileType> {
        if let Some(file_type) = self.file_type {
            return Ok(file_type);
        }
        let std = self.std.clone();
        pool::run(move || {
            std.file_type()
                .map_err(|e| PathError::wrap(e, "get the file type of", &std.path()))
        })
        .await
    }
}
