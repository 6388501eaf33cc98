//! [`Child`]: a running child process, awaited on the reactor.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};

use corium_net::io::{AsyncRead, AsyncReadExt};

use super::exit::{self, ExitWatch};
use super::{ChildStderr, ChildStdin, ChildStdout};

/// A spawned child process.
///
/// [`wait`](Child::wait) completes when it exits, woken by the reactor (a pidfd, a kqueue
/// `EVFILT_PROC`, or SIGCHLD: see the [module docs](super)). A `Child` dropped before it was
/// reaped is reaped in the background — killed first if
/// [`kill_on_drop`](super::Command::kill_on_drop) was set — so no zombie is left behind.
#[derive(Debug)]
pub struct Child {
    /// `Some` until dropped (taken by `Drop` to reap in the background).
    inner: Option<std::process::Child>,
    /// The exit watch, made at the first wait.
    watch: Option<ExitWatch>,
    /// The exit status, once reaped.
    status: Option<ExitStatus>,
    kill_on_drop: bool,
    /// The child's stdin, if it was piped; taken by `wait` (closing it) unless taken before.
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if it was piped.
    pub stderr: Option<ChildStderr>,
}

impl std::fmt::Debug for ExitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExitWatch::Fd(_) => "ExitWatch::Fd",
            ExitWatch::Sigchld(_) => "ExitWatch::Sigchld",
        })
    }
}

impl Child {
    pub(crate) fn new(mut std: std::process::Child, kill_on_drop: bool) -> io::Result<Child> {
        let stdin = std.stdin.take();
        let stdout = std.stdout.take();
        let stderr = std.stderr.take();
        // From here on a failure drops `child`, which reaps it in the background.
        let mut child = Child {
            inner: Some(std),
            watch: None,
            status: None,
            kill_on_drop,
            stdin: None,
            stdout: None,
            stderr: None,
        };
        child.stdin = stdin.map(ChildStdin::from_std).transpose()?;
        child.stdout = stdout.map(ChildStdout::from_std).transpose()?;
        child.stderr = stderr.map(ChildStderr::from_std).transpose()?;
        Ok(child)
    }

    fn std(&mut self) -> &mut std::process::Child {
        self.inner.as_mut().expect("present until drop")
    }

    /// The OS process id, or `None` once the child has been reaped (its pid may then belong
    /// to another process).
    pub fn id(&self) -> Option<u32> {
        match self.status {
            Some(_) => None,
            None => self.inner.as_ref().map(std::process::Child::id),
        }
    }

    /// Sends `SIGKILL` without waiting. Does nothing (successfully) if the child was already
    /// reaped, as in tokio.
    ///
    /// # Errors
    /// The OS error of `kill`.
    pub fn start_kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        self.std().kill()
    }

    /// Sends `SIGKILL` and waits for the child to exit.
    ///
    /// # Errors
    /// As [`start_kill`](Child::start_kill) and [`wait`](Child::wait).
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Waits for the child to exit and reaps it. Closes `stdin` first (if still held) so a
    /// child reading to end of file can finish.
    ///
    /// Cancel safe: dropping the future leaves the child running and the `Child` usable.
    ///
    /// # Errors
    /// `Other` outside a runtime (or if it shuts down while waiting); the OS error of
    /// `waitpid` or of making the exit watch.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let child = self.inner.as_mut().expect("present until drop");
        let status = std::task::ready!(exit::poll_reap(child, &mut self.watch, cx))?;
        self.status = Some(status);
        Poll::Ready(Ok(status))
    }

    /// Reaps the child if it has exited, without waiting.
    ///
    /// # Errors
    /// The OS error of `waitpid`.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let status = self.std().try_wait()?;
        if status.is_some() {
            self.status = status;
            self.watch = None;
        }
        Ok(status)
    }

    /// Waits for exit while reading all of stdout and stderr (whichever were piped)
    /// concurrently, so a child filling one pipe cannot deadlock against the other.
    ///
    /// # Errors
    /// As [`wait`](Child::wait), and the read errors of the pipes.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut read_out = pin!(read_all(self.stdout.take()));
        let mut read_err = pin!(read_all(self.stderr.take()));
        let (mut out, mut err) = (None, None);
        let status = poll_fn(|cx| {
            if out.is_none() {
                if let Poll::Ready(r) = read_out.as_mut().poll(cx) {
                    out = Some(r?);
                }
            }
            if err.is_none() {
                if let Poll::Ready(r) = read_err.as_mut().poll(cx) {
                    err = Some(r?);
                }
            }
            if out.is_some() && err.is_some() {
                self.poll_wait(cx)
            } else {
                Poll::Pending
            }
        })
        .await?;
        Ok(Output {
            status,
            stdout: out.unwrap_or_default(),
            stderr: err.unwrap_or_default(),
        })
    }
}

/// Reads `pipe` (if any) to end of file.
async fn read_all<R: AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut child) = self.inner.take() else {
            return;
        };
        if self.status.is_some() {
            return;
        }
        if self.kill_on_drop {
            let _ = child.kill();
        }
        match child.try_wait() {
            Ok(None) => {
                corium_selector_sys::trace!(
                    corium_selector_sys::trace::Layer::Net,
                    "process: pid {} dropped while running{}: reaping in the background",
                    child.id(),
                    if self.kill_on_drop { " (killed)" } else { "" }
                );
                exit::reap_in_background(child, self.watch.take());
            }
            // Exited (now reaped), or not ours to reap any more.
            Ok(Some(_)) | Err(_) => exit::reap_orphans(),
        }
    }
}
