//! A multi-producer, multi-consumer channel in which every receiver sees every value.
//!
//! The channel is a ring of `capacity` slots (rounded up to a power of two). Senders never
//! wait: when the ring is full the oldest value is overwritten, and a receiver that had not yet
//! read it learns so from [`RecvError::Lagged(n)`](error::RecvError::Lagged) — `n` values
//! were skipped — and continues with the oldest value still held.
//!
//! ```
//! # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
//! use corium_sync::broadcast;
//!
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! tx.send(10).unwrap();
//! assert_eq!(rx1.recv().await, Ok(10));
//! assert_eq!(rx2.recv().await, Ok(10));
//! # });
//! ```
//!
//! # How it works
//!
//! A send takes the tail lock (which orders senders and holds the receiver count), writes the
//! slot at `position % capacity` under that slot's write lock, stamps it with its position and
//! the number of receivers that still have to read it, then wakes the waiting receivers through
//! a [`Notify`]. A receiver keeps its own next position and reads the slot under
//! the slot's read lock: a stamp equal to its position is its value; a stamp one lap behind
//! means "not sent yet"; anything else means it was overwritten (lagged). The last receiver to
//! read a slot drops the value.
//!
//! # Differences from tokio
//!
//! `recv` spends one unit of the coop budget when called, rather than when it completes.

use std::fmt;
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use corium_reactor::coop;

use crate::Notify;

/// Errors of the [`broadcast`](self) channel.
pub mod error {
    use std::fmt;

    /// No receiver is left: [`Sender::send`](super::Sender::send) gives the value back. The
    /// same type as [`mpsc::error::SendError`](crate::mpsc::error::SendError) (tokio has one
    /// per module; they are identical).
    pub use crate::mpsc::error::SendError;

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// This receiver fell behind: that many values were overwritten before it read them.
        /// The next `recv` returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No value is waiting for this receiver.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// This receiver fell behind by that many values (see [`RecvError::Lagged`]).
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use self::error::{RecvError, SendError, TryRecvError};

struct Slot<T> {
    /// The position of the value held (or of the last one, once dropped).
    pos: u64,
    /// Receivers that still have to read this value.
    remaining: AtomicUsize,
    value: Option<T>,
}

struct Tail {
    /// The position the next send gets.
    pos: u64,
    receivers: usize,
}

struct Shared<T> {
    slots: Box<[RwLock<Slot<T>>]>,
    mask: usize,
    tail: Mutex<Tail>,
    senders: AtomicUsize,
    closed: AtomicBool,
    /// Receivers waiting for a value.
    notify_rx: Notify,
    /// Senders waiting in `closed` for the last receiver to go.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn tail(&self) -> MutexGuard<'_, Tail> {
        // Every critical section completes its updates before anything that can panic.
        self.tail.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }
}

/// Sends values to every receiver; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed (unless it lags).
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to read.
    next: u64,
}

