//! The one door from `corium::fs` to the executor's blocking pool.
//!
//! Every pool job is one `spawn_blocking`: a queue push under the pool's lock, a wake of an
//! idle pool thread (none when the thread that ran the previous job is still awake for the
//! next, as it is for one job after another), and on completion a wake of the awaiting task.
//! That hand-off costs ten to tens of microseconds — more than a small `read(2)` from the
//! page cache — so the rest of this module is organised around making fewer of them.

use std::io;

use corium_executor::runtime::Handle;

/// The current runtime's handle, or an error that says where file operations must run.
pub(crate) fn handle() -> io::Result<Handle> {
    Handle::try_current().map_err(|e| {
        io::Error::other(format!(
            "corium::fs runs file operations on the blocking pool of a corium runtime; call it \
             inside `Runtime::block_on` or a spawned task ({e})"
        ))
    })
}

/// The error a job's `JoinError` becomes: it panicked, or runtime shutdown cancelled it.
pub(crate) fn lost(join_error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!(
        "corium::fs: the blocking-pool job did not complete ({join_error})"
    ))
}

/// Runs `f` as one blocking-pool job and waits for its result.
pub(crate) async fn run<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match handle()?.spawn_blocking(f).await {
        Ok(result) => result,
        Err(join_error) => Err(lost(join_error)),
    }
}
