//! The unbounded channel: sending never waits (memory is the only limit).

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{self, Chan, Rx, Semaphore, Tx};
use super::error::{SendError, TryRecvError};
use crate::loom::Arc;

/// The unbounded channel's "semaphore": nothing. Sending never waits, and the receiver's
/// close is a bit in the list's claim counter, so a send is one `fetch_add` that both claims
/// its index and learns whether the receiver closed (see `list.rs`).
#[derive(Debug)]
pub(super) struct Unbounded;

impl Semaphore for Unbounded {
    fn drained(&self, index: usize, close_index: usize) -> bool {
        // Nothing at or past the close index is ever written, so the receiver reaches it
        // and stops there (an equality: indices wrap).
        index == close_index
    }

    fn add_permits(&self, _: usize) {}

    fn close(&self) {}

    const REFUSES_AFTER_CLOSE: bool = true;
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
    let (tx, rx) = chan::channel(Unbounded);
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

/// An unbounded channel whose indices wrap to 0 after a few blocks (for the tests).
#[cfg(all(test, not(loom)))]
pub(super) fn unbounded_channel_near_wrap<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel_near_wrap(Unbounded);
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
        self.chan.chan.try_send(value).map_err(SendError)
    }

    /// Completes once the receiver is closed or gone.
    pub async fn closed(&self) {
        super::wait_rx_closed(&self.chan.chan).await;
    }

    /// Whether the receiver is closed or gone.
    pub fn is_closed(&self) -> bool {
        self.chan.chan.is_rx_closed()
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
    super::receiver_methods::receiver_methods!("UnboundedReceiver");
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
