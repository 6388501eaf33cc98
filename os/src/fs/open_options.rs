//! [`OpenOptions`]: how to open a file, as `std::fs::OpenOptions`, opened on the pool.

use std::io;
use std::path::Path;

use crate::fs::{pool, File, PathError};

/// Options for opening a file: every `std::fs::OpenOptions` option, plus the Unix `mode`
/// and `custom_flags`, and an async [`open`](OpenOptions::open). tokio's
/// `tokio::fs::OpenOptions`.
///
/// ```
/// # corium_executor::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use corium_os::fs::OpenOptions;
///
/// let path = std::env::temp_dir().join(format!("corium-doc-open-{}", std::process::id()));
/// let file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).await?;
/// # drop(file); std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// All options off (like `std::fs::OpenOptions::new`); `mode` defaults to `0o666`.
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Every write goes to the end of the file (`O_APPEND`); implies writing.
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to length 0 (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists (`O_CREAT | O_EXCL`).
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits of a created file, before the umask.
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra `open(2)` flags (`O_NOFOLLOW`, `O_DIRECT`, ...); the access-mode bits are
    /// ignored (use `read`/`write`).
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options, as one pool job.
    ///
    /// # Errors
    ///
    /// The OS error (`NotFound`, `AlreadyExists`, `PermissionDenied`, `IsADirectory`, ...;
    /// `InvalidInput` for contradictory options), wrapped in a [`PathError`] naming the path.
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        let options = self.0.clone();
        let std = pool::run(move || {
            options
                .open(&path)
                .map_err(|e| PathError::wrap(e, "open", &path))
        })
        .await?;
        Ok(File::from_std(std))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}
