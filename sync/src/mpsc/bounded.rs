//! The bounded channel: capacity is the crate's fair batch semaphore, so senders waiting for
//! room are served in FIFO order, and a dropped `send`/`reserve` future gives its place (and
//! any permit already handed to it) back.

use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::chan::{self, Chan, Rx, Semaphore, Tx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::batch_semaphore::{self, MAX_PERMITS};
use crate::loom::Arc;
use crate::TryAcquireError;

/// A bounded channel's capacity: one permit per free slot.
pub(super) struct Bounded {
    semaphore: batch_semaphore::Semaphore,
    bound: usize,
}

impl Bounded {
    /// No permit is out: no message queued, none being sent, none reserved.
    fn is_idle(&self) -> bool {
        self.semaphore.available_permits() == self.bound
    }
}

impl Semaphore for Bounded {
    fn drained(&self, _: usize, _: usize) -> bool {
        self.is_idle()
    }

    fn add_permits(&self, n: usize) {
        self.semaphore.release(n);
    }

    fn close(&self) {
        self.semaphore.close();
    }

    const REFUSES_AFTER_CLOSE: bool = false;
}

impl fmt::Debug for Bounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bounded")
            .field("free", &self.semaphore.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// Creates a channel that holds at most `buffer` messages: [`send`](Sender::send) waits for
/// room once it is full.
///
/// ```
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// use corium_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel(2);
/// tx.send("a").await.unwrap();
/// tx.try_send("b").unwrap();
/// assert!(tx.try_send("c").is_err(), "full");
/// assert_eq!(rx.recv().await, Some("a"));
/// # });
/// ```
///
/// # Panics
/// If `buffer` is 0 (a rendezvous channel is not supported, as with tokio), or larger than
/// `usize::MAX >> 3`.
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= MAX_PERMITS,
        "mpsc bounded channel: requested buffer size too large (at most usize::MAX >> 3)"
    );
    let (tx, rx) = chan::channel(Bounded {
        semaphore: batch_semaphore::Semaphore::new(buffer),
        bound: buffer,
    });
    (Sender { chan: tx }, Receiver { chan: rx })
}

/// Sends to a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Tx<T, Bounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade) it to send.
pub struct WeakSender<T> {
    chan: Arc<Chan<T, Bounded>>,
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    chan: Rx<T, Bounded>,
}

/// One reserved slot: [`send`](Permit::send) fills it without waiting; dropping it gives the
/// slot back.
pub struct Permit<'a, T> {
    chan: &'a Chan<T, Bounded>,
}

/// Several reserved slots (from [`Sender::reserve_many`]), handed out one [`Permit`] at a time;
/// the ones not taken are given back on drop.
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T, Bounded>,
    n: usize,
}

/// A reserved slot that owns its [`Sender`] (from [`Sender::reserve_owned`]).
pub struct OwnedPermit<T> {
    /// `None` once used.
    chan: Option<Sender<T>>,
}

impl<T> Sender<T> {
    fn shared(&self) -> &Chan<T, Bounded> {
        &self.chan.chan
    }

    /// Sends `value`, waiting for room. Cancel-safe in the sense tokio's is: dropping the
    /// future before it completes gives back its place in the queue, and the value is dropped
    /// with the future (it was never queued).
    ///
    /// # Errors
    /// Gives `value` back if the receiver is closed or gone.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if there is room right now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] without room (also while other senders are queued for it),
    /// [`TrySendError::Closed`] if the receiver is closed or gone; both give `value` back.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.shared().semaphore.semaphore.try_acquire(1) {
            Ok(()) => {
                self.shared().send(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for room (needs a runtime with timers).
    ///
    /// # Errors
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], with `value` back.
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match corium_reactor::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Blocks the thread until `value` is sent (for synchronous code).
    ///
    /// # Errors
    /// Gives `value` back if the receiver is closed or gone.
    ///
    /// # Panics
    /// Inside asynchronous code (a corium runtime): use [`send`](Self::send) there.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::blocking::block_on("Sender::blocking_send", self.send(value))
    }

