//! Shared helpers of the `fs_*` tests: error assertions, a runtime whose blocking-pool threads
//! lose root's file-system privileges, and byte patterns. (Runtimes on both flavours, the
//! watchdog and `TempDir` come from `net_common`.)

#![allow(dead_code)]

use std::fmt::Debug;
use std::io;
use std::path::Path;

use corium::fs::PathError;
use corium::runtime::{Builder, Runtime};

/// Asserts `result` failed with `kind`, and that its message names `path` in backquotes.
#[track_caller]
pub fn assert_fs_err<T: Debug>(
    result: io::Result<T>,
    kind: io::ErrorKind,
    path: &Path,
) -> io::Error {
    let err = result.expect_err("the operation should have failed");
    assert_eq!(err.kind(), kind, "wrong kind for: {err}");
    let named = format!("`{}`", path.display());
    assert!(
        err.to_string().contains(&named),
        "{err:?} does not name {named}"
    );
    let inner = PathError::of(&err).expect("a path operation's error carries a PathError");
    assert!(
        inner.raw_os_error().is_some()
            || kind == io::ErrorKind::InvalidData
            || kind == io::ErrorKind::InvalidInput,
        "the OS error is kept inside: {err:?}"
    );
    err
}

/// `n` bytes of a pattern that differs at every offset within 251 bytes.
pub fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// The unprivileged user the permission tests act as.
pub const NOBODY: libc::uid_t = 65534;

/// A current-thread runtime whose blocking-pool threads (where every `corium::fs` operation
/// runs) act on files as `nobody`.
///
/// The tests run as root, whom file permissions do not stop (`CAP_DAC_OVERRIDE`). Linux
/// keeps a *per-thread* file-system user id: `setfsuid` to a non-zero id also clears the
/// file-system capabilities from that thread's effective set (capabilities(7)), so
/// permission checks on that thread are real ones — `EACCES`/`EPERM` — while the rest of the
/// test process stays root (it creates and removes the fixtures). When not running as root,
/// mode bits alone deny access and no switch is made.
pub fn unprivileged_pool_runtime() -> Runtime {
    let mut builder = Builder::new_current_thread();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        builder.on_thread_start(|| {
            // SAFETY: setfsuid takes any id and affects only the calling thread's credentials.
            unsafe { libc::setfsuid(NOBODY) };
            // SAFETY: as above; an invalid id (-1) changes nothing and returns the current one.
            let now = unsafe { libc::setfsuid(libc::uid_t::MAX) };
            assert_eq!(now as libc::uid_t, NOBODY, "setfsuid did not take effect");
        });
    }
    builder.enable_all().build().expect("build a runtime")
}
