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

/// Position `offset` of a round that starts at `start`, among `count` branches (`start` and
/// `offset` below `count`): the polling order of `select!` and `join!`. Written without `%`,
/// which clippy refuses in the user's crate when `count` is the constant 1.
#[inline]
pub fn wrapping_index(start: u32, offset: u32, count: u32) -> u32 {
    let index = start + offset;
    if index >= count {
        index - count
    } else {
        index
    }
}

#[cfg(test)]
mod tests {
    use super::wrapping_index;

    #[test]
    fn a_round_visits_every_index_once_from_its_start() {
        for count in 1..=5 {
            for start in 0..count {
                let mut seen: Vec<u32> = (0..count)
                    .map(|k| wrapping_index(start, k, count))
                    .collect();
                assert_eq!(seen[0], start);
                seen.sort_unstable();
                assert_eq!(
                    seen,
                    (0..count).collect::<Vec<_>>(),
                    "start {start} of {count}"
                );
            }
        }
    }
}
