//! The unbounded channel: sending never waits (memory is the only limit).

use std::fmt;
use std::sync::atomic::Ordering::{AcqRel, Acquire};
use std::task::{Context, Poll};

use super::chan::{self, Chan, Rx, Semaphore, Tx};
use super::error::{SendError, TryRecvError};
use crate::loom::{Arc, AtomicUsize};

/// The unbounded channel's "semaphore": a count of messages in flight (`<< 1`) and a closed
/// bit, so a send is one `fetch_add` and the receiver can tell when a closed channel is drained.
pub(super) struct Unbounded(AtomicUsize);

const CLOSED: usize = 1;
const ONE: usize = 2;

impl Unbounded {
    /// Counts one more message; fails if the receiver closed.
    fn try_add(&self) -> bool {
        self.0.fetch_add(ONE, AcqRel) & CLOSED == 0
    }
}

impl Semaphore for Unbounded {
    fn is_idle(&self) -> bool {
        self.0.load(Acquire) < ONE
    }

    fn add_permit(&self) {
        self.0.fetch_sub(ONE, AcqRel);
    }

    fn add_permits(&self, n: usize) {
        self.0.fetch_sub(n * ONE, AcqRel);
    }

    fn close(&self) {
        self.0.fetch_or(CLOSED, AcqRel);
    }

    fn is_closed(&self) -> bool {
        self.0.load(Acquire) & CLOSED != 0
    }

    const DEFER_RELEASE: bool = true;
}

impl fmt::Debug for Unbounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.0.load(Acquire);
        f.debug_struct("Unbounded")
            .field("in_flight", &(word / ONE))
            .field("closed", &(word & CLOSED != 0))
            .finish()
    }
}

/// Creates an unbounded channel: [`send`](UnboundedSender::send) never waits.
///
/// ```
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// use corium_sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// let mut got = Vec::new();
/// while let Some(i) = rx.recv().await {
///     got.push(i);
/// }
/// assert_eq!(got, [0, 1, 2]);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(Unbounded(AtomicUsize::new(0)));
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

/// Sends to an unbounded channel; clone it for more producers.
pub struct UnboundedSender<T> {
    chan: Tx<T, Unbounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](Self::upgrade) it to send.
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T, Unbounded>>,
}

/// Receives from an unbounded channel.
pub struct UnboundedReceiver<T> {
    chan: Rx<T, Unbounded>,
}

impl<T> UnboundedSender<T> {
    /// Queues `value` without waiting.
    ///
    /// # Errors
    /// Gives `value` back if the receiver is closed or gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let chan = &self.chan.chan;
        if !chan.semaphore.try_add() {
            // Undo the count; a receiver draining after `close` may be waiting for it to fall.
            chan.semaphore.add_permit();
            chan.wake_rx();
            return Err(SendError(value));
        }
        chan.send(value);
        Ok(())
    }

    /// Completes once the receiver is closed or gone.
    pub async fn closed(&self) {
        super::wait_rx_closed(&self.chan.chan).await;
    }

    /// Whether the receiver is closed or gone.
    pub fn is_closed(&self) -> bool {
        self.chan.chan.semaphore.is_closed()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`], which does not keep the channel open.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        self.chan.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.chan.clone(),
        }
    }

    /// The number of live senders (this one included).
    pub fn strong_count(&self) -> usize {
        self.chan.chan.strong_count()
    }

    /// The number of live weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// A sender again, if some sender is still alive.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.try_add_tx().then(|| UnboundedSender {
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

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next message; `None` once every sender is gone (or the receiver was
    /// closed) and the queue is drained. Cancel-safe: dropping the future loses nothing.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer`, waiting for at least one; returns how
    /// many, `0` once the channel is over (or if `limit` is 0).
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes a message without waiting.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] if none is queued, [`TryRecvError::Disconnected`] if none
    /// ever will be.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Blocks the thread until a message arrives (for synchronous code).
    ///
    /// # Panics
    /// Inside asynchronous code (a corium runtime): use [`recv`](Self::recv) there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::blocking::block_on("UnboundedReceiver::blocking_recv", self.recv())
    }

    /// Blocks the thread until messages arrive; see [`recv_many`](Self::recv_many).
    ///
    /// # Panics
    /// Inside asynchronous code (a corium runtime).
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::blocking::block_on(
            "UnboundedReceiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Polls for the next message (`Ready(None)` once the channel is over).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` messages; see [`recv_many`](Self::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// Closes the channel: sends fail from now on; what is queued can still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: by [`close`](Self::close), or because every sender is
    /// gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed() || self.chan.chan.strong_count() == 0
    }

    /// Whether no message is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of messages queued (or being sent right now).
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// The number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.chan.strong_count()
    }

    /// The number of live weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.chan.weak_count()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &*self.chan.chan)
            .finish()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .field("chan", &*self.chan)
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &*self.chan.chan)
            .finish()
    }
}
