//! # corium-executor
//!
//! The task executor of corium: tasks, two schedulers, a blocking pool, and the runtime that
//! ties them to the reactor.
//!
//! * [`runtime`] — [`Runtime`](runtime::Runtime), [`Builder`](runtime::Builder),
//!   [`Handle`](runtime::Handle), [`RuntimeMetrics`](runtime::RuntimeMetrics).
//! * [`task`] — [`spawn`], [`spawn_blocking`](task::spawn_blocking),
//!   [`yield_now`](task::yield_now), [`JoinHandle`](task::JoinHandle),
//!   [`JoinError`](task::JoinError), [`AbortHandle`](task::AbortHandle),
//!   [`JoinSet`](task::JoinSet) (outputs in completion order, one handle poll per completion).
//! * Task ids ([`task::id`], [`task::Id`]) and task-local values ([`task_local!`],
//!   [`LocalKey`](task::LocalKey)).
//! * [`task::block_in_place`] (a worker's queue moves to a new thread while the closure
//!   blocks) and the coop API ([`task::coop`]: `consume_budget`, `has_budget_remaining`,
//!   `unconstrained`).
//! * `!Send` tasks — [`LocalSet`](task::LocalSet), [`spawn_local`](task::spawn_local), and
//!   [`LocalRuntime`](runtime::LocalRuntime) ([`Builder::build_local`](runtime::Builder::build_local)):
//!   tasks that only the thread owning them polls; wakes from other threads re-queue them on
//!   a locked remote queue and wake that thread.
//!
//! ```
//! use corium_executor::runtime::Runtime;
//!
//! let rt = Runtime::new()?;
//! let total = rt.block_on(async {
//!     let tasks: Vec<_> = (1..=10).map(|i| corium_executor::spawn(async move { i })).collect();
//!     let mut total = 0;
//!     for t in tasks {
//!         total += t.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 55);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # How it works
//!
//! **Tasks.** [`spawn`] moves a future into one heap allocation: a header with an atomic state
//! word (flags plus a reference count, documented bit by bit in `task/state.rs`), the future
//! (later its output), and the waker of whoever awaits the [`JoinHandle`](task::JoinHandle).
//! Waking a task pushes a pointer to it onto a run queue — once: the `NOTIFIED` bit makes
//! further wakes free until it runs. Panics are caught around every poll and every destructor
//! and come back as a [`JoinError`](task::JoinError).
//!
//! **Current-thread scheduler.** One run queue, run by the thread inside
//! [`Runtime::block_on`](runtime::Runtime::block_on). Wakes from other threads go through a
//! locked remote queue and unpark that thread; with nothing to run it sleeps inside the
//! reactor, so it wakes for I/O, timers and remote wakes alike.
//!
//! **Multi-thread scheduler.** Each worker has a bounded FIFO local queue that others can
//! steal half of, and a LIFO slot for the task most recently woken by the running task (it
//! runs next, while its data is hot; at most three LIFO polls in a row). Tasks from outside go
//! to a global injector, checked first every `global_queue_interval` ticks for fairness. An idle
//! worker *searches* (steals from a random sibling, then the injector) — at most half of them at
//! once — and then *parks*: one parks inside the reactor driver, the rest on condvars, and a
//! single atomic per worker (`EMPTY`/`NOTIFIED`/`PARKED_CONDVAR`/`PARKED_DRIVER`) tells a waker
//! how to reach it, so no wake-up is ever lost and an idle runtime never spins.
//!
//! **Cooperative budget.** Every task poll runs inside the reactor's coop budget: after 128
//! ready I/O operations a task is made to yield, so a socket that is always ready cannot starve
//! the other tasks of its worker.
//!
//! **Blocking pool.** [`spawn_blocking`](task::spawn_blocking) runs closures on up to
//! `max_blocking_threads` extra threads, created on demand and retired after `thread_keep_alive`
//! idle.
//!
//! # Codemap
//!
//! `task/` (state word, cell, harness, wakers, join handles, owned-task list; `local.rs`
//! `LocalSet`, `join_set.rs`, `task_local.rs`, `id.rs`, `coop.rs`, `block_in_place.rs`) ·
//! `scheduler/multi_thread/handoff.rs` (`block_in_place`'s core hand-off) ·
//! `scheduler/current_thread.rs` · `scheduler/multi_thread/{worker.rs, idle.rs}` ·
//! `scheduler/park.rs` (parking protocol) · `blocking.rs` · `runtime/` (public API) ·
//! `context.rs` (thread-local current runtime) · `trace.rs` (the single hook point for
//! spawn / schedule / steal / park / wake / poll / completion events) · `loom.rs` (std vs loom switch).

// The crate's own unsafe is confined to the task cell and its wakers (`task/`).
#![deny(unsafe_op_in_unsafe_fn)]

mod blocking;
mod context;
mod coop;
mod driver;
mod loom;
pub mod runtime;
mod scheduler;
pub mod task;
mod trace;

pub use task::spawn;

/// Support for the `corium` facade's macros (`select!`'s fair start); not a public API.
#[doc(hidden)]
pub mod __private {
    /// A value in `0..n` (`n > 0`) from this thread's random generator (xorshift, no state to
    /// pass around): what `select!` uses to choose which branch to poll first.
    #[inline]
    pub fn thread_rng_n(n: u32) -> u32 {
        crate::scheduler::rand::thread_rng_n(n)
    }
}
