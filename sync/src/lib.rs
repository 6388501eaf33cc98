//! # corium-sync
//!
//! Synchronisation for tasks: channels (`mpsc`, `oneshot`, `broadcast`, `watch`), locks
//! (`Mutex`, `RwLock`), `Semaphore`, `Notify`, `Barrier` and `OnceCell`, with tokio's
//! signatures and semantics. Re-exported as `corium::sync`.
//!
//! # How waiting works here
//!
//! Nothing in this crate blocks a thread (except the `blocking_*` calls, which refuse to run
//! on a thread that drives async tasks). A task that must wait links a node that lives *inside
//! its own future* into an intrusive FIFO list (`waiter_list.rs`), stores its `Waker` there and
//! returns `Pending`; whoever makes progress possible unlinks it, hands over what it waited
//! for, and wakes it. So:
//!
//! * **Fair:** waiters are served oldest first.
//! * **Cancel-safe:** dropping a waiting future unlinks its node and gives back whatever was
//!   already handed to it (permits, a notification), so nothing leaks and nobody is skipped.
//! * **On the coop budget:** every completed wait spends one unit of
//!   [`corium_reactor::coop`]'s budget, so an always-ready lock or channel still lets the other
//!   tasks on the thread run.
//! * **Runtime-agnostic:** only `std::task` is used to wait; any executor can drive these
//!   futures (outside a corium runtime the budget is unlimited).
//!
//! # Internal building blocks (for the crate's own modules)
//!
//! * `waiter_list::{List, Node, WakerSlot, WakeBatch}`: the intrusive list, a waker cell for
//!   nodes, and a fixed batch of wakers to wake after unlocking. Invariants in its module docs.
//! * `batch_semaphore::Semaphore`: the fair batch semaphore — `new(permits)` (`const`),
//!   `acquire(n) -> Acquire<'_>` (a future of `Result<(), AcquireError>`, cancel-safe),
//!   `try_acquire(n)`, `release(n)`, `close()`, `is_closed()`, `available_permits()`,
//!   `forget_permits(n)`. `Mutex`, `RwLock`, `OnceCell`, `Semaphore` and the bounded `mpsc`
//!   channel are built on it.
//! * `loom::{AtomicUsize, Mutex, MutexGuard, Ordering}`: the std/loom switch for the models.

mod barrier;
mod batch_semaphore;
mod blocking;
mod loom;
#[cfg(all(test, loom))]
mod loom_block_on;
mod mutex;
mod notify;
mod once_cell;
mod rwlock;
mod rwlock_guards;
mod rwlock_owned;
mod semaphore;
mod waiter_list;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

// The channels.
pub mod broadcast;
#[cfg(all(test, not(loom)))]
mod chan_test_util;
pub mod mpsc;
pub mod oneshot;
pub mod watch;
