//! # corium-sync
//!
//! Synchronisation for tasks: channels (`mpsc`, `oneshot`, `broadcast`, `watch`), locks
//! (`Mutex`, `RwLock`), `Semaphore`, `Notify`, `Barrier` and `OnceCell`, with tokio's
//! signatures and semantics. Re-exported as `corium::sync`.

// Shared by the channels (and the primitives).
mod blocking;
mod loom;
#[cfg(all(test, loom))]
mod loom_block_on;

pub mod oneshot;
