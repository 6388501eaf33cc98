//! The cooperative budget, seen from a task: spend it ([`consume_budget`]), ask about it
//! ([`has_budget_remaining`]), or opt out of it ([`unconstrained`]).
//!
//! Every task poll gets a budget of 128 units; reactor operations (socket readiness, timers,
//! `JoinHandle`s) spend one each when they can complete, and once none is left they return
//! `Pending` after waking the task, so it yields to the other tasks of its thread. The budget
//! itself lives in the reactor (`corium_reactor::coop`), since every readiness poll consults it.

use corium_reactor::coop as budget;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Spends one unit of the task's budget, yielding first if none is left.
///
/// For CPU-bound loops that make no reactor calls: awaiting this every iteration makes the
/// loop yield as often as an I/O loop would.
///
/// # Examples
/// ```
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(rt.spawn(async {
///     let mut sum = 0u64;
///     for i in 0..10_000 {
///         sum += i;
///         corium_executor::task::consume_budget().await;
///     }
///     sum
/// }))
/// .unwrap();
/// ```
pub async fn consume_budget() {
    poll_fn(|cx| budget::poll_proceed(cx).map(|unit| unit.made_progress())).await
}

/// `true` if the running task may still make reactor calls without being told to yield
/// (always `true` outside a task, and inside [`unconstrained`]).
pub fn has_budget_remaining() -> bool {
    budget::has_budget_remaining()
}

/// Runs `inner` outside the budget: its reactor calls are never refused for lack of budget.
///
/// This can starve the other tasks of the thread; use it for a future that must not be
/// preempted, and keep it short.
///
/// # Examples
/// ```
/// use corium_executor::task::{coop, unconstrained};
///
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(rt.spawn(unconstrained(async {
///     for _ in 0..1_000 {
///         coop::consume_budget().await;
///     }
///     assert!(coop::has_budget_remaining());
/// })))
/// .unwrap();
/// ```
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

pin_project_lite::pin_project! {
    /// A future that runs outside the cooperative budget (see [`unconstrained`]).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        budget::unconstrained(|| inner.poll(cx))
    }
}
