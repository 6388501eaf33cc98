//! What the declarative macros' expansions call into: reached as `$crate::__private::...`, so
//! a user's crate needs no other dependency and no `use`. Not a public API.

use std::task::{Context, Poll};

pub use corium_executor::__private::thread_rng_n;
/// `select!`'s pattern check (see corium-macros' `clean.rs`).
pub use corium_macros::select_priv_clean_pattern;

/// `Ready` while the current task has coop budget left; otherwise wakes the task and returns
/// `Pending`, so a `select!` or `join!` whose branches are always ready still yields to the
/// other tasks of its worker. Spends nothing: the branches' own operations spend the units.
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if corium_reactor::coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
