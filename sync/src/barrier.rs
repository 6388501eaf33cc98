//! [`Barrier`]: lets a fixed number of tasks wait for each other.

use crate::loom::Mutex;
use crate::Notify;

/// Makes `n` tasks wait until all `n` have called [`wait`](Barrier::wait); then all of them
/// continue, and the barrier is ready for the next round.
///
/// Exactly one task per round is the *leader* ([`BarrierWaitResult::is_leader`]): the one whose
/// arrival completed the round.
///
/// # Cancel safety
/// As in tokio, a `wait` future that is dropped after its first poll still counts as arrived
/// for the current round.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use corium_sync::Barrier;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let barrier = Arc::new(Barrier::new(3));
/// let tasks: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         corium_executor::spawn(async move { barrier.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for t in tasks {
///     leaders += t.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
#[derive(Debug)]
pub struct Barrier {
    n: usize,
    /// How many arrived in the current round.
    arrived: Mutex<usize>,
    /// The round's end: `notify_waiters` wakes every waiter created before it.
    round_done: Notify,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task completed the round (exactly one per round).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`n = 0` behaves as `n = 1`, as in tokio).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            arrived: Mutex::new(0),
            round_done: Notify::new(),
        }
    }

    /// Waits until all `n` tasks have called `wait` in this round.
    pub async fn wait(&self) -> BarrierWaitResult {
        let round_done = {
            let mut arrived = self.arrived.lock();
            *arrived += 1;
            if *arrived == self.n {
                *arrived = 0;
                drop(arrived);
                // Wakes every waiter of this round: each created its `Notified` under the lock,
                // so before this call.
                self.round_done.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock, so the round's last arrival notifies after it exists.
            self.round_done.notified()
        };
        round_done.await;
        BarrierWaitResult(false)
    }
}
