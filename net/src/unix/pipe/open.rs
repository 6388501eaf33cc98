//! [`OpenOptions`]: opening a named FIFO as a [`Sender`] or [`Receiver`].

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::{Receiver, Sender};

/// Opens a FIFO (a named pipe, made with `mkfifo`) as one end of a pipe.
///
/// The file is opened with `O_NONBLOCK | O_CLOEXEC`, so the open itself never waits:
///
/// * a **receiver** opens at once even with no writer (reads then return `Ok(0)` until a
///   writer appears — an edge-triggered reader should wait for readability);
/// * a **sender** with no reader fails with `ENXIO`, reported as an error saying to open the
///   receiver first — unless [`read_write`](OpenOptions::read_write) is set (Linux), which
///   opens the FIFO for both directions so it always has a reader: itself.
///
/// A path that exists but is not a FIFO is refused (`InvalidInput`, naming the path and what it
/// is) unless [`unchecked`](OpenOptions::unchecked) is set.
///
/// # Examples
///
/// ```no_run
/// use corium_net::unix::pipe;
///
/// # async fn f() -> std::io::Result<()> {
/// let rx = pipe::OpenOptions::new().open_receiver("/tmp/my.fifo")?;
/// let tx = pipe::OpenOptions::new().open_sender("/tmp/my.fifo")?;
/// # drop((rx, tx)); Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// The defaults: read-only receivers, write-only senders, the FIFO check on.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens the FIFO with `O_RDWR` (Linux and Android, where a FIFO open for both directions
    /// is defined): a sender then never fails for want of a reader, and a receiver never sees
    /// end of stream, since the fd itself is a writer.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut Self {
        self.read_write = value;
        self
    }

    /// Skips the check that the path is a FIFO (for a character device that behaves like one,
    /// say).
    pub fn unchecked(&mut self, value: bool) -> &mut Self {
        self.unchecked = value;
        self
    }

    /// Opens `path` as the read end, registered with the current runtime.
    ///
    /// # Errors
    /// `NotFound` and other errors of `open`, naming the path; `InvalidInput` if it is not a
    /// FIFO; `Other` outside a runtime.
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), true)?;
        Receiver::from_file_unchecked(file)
    }

    /// Opens `path` as the write end, registered with the current runtime.
    ///
    /// # Errors
    /// As [`open_receiver`](OpenOptions::open_receiver); and without `read_write`, an error
    /// whose message says no reader has the FIFO open (the `open` failed with `ENXIO`).
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), false)?;
        Sender::from_file_unchecked(file)
    }

    fn open(&self, path: &Path, read: bool) -> io::Result<File> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let both = self.read_write;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let both = false;
        // std opens with O_CLOEXEC always; O_NONBLOCK keeps the open from waiting for a peer.
        let file = std::fs::OpenOptions::new()
            .read(read || both)
            .write(!read || both)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                let hint = if e.raw_os_error() == Some(libc::ENXIO) {
                    " (no reader has the FIFO open: open the receiver first, or use read_write)"
                } else {
                    ""
                };
                io::Error::new(
                    e.kind(),
                    format!("cannot open FIFO {}: {e}{hint}", path.display()),
                )
            })?;
        if !self.unchecked {
            let kind = file.metadata()?.file_type();
            if !kind.is_fifo() {
                let what = if kind.is_file() {
                    "a regular file"
                } else if kind.is_dir() {
                    "a directory"
                } else if kind.is_socket() {
                    "a socket"
                } else {
                    "not a FIFO"
                };
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is {what}, not a FIFO (make one with mkfifo)",
                        path.display()
                    ),
                ));
            }
        }
        Ok(file)
    }
}
