//! # Waiting without a thread — waiter queues, permits, and why cancellation gives back
//!
//! *Layer: [`corium::sync`](crate::sync) (the `corium-sync` crate). Every lock, the
//! [`Semaphore`](crate::sync::Semaphore), [`Notify`](crate::sync::Notify) and the bounded
//! channel are built from the three ideas of this chapter.*
//!
//! ## A waiter is a node inside the future
//!
//! A blocking mutex parks the *thread*. A task cannot do that: its thread runs other tasks.
//! So a task that must wait leaves a note and returns `Pending`, and whoever frees the
//! resource reads the note and wakes it. In corium the note is a **node that lives inside the
//! waiting future itself** (`sync/src/waiter_list.rs`): the future's first poll links it into
//! an intrusive FIFO list kept under a short lock, with the task's `Waker` in it. Nothing is
//! allocated, however many tasks wait, and the list is a queue: the oldest waiter is served
//! first, so nobody starves.
//!
//! The node may be linked only while the future cannot move (it is pinned), and the future's
//! `Drop` unlinks it before its memory goes away: these two rules are what every `unsafe`
//! block of the list proves from. The waking side unlinks the node, takes the waker, and
//! *publishes* the hand-over with one atomic store as its very last touch of the node; the
//! future reads that store without the lock and can complete (or be freed) at once.
//!
//! ## Permits: one counter for every lock
//!
//! [`Mutex`](crate::sync::Mutex), [`RwLock`](crate::sync::RwLock),
//! [`OnceCell`](crate::sync::OnceCell) and the bounded `mpsc` channel are all one *batch
//! semaphore* (`sync/src/batch_semaphore.rs`) plus their data: a mutex is 1 permit; a
//! `RwLock` has `max_readers` permits, a reader takes one and a writer takes all of them; a
//! bounded channel has one permit per free slot; a `OnceCell` has one permit meaning "the right
//! to initialise".
//!
//! The semaphore keeps its free permits and two flags in one atomic word. A writer asking for
//! all the permits of a `RwLock` while readers hold some does not wait for them all at once:
//! it takes what is free and keeps its place at the head of the queue, collecting permits as
//! readers leave. Meanwhile **no permit is free while anyone waits** — released permits go to
//! the oldest waiter first — so a reader arriving after the writer finds nothing and queues
//! behind it. That one rule is what makes the `RwLock` fair (a waiting writer blocks new
//! readers) and it is also what keeps the fast paths fast: when nobody waits, acquiring is one
//! compare-and-swap on the word and releasing is another, with no lock at all.
//!
//! ```
//! use std::sync::Arc;
//! use corium::sync::RwLock;
//!
//! // One thread, so `yield_now` lets the spawned writer run until it waits.
//! let rt = corium::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//! let lock = Arc::new(RwLock::new(0));
//! let reader = lock.read().await;
//! // A writer queues behind the reader...
//! let writer = {
//!     let lock = lock.clone();
//!     corium::spawn(async move { *lock.write().await += 1 })
//! };
//! corium::task::yield_now().await;
//! // ...and from then on a new reader cannot slip in ahead of it.
//! assert!(lock.try_read().is_err());
//! drop(reader);
//! writer.await.unwrap();
//! assert_eq!(*lock.read().await, 1);
//! });
//! ```
//!
//! ## Why cancellation must give back
//!
//! In async Rust any `.await` can be abandoned: a `select!` picks another branch, a `timeout`
//! fires, a task is aborted. The waiting future is simply dropped. If it had already been
//! handed something — two of the three permits it asked for, or the wake-up of a
//! `notify_one` — and its drop just unlinked the node, those permits would be gone for good (a
//! semaphore slowly shrinking to zero) or the notification lost (a task that waits forever
//! although someone notified). So in corium every waiting future's `Drop` **gives back what it
//! was given**: a dropped `acquire` releases its partial permits to the next waiter, a dropped
//! `lock()` that had just been handed the mutex passes it on, a dropped
//! [`Notified`](crate::sync::Notified) chosen by `notify_one` forwards the notification to the
//! next waiter (or stores it as the permit), and a cancelled `OnceCell` initialiser lets the
//! next task run its own.
//!
//! ```
//! use std::time::Duration;
//! use corium::sync::Semaphore;
//!
//! # corium::runtime::Runtime::new().unwrap().block_on(async {
//! let semaphore = Semaphore::new(2);
//! let held = semaphore.acquire().await.unwrap();
//! // Wants 3: takes the 1 free permit, waits for 2 more, and is cancelled by the timeout.
//! let waited = corium::time::timeout(Duration::from_millis(5), semaphore.acquire_many(3)).await;
//! assert!(waited.is_err());
//! // The permit it had collected came back.
//! assert_eq!(semaphore.available_permits(), 1);
//! drop(held);
//! assert_eq!(semaphore.available_permits(), 2);
//! # });
//! ```
//!
//! ## No lost wake-ups, and no starving neighbours
//!
//! Two more rules close the loop. A waker is only ever woken **after** the list's lock is
//! released (wakers are collected in a small batch first), because waking runs executor code
//! that may drop a future which takes the same lock. And every completed wait spends one unit
//! of the task's cooperative budget ([`corium::reactor::coop`](crate::reactor::coop), the same
//! budget sockets spend): a task locking an always-free mutex in a loop still returns
//! `Pending` every 128 locks, so the other tasks on its thread get to run. Outside a corium
//! runtime the budget is unlimited, and the primitives work under any executor: they only use
//! `std::task`.
//!
//! The protocols are checked by loom models (`sync/src/batch_semaphore_loom.rs`,
//! `sync/src/notify_loom.rs`: every interleaving of acquire, release, cancel and close; of
//! `notify_waiters` against a `notified()` being polled) and the list's pointer discipline by
//! Miri on the unit tests.
