//! [`yield_now`]: give the other tasks of this worker a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Yields once to the scheduler: the current task goes to the *back* of its run queue and
/// every task queued before it runs first.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let task = corium_executor::spawn(async {
///         for _ in 0..3 {
///             corium_executor::task::yield_now().await;
///         }
///         "done"
///     });
///     assert_eq!(task.await.unwrap(), "done");
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Inside a task polled with its own waker, just tell the harness: it sets NOTIFIED in
        // the same CAS that ends the poll. Anywhere else (a `block_on` future, a combinator's
        // waker) a real wake, which while RUNNING only sets NOTIFIED; either way the harness
        // then requeues the task at the back (Schedule::yield_now) once this poll returns.
        if !note_self_yield(cx.waker()) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// The task this thread is polling right now: its header address (0 for none), with the low
/// bit set once its future yielded through the task's own waker during that poll. Headers are
/// word-aligned, so the low bit is free; one word keeps every access a single plain load or
/// store.
#[cfg(not(loom))]
mod polling {
    use std::cell::Cell;

    pub(super) const YIELDED: usize = 1;

    thread_local! {
        // `const` and without a destructor: an access is a plain TLS load, no lazy-init check.
        pub(super) static POLLING: Cell<usize> = const { Cell::new(0) };
    }
}

/// A marker that a task poll is in progress on this thread (see [`begin_poll`]).
pub(super) struct PollScope {
    #[cfg(not(loom))]
    prev: usize,
}

/// Called by the harness right before polling the future of the task whose header is at
/// `header`. Returns the scope to hand to [`end_poll`].
#[inline]
pub(super) fn begin_poll(header: *const ()) -> PollScope {
    #[cfg(not(loom))]
    {
        debug_assert_eq!(header.addr() & polling::YIELDED, 0);
        let prev = polling::POLLING.replace(header.addr());
        PollScope { prev }
    }
    #[cfg(loom)]
    {
        // Loom runs its threads on one OS thread, so a thread-local could be seen by a task
        // poll of another model thread: always take the plain wake path there.
        let _ = header;
        PollScope {}
    }
}

/// Ends the scope of [`begin_poll`] (restoring an outer one, if polls ever nest); `true` if the
/// future yielded through the task's own waker and the task must be requeued.
#[inline]
pub(super) fn end_poll(scope: PollScope) -> bool {
    #[cfg(not(loom))]
    {
        polling::POLLING.replace(scope.prev) & polling::YIELDED != 0
    }
    #[cfg(loom)]
    {
        let _ = scope;
        false
    }
}

/// Records a yield for the harness if `waker` is the waker of the task this thread is polling;
/// `false` if the caller must wake it itself.
#[inline]
fn note_self_yield(waker: &Waker) -> bool {
    #[cfg(not(loom))]
    {
        let task = polling::POLLING.get() & !polling::YIELDED;
        // The vtable check rules out a foreign waker that happens to carry the same address.
        if task != 0 && waker.data().addr() == task && super::waker::is_task_waker(waker) {
            polling::POLLING.set(task | polling::YIELDED);
            return true;
        }
        false
    }
    #[cfg(loom)]
    {
        let _ = waker;
        false
    }
}
