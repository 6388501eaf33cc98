//! The cooperative budget, as the executor uses it.
//!
//! The budget itself lives in the reactor ([`corium_reactor::coop`]), because every readiness
//! poll must consult it. The executor opens a budget around each task poll (the schedulers
//! call [`budget`]), reads back whether it ran out (the `budget_forced_yields` metric), stops
//! chaining LIFO polls once it is spent ([`has_budget_remaining`]), and charges a unit for
//! each completed `JoinHandle` ([`poll_proceed`]).

pub(crate) use corium_reactor::coop::{budget, has_budget_remaining, poll_proceed};
