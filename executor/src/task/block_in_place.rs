//! [`block_in_place`]: block a worker thread without stalling the tasks queued on it.

use crate::context;
use crate::scheduler::{self, multi_thread};

/// The message of `block_in_place` on a current-thread runtime.
const ON_CURRENT_THREAD: &str = "block_in_place cannot be used on a current-thread runtime: \
     no other thread could run its tasks while this one blocks. Use `task::spawn_blocking` and \
     await its handle instead, or a multi-thread runtime";

/// Runs the blocking closure `f` on this thread, first handing this worker's queue of tasks to
/// a new worker thread so they keep running meanwhile.
///
/// On a multi-thread runtime's worker this costs a thread start (unless the closure returns
/// before the new thread took the queue: then it is taken back); the calling task resumes on
/// this thread when `f` returns. Inside `f` the thread counts as outside async code, so it
/// may call [`Handle::block_on`](crate::runtime::Handle::block_on). Outside any runtime, or on
/// a thread that is not a worker (a `block_on` thread, a blocking-pool thread), `f` just runs.
///
/// Unlike tokio, whose worker threads are blocking-pool threads, the new worker is a plain
/// thread made like the others (same name, stack size and start/stop hooks), and the thread
/// left without a queue exits once its task's poll returns.
///
/// # Panics
/// On a current-thread runtime (inside its `block_on` or one of its tasks): there is no other
/// thread to take its tasks. Use [`spawn_blocking`](super::spawn_blocking) there.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// let sum = rt.block_on(rt.spawn(async {
///     corium_executor::task::block_in_place(|| {
///         std::thread::sleep(std::time::Duration::from_millis(1));
///         (1..=10).sum::<u32>()
///     })
/// }));
/// assert_eq!(sum.unwrap(), 55);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    match context::with_current(Clone::clone).ok() {
        Some(scheduler::Handle::MultiThread(handle)) => {
            multi_thread::handoff::block_in_place(&handle, f)
        }
        Some(scheduler::Handle::CurrentThread(_)) if context::runtime_entered() => {
            panic!("{ON_CURRENT_THREAD}")
        }
        _ => context::exit_runtime(f),
    }
}
