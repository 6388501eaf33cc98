//! [`Command`]: std's process builder, plus `kill_on_drop`, spawning an async [`Child`].

use std::ffi::OsStr;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use super::Child;

/// A process builder: every method of [`std::process::Command`] (and of its Unix extension
/// [`CommandExt`]: `uid`, `gid`, `process_group`, `arg0`, `pre_exec`), plus
/// [`kill_on_drop`](Command::kill_on_drop); [`spawn`](Command::spawn) returns a [`Child`]
/// whose exit and pipes are awaited on the reactor.
///
/// Spawning is std's (`fork`/`posix_spawn` + `exec`, every fd std opens close-on-exec); corium
/// takes over the pipes and the waiting.
///
/// # Examples
///
/// ```
/// use corium_os::process::Command;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let out = Command::new("sh").arg("-c").arg("echo hello").output().await?;
/// assert!(out.status.success());
/// assert_eq!(out.stdout, b"hello\n");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    stdin_set: bool,
}

impl Command {
    /// A command for `program` (looked up in `PATH` if it has no `/`), with no arguments, the
    /// parent's environment and directory, and inherited stdio.
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Appends an argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, val: V) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes a variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what `env` adds afterwards).
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: inherited by default (`spawn`, `status`), null for `output` if never
    /// set. `Stdio::piped()` gives [`Child::stdin`].
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self.stdin_set = true;
        self
    }

    /// The child's stdout; `Stdio::piped()` gives [`Child::stdout`].
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr; `Stdio::piped()` gives [`Child::stderr`].
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether a [`Child`] dropped while running is killed (`SIGKILL`) first. Either way it is
    /// reaped in the background, never left a zombie. Off by default, as in std and tokio.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether [`kill_on_drop`](Command::kill_on_drop) is set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as user `id` (`setuid` after fork; needs privilege).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as group `id` (`setgid` after fork; needs privilege).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Puts the child in process group `pgroup` (0: a new group led by the child), so a
    /// terminal's ctrl-c reaches it separately from the parent.
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// The child's `argv[0]`, if it should differ from the program path.
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child between `fork` and `exec`.
    ///
    /// # Safety
    ///
    /// As [`CommandExt::pre_exec`]: `f` runs in a forked copy of a multi-threaded process and
    /// may only do async-signal-safe work (no allocation, no locks).
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds `pre_exec`'s contract, forwarded unchanged.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// The program.
    pub fn get_program(&self) -> &OsStr {
        self.std.get_program()
    }

    /// The arguments (without the program).
    pub fn get_args(&self) -> std::process::CommandArgs<'_> {
        self.std.get_args()
    }

    /// The environment changes (`None` value: removed).
    pub fn get_envs(&self) -> std::process::CommandEnvs<'_> {
        self.std.get_envs()
    }

    /// The working directory, if set.
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.std.get_current_dir()
    }

    /// The std builder inside.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std builder inside, mutably (for std methods not mirrored here).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// The std builder inside (`kill_on_drop` is lost).
    pub fn into_std(self) -> std::process::Command {
        self.std
    }

    /// Starts the child. Piped stdio become nonblocking pipes on the current runtime.
    ///
    /// # Errors
    /// The spawn error with its kind kept and a message naming the program (`NotFound`:
    /// "failed to spawn `nosuch`: No such file or directory"; `PermissionDenied` for a file
    /// that is not executable); `Other` outside a runtime when stdio is piped. Unlike tokio
    /// the error is a new `io::Error`, so its `raw_os_error()` is `None`; match on `kind()`.
    pub fn spawn(&mut self) -> io::Result<Child> {
        super::exit::reap_orphans();
        let child = self.std.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "failed to spawn `{}`: {e}",
                    self.std.get_program().to_string_lossy()
                ),
            )
        })?;
        corium_selector_sys::trace!(
            corium_selector_sys::trace::Layer::Net,
            "process: spawned `{}` as pid {}",
            self.std.get_program().to_string_lossy(),
            child.id()
        );
        Child::new(child, self.kill_on_drop)
    }

    /// Runs the child to completion and returns its exit status (stdio as configured;
    /// inherited by default).
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn) and [`Child::wait`].
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }

    /// Runs the child to completion, collecting stdout and stderr (both set to piped, and left
    /// so for later spawns, as in tokio); stdin is null unless it was set.
    ///
    /// # Errors
    /// As [`spawn`](Command::spawn) and [`Child::wait_with_output`].
    pub async fn output(&mut self) -> io::Result<Output> {
        if !self.stdin_set {
            self.std.stdin(Stdio::null());
        }
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
        }
    }
}
