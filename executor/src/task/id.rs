//! [`Id`]: task ids, and which task this thread is running ([`id`], [`try_id`]).

use std::cell::Cell;
use std::fmt;

/// A unique task id: unique for the life of the process, never reused.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = corium_executor::spawn(async { corium_executor::task::id() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) u64);

impl Id {
    /// The next id; ids start at 1 and are never reused.
    pub(crate) fn next() -> Id {
        // Plain std atomics: ids take no part in any loom model.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Id(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

thread_local! {
    /// The id of the task whose future this thread is polling or dropping (0: none).
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// Makes `id` the current task's id until the guard drops (guards nest).
#[inline]
pub(super) fn enter(id: Id) -> IdGuard {
    IdGuard(CURRENT.try_with(|c| c.replace(id.0)).unwrap_or(0))
}

/// Restores the id that was current before [`enter`].
pub(super) struct IdGuard(u64);

impl Drop for IdGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// The id of the task that is running, from inside it (its future's `poll` or destructor).
///
/// # Panics
/// Outside a task: in a `block_on` future, or on a thread that runs no task. Use
/// [`try_id`] where that can happen.
#[track_caller]
pub fn id() -> Id {
    try_id().expect(
        "task::id() called outside a task: it works inside a spawned task (or its destructor); \
         use task::try_id() where there may be none",
    )
}

/// The id of the running task, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    match CURRENT.try_with(Cell::get) {
        Ok(0) | Err(_) => None,
        Ok(id) => Some(Id(id)),
    }
}
