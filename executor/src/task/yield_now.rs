//! [`yield_now`]: give the other tasks of this worker a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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
        // Waking ourselves while RUNNING only sets NOTIFIED; the harness then requeues the
        // task at the back (Schedule::yield_now) once this poll returns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