    /// Waits for one slot and reserves it.
    ///
    /// # Errors
    /// [`SendError`] if the receiver is closed or gone.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(Permit {
            chan: self.shared(),
        })
    }

    /// Waits for `n` slots at once and reserves them.
    ///
    /// # Errors
    /// [`SendError`] if the receiver is closed or gone, or if `n` exceeds
    /// [`max_capacity`](Self::max_capacity) (it could never be granted).
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        self.acquire(n).await?;
        Ok(PermitIterator {
            chan: self.shared(),
            n,
        })
    }

    /// Waits for one slot and reserves it, moving the sender into the permit.
    ///
    /// # Errors
    /// [`SendError`] if the receiver is closed or gone.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.acquire(1).await?;
        Ok(OwnedPermit { chan: Some(self) })
    }

    /// Reserves one slot if one is free now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.try_acquire(1)?;
        Ok(Permit {
            chan: self.shared(),
        })
    }

    /// Reserves `n` slots if they are free now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] (also when `n` exceeds the capacity) or [`TrySendError::Closed`].
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        self.try_acquire(n)?;
        Ok(PermitIterator {
            chan: self.shared(),
            n,
        })
    }

    /// Reserves one slot if one is free now, moving the sender into the permit.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender back.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { chan: Some(self) }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    async fn acquire(&self, n: usize) -> Result<(), SendError<()>> {
        self.shared()
            .semaphore
            .semaphore
            .acquire(n)
            .await
            .map_err(|_| SendError(()))
    }

    fn try_acquire(&self, n: usize) -> Result<(), TrySendError<()>> {
        self.shared()
            .semaphore
            .semaphore
            .try_acquire(n)
            .map_err(|err| match err {
                TryAcquireError::NoPermits => TrySendError::Full(()),
                TryAcquireError::Closed => TrySendError::Closed(()),
            })
    }

    /// Completes once the receiver is closed or gone.
    pub async fn closed(&self) {
        super::wait_rx_closed(self.shared()).await;
    }

    /// Whether the receiver is closed or gone.
    pub fn is_closed(&self) -> bool {
        self.shared().is_rx_closed()
    }

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.shared().semaphore.semaphore.available_permits()
    }

    /// The channel's size, as given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.shared().semaphore.bound
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakSender`], which does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared().add_weak();
        WeakSender {
            chan: self.chan.chan.clone(),
        }
    }

    /// The number of live senders (this one included).
    pub fn strong_count(&self) -> usize {
        self.shared().strong_count()
    }

    /// The number of live weak senders.
    pub fn weak_count(&self) -> usize {
        self.shared().weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> WeakSender<T> {
    /// A sender again, if some sender is still alive.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.try_add_tx().then(|| Sender {
            chan: Tx::from_counted(self.chan.clone()),
        })
    }

    /// The number of live senders.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// The number of live weak senders (this one included).
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

/// Gives one reserved slot back, waking a receiver that may be waiting for a closed channel
/// to drain.
fn give_back<T>(chan: &Chan<T, Bounded>, n: usize) {
    chan.semaphore.add_permits(n);
    if chan.semaphore.semaphore.is_closed() && chan.semaphore.is_idle() {
        chan.wake_rx();
    }
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot; never waits, never fails.
    pub fn send(self, value: T) {
        self.chan.send(value);
        // The slot now holds the message: the receiver gives the permit back.
        std::mem::forget(self);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        give_back(self.chan, 1);
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            give_back(self.chan, self.n);
        }
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and returns the sender.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.chan.take().expect("an unused permit holds its sender");
        sender.shared().send(value);
        sender
    }

    /// Gives the slot back unused and returns the sender.
    pub fn release(mut self) -> Sender<T> {
        let sender = self.chan.take().expect("an unused permit holds its sender");
        give_back(sender.shared(), 1);
        sender
    }

    /// Whether this permit and `other` belong to the same channel.
    pub fn same_channel(&self, other: &OwnedPermit<T>) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit belongs to `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan.as_ref().is_some_and(|s| s.same_channel(sender))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.chan.take() {
            give_back(sender.shared(), 1);
        }
    }
}

impl<T> Receiver<T> {
    super::receiver_methods::receiver_methods!("Receiver");

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.chan.chan.semaphore.semaphore.available_permits()
    }

    /// The channel's size, as given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.chan.chan.semaphore.bound
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("chan", self.shared())
            .finish()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("chan", &*self.chan)
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &*self.chan.chan)
            .finish()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("chan", self.chan).finish()
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("chan", self.chan)
            .field("n", &self.n)
            .finish()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit")
            .field("chan", &self.chan)
            .finish()
    }
}
