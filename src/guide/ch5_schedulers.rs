//! # Chapter 5 — The schedulers
//!
//! *Seed: `004` (spawn into the inject queue, waking an idle worker, `unpark_driver`). Layer:
//! [`corium::runtime`](crate::runtime), the `corium-executor` crate.*
//!
//! A scheduler decides which runnable task runs next, on which thread, and what a thread with
//! nothing to run does. corium has two, chosen with
//! [`Builder::new_current_thread`](crate::runtime::Builder::new_current_thread) and
//! [`Builder::new_multi_thread`](crate::runtime::Builder::new_multi_thread).
//!
//! ## Current thread
//!
//! All tasks run on the thread inside [`Runtime::block_on`](crate::runtime::Runtime::block_on).
//! It loops: poll the `block_on` future if it was woken, run up to `event_interval` queued
//! tasks, poll the driver without blocking; with nothing left it parks *in the driver*, so one
//! sleep serves I/O events, timers and wakes from other threads alike. Wakes from its own
//! thread go straight to the local queue; wakes from other threads go to a locked remote
//! queue, and unpark it.
//!
//! ## Work stealing
//!
//! Each worker of the multi-thread scheduler has:
//!
//! * a **LIFO slot** holding the task most recently woken or spawned *on this worker* —
//!   typically by the task running there. It runs next, while the data the two share is
//!   still in cache; a
//!   ping-ponging pair could monopolise the worker that way, so at most three LIFO polls
//!   follow one task before the slot's occupant goes to the back of the queue;
//! * a bounded **local queue** (256 tasks). When it is full, half of it moves to the
//!   injector; other workers can steal from its front;
//! * and all workers share the global **injector**, where tasks scheduled from outside any
//!   worker land — like the seed's `spawn` from the main thread. Every
//!   [`global_queue_interval`](crate::runtime::Builder::global_queue_interval) ticks a worker
//!   checks the injector first, so a busy local queue cannot starve it, and every
//!   [`event_interval`](crate::runtime::Builder::event_interval) ticks it polls the driver
//!   without blocking.
//!
//! A worker with an empty queue **searches**: it steals half of a random sibling's queue,
//! then a fair share of the injector. To keep idle workers from swarming the same queues, at
//! most half of them search at once; the others park at once. A producer that queues a task
//! wakes a sleeper only if nobody is searching, since a searcher will find the task; a
//! searcher that finds work and was the last one wakes another if more is still queued.
//! (tokio's wakes another unconditionally; when tasks arrive one at a time that wake-up only
//! finds nothing and parks again, a system call each way per task.)
//!
//! ## Parking without losing a wake-up
//!
//! An idle worker sleeps in one of two places. If it manages to take the reactor driver it
//! sleeps inside [`Driver::turn`](crate::reactor::Driver::turn), and so also wakes for I/O and
//! timers; the others sleep on their own condvar. Where it sleeps is recorded in one atomic per
//! worker (in `executor/src/scheduler/park.rs`):
//!
//! | state | meaning | how `unpark` reaches it |
//! |---|---|---|
//! | `EMPTY` | awake, nothing pending | records `NOTIFIED` |
//! | `NOTIFIED` | an unpark no park has consumed yet | nothing more: the next park returns at once |
//! | `PARKED_CONDVAR` | asleep on its condvar | notifies the condvar, under the mutex the sleeper checks with |
//! | `PARKED_DRIVER` | asleep in `Driver::turn` | [`reactor::Handle::unpark`](crate::reactor::Handle::unpark) → the selector [`Waker`](crate::sys::Waker) |
//!
//! `unpark` always *swaps* in `NOTIFIED` and acts on the state it replaced. So an unpark that
//! comes before the park is remembered, several unparks collapse into one, and a sleeper that
//! published "I am in the driver" is woken through the driver — the seed's `unpark_driver`,
//! which in corium ends in one `write` to the eventfd.
//!
//! ## Spinning before sleeping (a corium addition)
//!
//! A sleep and its wake-up cost a futex wait, a futex wake (or that eventfd `write`) on the
//! other thread, and a context switch each way: several microseconds, nearly all in the
//! kernel. Where two threads hand work back and forth — the `block_on` thread draining a
//! channel that a task on a worker fills — both would pay that thousands of times a second. So
//! the `block_on` thread, and a searching worker whose work came through the injector, first
//! *spin* for up to 50 µs watching for their wake-up (`executor/src/scheduler/spin.rs`): if it
//! comes, nobody slept, and the waker found nobody to wake. Spinning is a bet that burns a core
//! when lost, so a thread spins only if its last sleep was short (its work came within 50 µs
//! of it going to sleep, as stamped by the unpark), and after 64 busy spins it yields the core
//! at each turn, in case the thread it waits for needs it. An idle runtime loses the bet once
//! and then sleeps at once. I/O never arms it: readiness arrives at whichever worker sleeps in
//! the driver, so a spinning worker would be watching the wrong place.
//!
//! ## Example: a park, and a steal
//!
//! The second half blocks one worker on purpose (never do this in real code) so that the
//! tasks it queued can only run if the other worker steals them.
//!
//! ```rust
//! use std::sync::mpsc;
//! use std::time::Duration;
//! use corium::runtime::Builder;
//!
//! // Current thread: waiting for a timer parks the thread in the driver.
//! let rt = Builder::new_current_thread().enable_time().build()?;
//! rt.block_on(corium::time::sleep(Duration::from_millis(1)));
//! assert!(rt.metrics().worker_park_count(0) >= 1);
//!
//! // Work stealing: a task spawned on a worker goes to that worker's LIFO slot and local
//! // queue. While that worker is blocked, only a steal can run them.
//! let rt = Builder::new_multi_thread().worker_threads(2).build()?;
//! let (done, finished) = mpsc::channel();
//! // Spawned from the main thread, the parent goes through the injector.
//! rt.block_on(rt.spawn(async move {
//!     for _ in 0..8 {
//!         let done = done.clone();
//!         // The last child runs only after the parent returned and dropped the receiver,
//!         // so its send may fail; that is expected.
//!         drop(corium::spawn(async move { let _ = done.send(()); }));
//!     }
//!     // The last child sits in this worker's LIFO slot, which is never stolen; the other
//!     // seven are in its local queue.
//!     for _ in 0..7 {
//!         finished
//!             .recv_timeout(Duration::from_secs(10))
//!             .expect("the other worker should steal and run the queued tasks");
//!     }
//! }))
//! .expect("the parent task panicked");
//! let m = rt.metrics();
//! let stolen: u64 = (0..m.num_workers()).map(|w| m.worker_steal_count(w)).sum();
//! assert!(stolen >= 7, "stolen: {stolen}");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Seed step → corium item
//!
//! | seed 004 step | corium item |
//! |---|---|
//! | the main thread parks in `block_on`, then returns from `park()` when woken | [`Runtime::block_on`](crate::runtime::Runtime::block_on); the thread parker in `executor/src/scheduler/block_on.rs` |
//! | `spawn_handle.shared.schedule(task, false)` | `Handle::schedule_task` in `executor/src/scheduler/multi_thread/worker.rs`, reached from [`runtime::Handle::spawn`](crate::runtime::Handle::spawn) |
//! | "may schedule to local (only in worker threads)" | the LIFO slot and local queue: [`RuntimeMetrics::worker_lifo_hits`](crate::runtime::RuntimeMetrics::worker_lifo_hits), [`worker_local_queue_depth`](crate::runtime::RuntimeMetrics::worker_local_queue_depth), [`worker_overflow_count`](crate::runtime::RuntimeMetrics::worker_overflow_count) |
//! | `self.inject.push(task)` (global queue) | the injector (`Shared::inject`, worker.rs); [`RuntimeMetrics::injection_queue_depth`](crate::runtime::RuntimeMetrics::injection_queue_depth) |
//! | `self.idle.worker_to_notify()` | `Idle::worker_to_notify` in `executor/src/scheduler/multi_thread/idle.rs` |
//! | `self.remotes[index].unpark.unpark()` | `Unparker::unpark` in `executor/src/scheduler/park.rs`; counted by [`RuntimeMetrics::worker_unpark_count`](crate::runtime::RuntimeMetrics::worker_unpark_count) |
//! | `state.swap(NOTIFIED)` over `EMPTY` / `NOTIFIED` / `PARKED_CONDVAR` / `PARKED_DRIVER` | the same four constants in `executor/src/scheduler/park.rs` (table above) |
//! | `unpark_condvar` | the condvar branch of `Unparker::unpark` |
//! | `unpark_driver` → `handle.unpark()` → `inner.waker.wake()` | [`reactor::Handle::unpark`](crate::reactor::Handle::unpark) → [`sys::Waker::wake`](crate::sys::Waker::wake) |
//! | a worker parks | [`RuntimeMetrics::worker_park_count`](crate::runtime::RuntimeMetrics::worker_park_count) |
//! | stealing | [`RuntimeMetrics::worker_steal_count`](crate::runtime::RuntimeMetrics::worker_steal_count), [`worker_steal_operations`](crate::runtime::RuntimeMetrics::worker_steal_operations) |
//! | back to `accept`: readiness still set, `WouldBlock`, clear, `Pending`, park | [chapter 2](super::ch2_readiness) ([`Registration::async_io`](crate::reactor::Registration::async_io)) |
//! | number of workers, fairness knobs | [`Builder::worker_threads`](crate::runtime::Builder::worker_threads), [`Builder::global_queue_interval`](crate::runtime::Builder::global_queue_interval), [`Builder::event_interval`](crate::runtime::Builder::event_interval) |
//!
//! ## What the trace shows
//!
//! *Illustrative excerpt* of the stealing half of the example with `CORIUM_TRACE=all` (times
//! and worker numbers vary). The main thread spawns into the injector and unparks a worker
//! sleeping on its condvar; that worker, finding more work than it needs, unparks the other,
//! which sleeps in the driver — the seed's `unpark_driver`, one `write` to the eventfd. Each
//! spawn from the running task takes the LIFO slot and pushes the previous occupant to the
//! local queue; the woken worker then steals from that queue in batches, and the last child,
//! still in the LIFO slot, runs on its own worker once the parent returns.
//!
//! ```text
//!     20554µs main            [executor] Handle::schedule: task 1 → inject
//!     20592µs main            [executor] Unparker::unpark: worker 1 PARKED_CONDVAR → NOTIFIED
//!     20637µs main            [executor] Parker::park: block_on thread EMPTY → PARKED_CONDVAR
//!     20654µs corium-worker-1 [executor] Parker::park: worker 1 NOTIFIED → EMPTY
//!     20683µs corium-worker-1 [executor] Worker::steal: worker 1 stole 1 task from inject
//!     20688µs corium-worker-1 [executor] Unparker::unpark: worker 0 PARKED_DRIVER → NOTIFIED
//!     20706µs corium-worker-1 [selector] Waker::wake → write(eventfd=5, +1) = 8
//!     20720µs corium-worker-1 [executor] Harness::poll: poll task 1
//!     20739µs corium-worker-1 [executor] Worker::schedule: task 2 → worker 1 lifo
//!     20749µs corium-worker-1 [executor] Worker::schedule: task 3 → worker 1 lifo
//!     20753µs corium-worker-1 [executor] Worker::schedule: task 2 → worker 1 local
//!     20827µs corium-worker-1 [executor] Worker::schedule: task 9 → worker 1 lifo
//!     20831µs corium-worker-1 [executor] Worker::schedule: task 8 → worker 1 local
//!     20861µs corium-worker-0 [selector] Poll::poll ← epoll_event { events: EPOLLIN, u64: 18446744073709551615 }
//!     20891µs corium-worker-0 [executor] Parker::park: worker 0 NOTIFIED → EMPTY
//!     20908µs corium-worker-0 [executor] Worker::steal: worker 0 stole 4 tasks from worker 1
//!     20913µs corium-worker-0 [executor] Harness::poll: poll task 2
//!     20968µs corium-worker-0 [executor] Worker::steal: worker 0 stole 2 tasks from worker 1
//!     20991µs corium-worker-0 [executor] Worker::steal: worker 0 stole 1 task from worker 1
//!     21007µs corium-worker-0 [executor] Parker::park: worker 0 EMPTY → PARKED_DRIVER
//!     21027µs corium-worker-1 [executor] Harness::poll: task 1 complete
//!     21047µs corium-worker-1 [executor] Unparker::unpark: block_on thread PARKED_CONDVAR → NOTIFIED
//!     21062µs corium-worker-1 [executor] Harness::poll: poll task 9
//! ```
