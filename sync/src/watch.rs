//! A single-value channel: receivers see the *latest* value, and can wait for it to change.
//!
//! The typical use is configuration or state that many tasks read and one (or a few) update:
//! [`Receiver::borrow`] reads the current value, [`Receiver::changed`] waits until a value
//! newer than the last one this receiver saw is sent. Intermediate values may be skipped.
//!
//! ```
//! # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
//! use corium_sync::watch;
//!
//! let (tx, mut rx) = watch::channel("v1");
//! let reader = corium_executor::spawn(async move {
//!     rx.changed().await.unwrap();
//!     *rx.borrow_and_update()
//! });
//! tx.send("v2").unwrap();
//! assert_eq!(reader.await.unwrap(), "v2");
//! # });
//! ```
//!
//! # How it works
//!
//! The value sits behind a read-write lock; next to it, one atomic word holds a version
//! counter (shifted left by one) and a "closed" bit. Every send bumps the version while it
//! holds the write lock; each receiver remembers the version it last saw, so "changed?" is
//! one load and a compare. Waiting receivers sit on a [`Notify`]:
//! `changed` registers its `Notified` *before* it compares versions, and a send bumps the
//! version *before* `notify_waiters`, so a send between the compare and the wait is never
//! missed.
//!
//! # Differences from tokio
//!
//! `changed` and `wait_for` spend one unit of the coop budget when called, rather than only
//! when they complete.

use std::fmt;
use std::ops::Deref;
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;

use corium_reactor::coop;

use crate::loom::{Arc, AtomicUsize, RwLock, RwLockReadGuard};
use crate::Notify;

/// Errors of the [`watch`](self) channel.
pub mod error {
    use std::fmt;

    /// No receiver is left: [`Sender::send`](super::Sender::send) gives the value back. The
    /// same type as [`mpsc::error::SendError`](crate::mpsc::error::SendError) (tokio has one
    /// per module; they are identical).
    pub use crate::mpsc::error::SendError;

    /// Every sender is gone (and, for `changed`, no unseen value is left).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use self::error::{RecvError, SendError};

/// The state word's closed bit; the version counts in steps of [`STEP`].
const CLOSED: usize = 1;
const STEP: usize = 2;

struct Shared<T> {
    value: RwLock<T>,
    /// `version * STEP | CLOSED`; the version changes only under the write lock.
    state: AtomicUsize,
    receivers: AtomicUsize,
    senders: AtomicUsize,
    /// Receivers waiting in `changed`.
    notify_rx: Notify,
    /// Senders waiting in `closed`.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic in a `send_modify` closure poisons nothing we rely on: the value is whatever
        // the closure left, as with tokio.
        self.value.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// Sends values to every [`Receiver`].
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes. Clone it for more readers.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver saw last.
    version: usize,
}

/// A read lock on the value: hold it briefly (senders wait while it lives).
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was new to the receiver that borrowed it (always `false` from
    /// [`Receiver::borrow`] and [`Sender::borrow`] when nothing changed).
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// Creates a watch channel holding `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        receivers: AtomicUsize::new(1),
        senders: AtomicUsize::new(1),
        notify_rx: Notify::new(),
        notify_tx: Notify::new(),
    });
    let rx = Receiver {
        shared: shared.clone(),
        version: 0,
    };
    (Sender { shared }, rx)
}

/// Waits for a version other than `seen`, then records it (the body of `changed`).
async fn changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        let mut notified = pin!(shared.notify_rx.notified());
        // Registered before the check: a send after it will wake us.
        notified.as_mut().enable();
        let state = shared.state.load(SeqCst);
        if state / STEP != *seen {
            *seen = state / STEP;
            return Ok(());
        }
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

/// One unit of the coop budget, spent on entering a wait (see the module docs).
async fn spend_budget() {
    std::future::poll_fn(coop::poll_spend).await;
}

