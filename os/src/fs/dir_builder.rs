//! [`DirBuilder`]: creating directories with options, on the pool.

use std::io;
use std::path::Path;

use crate::fs::{pool, PathError};

/// Creates directories, optionally with their parents and a mode: tokio's
/// `tokio::fs::DirBuilder`.
#[derive(Debug, Default)]
pub struct DirBuilder {
    recursive: bool,
    #[cfg(unix)]
    mode: Option<u32>,
}

impl DirBuilder {
    /// Not recursive, mode `0o777` (before the umask).
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Also create missing parents, and succeed if the directory already exists.
    pub fn recursive(&mut self, recursive: bool) -> &mut DirBuilder {
        self.recursive = recursive;
        self
    }

    /// The permission bits of each created directory, before the umask.
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut DirBuilder {
        self.mode = Some(mode);
        self
    }

    /// Creates `path` as one pool job.
    ///
    /// # Errors
    ///
    /// `AlreadyExists` (not recursive), `NotFound` (a missing parent, not recursive),
    /// `NotADirectory`, `PermissionDenied`, ..., wrapped in a [`PathError`] naming the path.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(self.recursive);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
        }
        let path = path.as_ref().to_owned();
        pool::run(move || {
            builder
                .create(&path)
                .map_err(|e| PathError::wrap(e, "create directory", &path))
        })
        .await
    }
}