/// Creates a broadcast channel holding up to `capacity` values (rounded up to a power of
/// two).
///
/// # Panics
/// If `capacity` is 0 or above `usize::MAX / 2`.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity cannot be zero");
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast channel capacity exceeded `usize::MAX / 2`"
    );
    let capacity = capacity.next_power_of_two();
    let slots = (0..capacity)
        .map(|i| {
            RwLock::new(Slot {
                // One lap behind position `i`: "not sent yet" to a receiver at `i`.
                pos: (i as u64).wrapping_sub(capacity as u64),
                remaining: AtomicUsize::new(0),
                value: None,
            })
        })
        .collect();
    let shared = Arc::new(Shared {
        slots,
        mask: capacity - 1,
        tail: Mutex::new(Tail {
            pos: 0,
            receivers: 1,
        }),
        senders: AtomicUsize::new(1),
        closed: AtomicBool::new(false),
        notify_rx: Notify::new(),
        notify_tx: Notify::new(),
    });
    let rx = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, rx)
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver, overwriting the oldest value if the ring is
    /// full. Returns the number of receivers.
    ///
    /// # Errors
    /// Gives `value` back if there is no receiver.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &*self.shared;
        {
            let mut tail = shared.tail();
            if tail.receivers == 0 {
                return Err(SendError(value));
            }
            let pos = tail.pos;
            tail.pos += 1;
            let mut slot = shared.slots[pos as usize & shared.mask]
                .write()
                .unwrap_or_else(|p| p.into_inner());
            slot.pos = pos;
            slot.remaining.store(tail.receivers, SeqCst);
            // The overwritten value (if its readers lagged) is dropped here, under the locks;
            // a `Drop` of `T` must not send on this channel.
            slot.value = Some(value);
            let receivers = tail.receivers;
            drop(slot);
            drop(tail);
            shared.notify_rx.notify_waiters();
            Ok(receivers)
        }
    }

    /// A new receiver, which gets every value sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// The number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail().receivers
    }

    /// The number of values some receiver has yet to read.
    pub fn len(&self) -> usize {
        let shared = &*self.shared;
        let tail = shared.tail();
        // Walk back from the newest value while slots are still unread by someone.
        let mut len = 0;
        let mut pos = tail.pos;
        while len < shared.slots.len() && pos > 0 {
            pos -= 1;
            let slot = shared.slots[pos as usize & shared.mask]
                .read()
                .unwrap_or_else(|p| p.into_inner());
            if slot.pos != pos || slot.remaining.load(SeqCst) == 0 {
                break;
            }
            len += 1;
        }
        len
    }

    /// Whether no receiver has a value left to read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once every receiver is gone.
    pub async fn closed(&self) {
        std::future::poll_fn(coop::poll_spend).await;
        loop {
            let mut notified = pin!(self.shared.notify_tx.notified());
            notified.as_mut().enable();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// The number of live senders.
    pub fn strong_count(&self) -> usize {
        self.shared.senders.load(SeqCst)
    }
}

fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut tail = shared.tail();
    tail.receivers += 1;
    Receiver {
        shared: shared.clone(),
        next: tail.pos,
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
            // Under the tail lock, so a receiver that saw "not sent yet" and then reads
            // `closed` cannot miss a send that came before.
            let tail = self.shared.tail();
            self.shared.closed.store(true, SeqCst);
            drop(tail);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting for it. Cancel-safe.
    ///
    /// # Errors
    /// [`RecvError::Lagged`] if values were overwritten before this receiver read them (it
    /// then continues with the oldest held); [`RecvError::Closed`] once every sender is gone
    /// and nothing is left.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        std::future::poll_fn(coop::poll_spend).await;
        loop {
            match self.try_recv() {
                Ok(value) => return Ok(value),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
                Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                Err(TryRecvError::Empty) => {}
            }
            let shared = self.shared.clone();
            let mut notified = pin!(shared.notify_rx.notified());
            // Registered before looking again: a send after the look wakes us.
            notified.as_mut().enable();
            match self.try_recv() {
                Ok(value) => return Ok(value),
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
                Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                Err(TryRecvError::Empty) => notified.await,
            }
        }
    }

    /// Takes the next value without waiting.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`] or [`TryRecvError::Lagged`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let shared = &*self.shared;
        // Loaded before the slot: the close comes after the last send, so if it is seen here,
        // that send's slot is seen below.
        let closed = shared.closed.load(SeqCst);
        let slot = shared.slots[self.next as usize & shared.mask]
            .read()
            .unwrap_or_else(|p| p.into_inner());
        if slot.pos != self.next {
            let not_yet_sent = slot.pos.wrapping_add(shared.capacity()) == self.next;
            drop(slot);
            if not_yet_sent {
                return Err(if closed {
                    TryRecvError::Closed
                } else {
                    TryRecvError::Empty
                });
            }
            // Overwritten: skip to the oldest value still held.
            let tail = shared.tail();
            let oldest = tail.pos.saturating_sub(shared.capacity());
            let missed = oldest - self.next;
            // The skipped values no longer wait for us.
            drop(tail);
            self.next = oldest;
            return Err(TryRecvError::Lagged(missed));
        }
        let value = slot.value.clone();
        let last = slot.remaining.fetch_sub(1, SeqCst) == 1;
        drop(slot);
        let pos = self.next;
        self.next += 1;
        if last {
            drop_if_unchanged(shared, pos);
        }
        value.ok_or(TryRecvError::Closed)
    }

    /// Blocks the thread until a value arrives (for synchronous code).
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    ///
    /// # Panics
    /// Inside asynchronous code (a corium runtime): use `recv` there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::blocking::block_on("broadcast::Receiver::blocking_recv", self.recv())
    }
}

/// Drops the value at `pos` once every receiver read it (unless it was overwritten meanwhile).
fn drop_if_unchanged<T>(shared: &Shared<T>, pos: u64) {
    let mut slot = shared.slots[pos as usize & shared.mask]
        .write()
        .unwrap_or_else(|p| p.into_inner());
    if slot.pos == pos && slot.remaining.load(SeqCst) == 0 {
        let value = slot.value.take();
        drop(slot);
        drop(value);
    }
}

impl<T> Receiver<T> {
    /// A new receiver that gets every value sent from now on (not the ones this one has yet
    /// to read).
    pub fn resubscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// The number of values sent that this receiver has not read yet (at most the capacity).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail();
        (tail.pos - self.next).min(self.shared.capacity()) as usize
    }

    /// Whether this receiver has no value waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(SeqCst)
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.senders.load(SeqCst)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let shared = &*self.shared;
        let mut tail = shared.tail();
        tail.receivers -= 1;
        let (end, last) = (tail.pos, tail.receivers == 0);
        drop(tail);
        // The values we did not read no longer wait for us.
        let start = self.next.max(end.saturating_sub(shared.capacity()));
        for pos in start..end {
            let slot = shared.slots[pos as usize & shared.mask]
                .read()
                .unwrap_or_else(|p| p.into_inner());
            let ours = slot.pos == pos && slot.remaining.fetch_sub(1, SeqCst) == 1;
            drop(slot);
            if ours {
                drop_if_unchanged(shared, pos);
            }
        }
        if last {
            shared.notify_tx.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
#[path = "broadcast_tests.rs"]
mod tests;