impl<T> Receiver<T> {
    /// Reads the current value without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let has_changed = self.shared.state.load(SeqCst) / STEP != self.version;
        Ref { guard, has_changed }
    }

    /// Reads the current value and marks it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        // Read under the lock: a send bumps the version only while it holds the write lock.
        let version = self.shared.state.load(SeqCst) / STEP;
        let has_changed = version != self.version;
        self.version = version;
        Ref { guard, has_changed }
    }

    /// Whether a value this receiver has not seen was sent.
    ///
    /// # Errors
    /// [`RecvError`] once every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(SeqCst);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state / STEP != self.version)
    }

    /// Makes the current value count as unseen.
    pub fn mark_changed(&mut self) {
        self.version = (self.shared.state.load(SeqCst) / STEP).wrapping_sub(1);
    }

    /// Makes the current value count as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state.load(SeqCst) / STEP;
    }

    /// Waits until a value this receiver has not seen is sent, and marks it seen. Cancel-safe.
    ///
    /// # Errors
    /// [`RecvError`] once every sender is gone and no unseen value is left.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        spend_budget().await;
        changed(&self.shared, &mut self.version).await
    }

    /// Waits until the value satisfies `f` (checking the current one first), marks it seen and
    /// returns it, still locked, so it is the value `f` approved.
    ///
    /// # Errors
    /// [`RecvError`] if every sender is gone before a matching value is seen.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        spend_budget().await;
        // Two disjoint borrows, so the returned guard's borrow does not block the waiting.
        let shared = &*self.shared;
        let seen = &mut self.version;
        let mut closed = false;
        loop {
            // The guard lives only inside this statement, so none is held across the await
            // below (the future stays `Send`).
            if let Some(value) = {
                let guard = shared.read();
                let version = shared.state.load(SeqCst) / STEP;
                let has_changed = version != *seen;
                *seen = version;
                f(&guard).then_some(Ref { guard, has_changed })
            } {
                return Ok(value);
            }
            if closed {
                return Err(RecvError(()));
            }
            // After the close, look once more: the last value may have been sent just before.
            closed = changed(shared, seen).await.is_err();
        }
    }

    /// Whether both receivers watch the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, SeqCst);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, SeqCst) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (subscribe to get one).
    pub fn new(init: T) -> Sender<T> {
        let (tx, rx) = channel(init);
        drop(rx);
        tx
    }

    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    /// Gives `value` back if there is no receiver (the value is not stored then).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.load(SeqCst) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies the receivers, even with none.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers only if `modify` returns `true`.
    /// Returns what `modify` returned.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = self.shared.value.write().unwrap_or_else(|p| p.into_inner());
            if !modify(&mut value) {
                return false;
            }
            // Bumped under the write lock, so `borrow_and_update` reads a matching pair.
            self.shared.state.fetch_add(STEP, SeqCst);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// Replaces the value, notifies the receivers (even with none), and returns the old value.
    pub fn send_replace(&self, value: T) -> T {
        let mut old = Some(value);
        self.send_modify(|v| {
            old = Some(std::mem::replace(v, old.take().expect("taken once")));
        });
        old.expect("put back by the closure")
    }

    /// Reads the current value (`Ref::has_changed` is `false`).
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.read(),
            has_changed: false,
        }
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes once every receiver is gone.
    pub async fn closed(&self) {
        spend_budget().await;
        loop {
            let mut notified = pin!(self.shared.notify_tx.notified());
            notified.as_mut().enable();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// A new receiver, which counts the current value as seen.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, SeqCst);
        Receiver {
            shared: self.shared.clone(),
            version: self.shared.state.load(SeqCst) / STEP,
        }
    }

    /// The number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(SeqCst)
    }

    /// The number of live senders.
    pub fn sender_count(&self) -> usize {
        self.shared.senders.load(SeqCst)
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.senders.fetch_add(1, SeqCst);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, SeqCst) == 1 {
            self.shared.state.fetch_or(CLOSED, SeqCst);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.borrow())
            .finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.borrow())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, loom))]
#[path = "watch_loom.rs"]
mod loom_tests;
#[cfg(all(test, not(loom)))]
#[path = "watch_tests.rs"]
mod tests;
