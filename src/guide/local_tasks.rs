//! # Local tasks, and blocking a worker in place
//!
//! *Layer: [`corium::task`](crate::task), the `corium-executor` crate. Files:
//! `executor/src/task/local.rs`, `executor/src/runtime/local.rs`,
//! `executor/src/scheduler/multi_thread/handoff.rs`.*
//!
//! [Chapter 5](super::ch5_schedulers) moved tasks freely between threads: any worker may poll
//! any task. This chapter is about the two places where corium pins work to one thread on
//! purpose — tasks that *cannot* move, and a task that must *block* its thread.
//!
//! ## Why some tasks are `!Send`
//!
//! [`spawn`](crate::task::spawn) requires `F: Send` because the work-stealing scheduler may
//! poll the future on any worker, and a stolen task may be polled next on another core. Plenty
//! of real futures are not `Send`: they hold an `Rc`, keep a `RefCell` borrow across an
//! `.await`, or own a handle of a C library that must stay on the thread that opened it. The
//! compiler rejects them for `spawn`, and it is right to: two threads could touch the same
//! `Rc` count at once.
//!
//! Such a future can still be a task if every poll of it, and its destructor, run on the thread
//! that created it. A [`LocalSet`](crate::task::LocalSet) is that promise, kept by
//! construction: the set is itself `!Send`, its tasks are polled only while the set is polled,
//! and so only on its thread.
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use corium::task::{self, LocalSet};
//!
//! let rt = corium::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let local = LocalSet::new();
//! let log = Rc::new(RefCell::new(Vec::new())); // neither Send nor Sync
//! local.block_on(&rt, async {
//!     let mut tasks = Vec::new();
//!     for i in 0..3 {
//!         let log = log.clone();
//!         tasks.push(task::spawn_local(async move {
//!             task::yield_now().await; // the borrow below is not held across this
//!             log.borrow_mut().push(i);
//!         }));
//!     }
//!     for t in tasks {
//!         t.await.unwrap();
//!     }
//! });
//! assert_eq!(log.borrow().len(), 3);
//! ```
//!
//! A [`LocalRuntime`](crate::runtime::LocalRuntime) (from
//! [`Builder::build_local`](crate::runtime::Builder::build_local)) is a current-thread runtime
//! with such a set built in and entered for the whole `block_on`, so
//! [`spawn_local`](crate::task::spawn_local) works from every task on it.
//!
//! ## How a `LocalSet` schedules
//!
//! The task cell is the same one-allocation cell as for any task (chapter 4); only its
//! scheduler differs. The set has two queues:
//!
//! * a **local queue**, a plain `VecDeque` in a `RefCell`, reachable only from the set's own
//!   thread — no atomics, no lock;
//! * a **remote queue** behind a mutex, for wakes that happen elsewhere.
//!
//! Polling the set (through [`run_until`](crate::task::LocalSet::run_until),
//! [`block_on`](crate::task::LocalSet::block_on), or awaiting the set) runs up to 61 tasks,
//! looking at the remote queue first every 31 of them, then returns `Pending` — after waking
//! itself if work is left — so the runtime around it gets its turn for I/O and other tasks.
//! While a poll of the set is on the stack, a thread-local names the set: that is how
//! `spawn_local` finds it, and how a wake on this thread knows it may push onto the local
//! queue directly.
//!
//! ## Woken from another thread
//!
//! A task's `Waker` is `Send` even when the task is not — the reactor's driver, a timer, or a
//! channel sender on another thread may hold it. Such a wake must not poll the task there. It
//! does three things only: it pushes the task onto the set's remote queue, takes the waker that
//! the set's last poll registered (the waker of the `block_on` thread, or of the task the set
//! runs inside), and wakes it — which unparks the owning thread, whose next poll of the set
//! runs the task.
//!
//! The one subtle ordering: the set registers its waker *before* it reads the remote queue,
//! and both sides take the queue's lock. So a remote wake either lands before the read (and is
//! run by it) or finds the fresh waker (and wakes the owner again). The loom model
//! `loom_local_set_remote_wake` (in `executor/src/task/loom_local.rs`) checks every
//! interleaving, and fails if the registration moves after the read.
//!
//! Dropping the set cancels its tasks on its own thread — their destructors run there, with the
//! set current — and then closes the remote queue. A wake arriving later finds it closed and
//! just drops its reference: the future it would have touched is already gone.
//!
//! ## Blocking a worker without stalling its queue
//!
//! [`block_in_place`](crate::task::block_in_place) runs a blocking closure on the current
//! worker thread. On the multi-thread runtime every worker owns a *core* — its LIFO slot and
//! local queue (chapter 5) — kept in a thread-local so that a wake finds it with one tag
//! compare. Blocking the thread would strand every task queued behind the blocking one, so the
//! core is handed off first:
//!
//! 1. the core is taken out of the worker's thread-local (no borrow of it is alive during a
//!    task's poll, so this cannot conflict) and put in a one-slot `HandOff`;
//! 2. the runtime counts one more worker thread in, and starts it; it takes the core from the
//!    hand-off and runs the ordinary worker loop with it;
//! 3. the calling thread runs the closure, marked as outside async code (so the closure may
//!    `block_on`); wakes on it go to the injector, as from any non-worker thread;
//! 4. when the closure returns, the caller tries to take the core back. If the new thread had
//!    not taken it yet, the core is reinstalled and the new thread, finding the slot empty,
//!    exits. Otherwise the task's poll finishes without a core, the old worker loop sees its
//!    slot empty and ends, and the thread counts itself out.
//!
//! Exactly one thread ends up owning the core (loom model `loom_block_in_place_hand_off`), and
//! since the new thread is counted before it starts, shutdown waits for both. On a
//! current-thread runtime there is no other thread to take the queue, so `block_in_place`
//! panics and points at [`spawn_blocking`](crate::task::spawn_blocking).
//!
//! ```
//! use corium::task;
//!
//! let rt = corium::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
//! let (tx, rx) = std::sync::mpsc::channel();
//! let got = rt.block_on(rt.spawn(async move {
//!     // Queued on the only worker, behind the task that is about to block it.
//!     let sender = task::spawn(async move { tx.send("ran meanwhile").unwrap() });
//!     let got = task::block_in_place(|| rx.recv().unwrap());
//!     sender.await.unwrap();
//!     got
//! }));
//! assert_eq!(got.unwrap(), "ran meanwhile");
//! ```
//!
//! ## Concept → corium item
//!
//! | concept | corium item |
//! |---|---|
//! | a group of `!Send` tasks on one thread | [`LocalSet`](crate::task::LocalSet) |
//! | spawn onto the current set | [`spawn_local`](crate::task::spawn_local) |
//! | a runtime where `spawn_local` works everywhere | [`LocalRuntime`](crate::runtime::LocalRuntime), [`Builder::build_local`](crate::runtime::Builder::build_local) |
//! | a `!Send` task's allocation | `RawTask::new_local` (`executor/src/task/raw.rs`) |
//! | a remote wake of a local task | `Shared::schedule_remote` (`executor/src/task/local.rs`) |
//! | block a worker, keep its queue running | [`block_in_place`](crate::task::block_in_place), `HandOff` (`executor/src/scheduler/multi_thread/handoff.rs`) |
