//! # Chapter 4 — Tasks and wakers
//!
//! *Seed: `004` (`tokio::spawn` → `task::joinable`). Layer: [`corium::task`](crate::task) and
//! the coop budget in [`corium::reactor::coop`](crate::reactor::coop).*
//!
//! The reactor of chapters 2 and 3 ends its work by calling a `std::task::Waker`. This chapter
//! is about what sits behind that waker: a task.
//!
//! ## One allocation per task
//!
//! [`spawn`](crate::spawn) moves the future into a single heap allocation: a small header, the
//! future (replaced by its output when it finishes), and a slot for the waker of whoever
//! awaits the result. Everything that refers to the task — a run-queue entry, the runtime's
//! list of live tasks, every `Waker` cloned from it, the [`JoinHandle`](crate::task::JoinHandle),
//! an [`AbortHandle`](crate::task::AbortHandle) — is a pointer to that header holding one
//! reference. The last reference frees it. Each task gets an [`Id`](crate::task::Id) that is
//! never reused.
//!
//! ## The state word
//!
//! The header's heart is one atomic word: six flags and, above them, the reference count
//! (`executor/src/task/state.rs` documents each bit: when it is set, when cleared, and what may
//! not happen while it is set).
//!
//! | flag | meaning |
//! |---|---|
//! | `RUNNING` | one thread is polling (or cancelling) the task; only it may touch the future |
//! | `COMPLETE` | the future is gone and the output (or error) is stored; never cleared |
//! | `NOTIFIED` | a run-queue entry for the task exists, or is about to |
//! | `JOIN_INTEREST` | the `JoinHandle` still wants the output |
//! | `JOIN_WAKER` | the join-waker slot is filled and the task side may read it |
//! | `CANCELLED` | aborted (or the runtime is shutting down): drop the future instead of polling it |
//!
//! Every transition is a single read-modify-write of this word, so when a wake, a completion,
//! an abort and a `JoinHandle` drop race on different threads, exactly one of them is told "it
//! is yours to do".
//!
//! **Why a second wake is free.** Waking an idle task sets `NOTIFIED` and, because the bit was
//! clear, hands one run-queue entry to the scheduler. Every further wake before the task runs
//! finds `NOTIFIED` already set and does nothing: no second entry, no second poll. Polling
//! clears the bit first. A wake that arrives *during* a poll only sets the bit; when the poll
//! returns `Pending` the poller sees it and puts the task at the back of the queue — which is
//! exactly how [`yield_now`](crate::task::yield_now) works.
//!
//! **Panics stay inside.** Every poll, and the drop of the future and of the output, runs
//! under `catch_unwind`; a panicking task becomes a [`JoinError`](crate::task::JoinError) with
//! [`is_panic`](crate::task::JoinError::is_panic), and the worker thread carries on.
//! [`JoinHandle::abort`](crate::task::JoinHandle::abort) sets `CANCELLED`; the next thread to
//! own the task drops its future, and the `JoinHandle` reports
//! [`is_cancelled`](crate::task::JoinError::is_cancelled). Dropping a `JoinHandle` detaches
//! the task, which keeps running.
//!
//! ## The cooperative budget
//!
//! Edge-triggered readiness can stay set for a long time: a socket fed as fast as a task
//! reads it never says `WouldBlock`, and a task looping on it never returns `Pending` — so
//! nothing else on that thread would ever run. The executor therefore polls every task inside
//! [`coop::budget`](crate::reactor::coop::budget), which grants [`BUDGET`](crate::reactor::coop::BUDGET)
//! (128) units. Every reactor operation that can complete spends one unit — a readiness poll
//! that found its socket ready through [`coop::poll_spend`](crate::reactor::coop::poll_spend), a
//! timer through [`coop::poll_proceed`](crate::reactor::coop::poll_proceed); once they are spent,
//! it wakes the task and returns `Pending`, so the task goes to the back of the queue and resumes
//! with a fresh budget on its next poll. An operation that ends up `Pending` spends nothing:
//! waiting costs nobody anything. The runtime counts these forced yields per worker.
//!
//! ## Example: join, abort, panic, budget
//!
//! ```rust
//! use std::io::Write;
//! use corium::reactor::{Interest, PollEvented};
//! use corium::runtime::Builder;
//! use corium::sys::net::UnixStream;
//!
//! let rt = Builder::new_current_thread().enable_io().build()?;
//! rt.block_on(async {
//!     // A JoinHandle yields the output.
//!     assert_eq!(corium::spawn(async { 6 * 7 }).await.unwrap(), 42);
//!
//!     // Abort: the future is dropped instead of polled; the handle says so.
//!     let stuck = corium::spawn(std::future::pending::<()>());
//!     stuck.abort();
//!     assert!(stuck.await.unwrap_err().is_cancelled());
//!
//!     // A panic is caught and reported, not propagated into the runtime.
//!     let boom = corium::spawn(async { panic!("boom") });
//!     assert!(boom.await.unwrap_err().is_panic());
//!
//!     // Budget: a source that stays ready. Awaiting its readiness 300 times in one task
//!     // would never return Pending on its own; the budget makes the task yield.
//!     let (ours, mut peer) = UnixStream::pair()?;
//!     let sock = PollEvented::new(ours)?;
//!     peer.write_all(b"x")?; // readable from now on, since nobody reads
//!     corium::spawn(async move {
//!         for _ in 0..300 {
//!             sock.registration().readiness(Interest::READABLE).await?;
//!         }
//!         Ok::<(), std::io::Error>(())
//!     })
//!     .await
//!     .expect("the task panicked")
//! })?;
//! assert!(rt.metrics().worker_budget_forced_yield_count(0) >= 2);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! | seed step | corium item |
//! |---|---|
//! | `tokio::spawn(async move { .. })` | [`corium::spawn`](crate::spawn) ([`task::spawn`](crate::task::spawn)), [`runtime::Handle::spawn`](crate::runtime::Handle::spawn) |
//! | `runtime::context::spawn_handle()` (the thread-local current runtime) | [`runtime::Handle::current`](crate::runtime::Handle::current), [`runtime::Handle::try_current`](crate::runtime::Handle::try_current) |
//! | `task::joinable(future)` → `(task, handle)` | the task cell in `executor/src/task/core.rs`; the handle is [`JoinHandle`](crate::task::JoinHandle) |
//! | the task's state word | `State` in `executor/src/task/state.rs` (bits listed above) |
//! | a `Waker` that schedules the task | `executor/src/task/waker.rs` (a `RawWakerVTable` over the task header) |
//! | awaiting the handle | [`JoinHandle`](crate::task::JoinHandle) as a future → `Result<T, JoinError>` |
//! | cancelling | [`JoinHandle::abort`](crate::task::JoinHandle::abort), [`AbortHandle`](crate::task::AbortHandle), [`JoinError::is_cancelled`](crate::task::JoinError::is_cancelled) |
//! | a task that panicked | [`JoinError::is_panic`](crate::task::JoinError::is_panic), [`JoinError::into_panic`](crate::task::JoinError::into_panic) |
//! | yielding voluntarily | [`task::yield_now`](crate::task::yield_now) |
//! | the budget around each poll | [`coop::budget`](crate::reactor::coop::budget), [`coop::BUDGET`](crate::reactor::coop::BUDGET), [`coop::poll_spend`](crate::reactor::coop::poll_spend), [`coop::poll_proceed`](crate::reactor::coop::poll_proceed), [`RuntimeMetrics::worker_budget_forced_yield_count`](crate::runtime::RuntimeMetrics::worker_budget_forced_yield_count) |
//! | blocking work off the workers | [`task::spawn_blocking`](crate::task::spawn_blocking) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt* of the example above with `CORIUM_TRACE=all` (times vary). The
//! aborted task is cancelled without ever being polled. The budget task parks once waiting for
//! its first readable event; after that every readiness is immediate, and each
//! `RawTask::wake: task 2 woken` without a token is the budget running out: the task woke
//! itself and went to the back of the queue, to be polled again with a fresh budget.
//!
//! ```text
//!       125µs main            [executor] spawn: task 1
//!       190µs main            [executor] Worker::schedule: task 1 → worker 0 local
//!       229µs main            [executor] Harness::cancel: task 1 cancelled
//!       363µs main            [executor] spawn: task 2
//!       373µs main            [executor] Worker::schedule: task 2 → worker 0 local
//!       384µs main            [executor] Harness::poll: poll task 2
//!       407µs main            [executor] Parker::park: worker 0 EMPTY → PARKED_DRIVER
//!       418µs main            [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 1
//!       452µs main            [reactor]  ScheduledIo::set_readiness: token 0 +READABLE | WRITABLE read-tick 0→1 write-tick 0→1
//!       469µs main            [executor] RawTask::wake: task 2 woken by token 0
//!       475µs main            [executor] Worker::schedule: task 2 → worker 0 local
//!       492µs main            [executor] Harness::poll: poll task 2
//!       536µs main            [executor] RawTask::wake: task 2 woken
//!       544µs main            [executor] Worker::schedule: task 2 → worker 0 local
//!       551µs main            [executor] Harness::poll: poll task 2
//!       592µs main            [executor] RawTask::wake: task 2 woken
//!       599µs main            [executor] Worker::schedule: task 2 → worker 0 local
//!       605µs main            [executor] Harness::poll: poll task 2
//!       656µs main            [executor] Harness::poll: task 2 complete
//! ```
