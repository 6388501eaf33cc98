//! # `corium::fs`: files and directories, from async code
//!
//! tokio's `tokio::fs`, on corium's blocking pool: the same functions and types with the same
//! signatures and semantics (differences are listed on each item), fewer pool hand-offs, and
//! error messages that name the path.
//!
//! ## Why the blocking pool
//!
//! The reactor waits on descriptors with epoll, and epoll refuses regular files and
//! directories outright: `epoll_ctl(EPOLL_CTL_ADD)` on one fails with `EPERM`, because a
//! disk read is never "not ready" in the readiness sense — the kernel would simply block the
//! caller in `read(2)` until the page arrives. (`poll(2)` and kqueue report such files as
//! always readable, which is no better.) So file operations run as closures on the
//! executor's blocking pool ([`spawn_blocking`](corium_executor::task::spawn_blocking)), and
//! the task awaits the closure's result. The guide chapter
//! `corium::guide::fs_files` tells the whole story, and what io_uring would change.
//!
//! ## What a hand-off costs, and how this module avoids them
//!
//! One pool job is a queue push, a thread wake-up, and a task wake-up on completion: tens of
//! microseconds, more than reading 64 KiB from the page cache. So:
//!
//! * [`read`], [`read_to_string`], [`copy`] and small [`write()`]s are one job each; `copy`
//!   uses `copy_file_range` (data never enters user space);
//! * a large [`write()`] streams through a [`File`] rather than copying the whole slice first;
//! * [`File`] reads fetch growing chunks (up to 2 MiB) whatever the caller's buffer size, and
//!   writes queued behind a running write join it instead of waiting;
//! * [`read_dir`] reads its first batch in the same job that opens the directory, and later
//!   batches grow to 4,096 entries (tokio: 32 per job).
//!
//! The `fs` bench (`cargo bench --bench fs`) measures each choice against `tokio::fs`; its
//! table is in the README.
//!
//! ## Errors
//!
//! Every function that takes a path fails with an [`io::Error`](std::io::Error) that keeps
//! the OS error's kind and says what failed on which path
//! (``failed to open `/etc/app.toml`: No such file or directory (os error 2)``); see
//! [`PathError`] for reaching the raw OS error. Outside a corium runtime every operation fails
//! with an error that says to call it inside `Runtime::block_on` or a task.

mod dir_builder;
mod error;
mod file;
mod open_options;
mod ops;
mod pool;
mod read_dir;
mod sys;
mod whole;

pub use dir_builder::DirBuilder;
pub use error::PathError;
pub use file::File;
pub use open_options::OpenOptions;
#[cfg(unix)]
pub use ops::symlink;
pub use ops::{
    canonicalize, create_dir, create_dir_all, hard_link, metadata, read_link, remove_dir,
    remove_dir_all, remove_file, rename, set_permissions, symlink_metadata, try_exists,
};
pub use read_dir::{read_dir, DirEntry, ReadDir};
pub use whole::{copy, read, read_to_string, write};
