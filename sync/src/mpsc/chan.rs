//! What a channel's senders and receiver share: the block list, the receiver's waker, the
//! sender count and a [`Semaphore`]: the bounded channel's capacity, or nothing at all for the
//! unbounded channel (its "closed" bit lives in the list's claim counter).

use std::fmt;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, SeqCst};
use std::task::{Context, Poll};

use corium_reactor::coop;

use super::atomic_waker::AtomicWaker;
use super::block::Read;
use super::list::{self, ListRx, ListTx};
use crate::loom::{Arc, AtomicUsize, UnsafeCell};

/// The capacity side of a channel, as the senders and the receiver see it.
pub(super) trait Semaphore {
    /// The receiver closed at `close_index` (see `list.rs`) and found nothing at `index`:
    /// whether nothing more will arrive. (Bounded: no permit is out, since a permit granted
    /// before the close may still send. Unbounded: `index` reached `close_index`.)
    fn drained(&self, index: usize, close_index: usize) -> bool;
    /// The receiver took `n` messages out.
    fn add_permits(&self, n: usize);
    /// The receiver closed: later sends fail, and pending ones are failed now.
    fn close(&self);
    /// Whether sends are refused from the receiver's close on, at their claim (unbounded): no
    /// index at or past the close index is ever written.
    const REFUSES_AFTER_CLOSE: bool;
}

/// The shared state of one channel.
pub(super) struct Chan<T, S> {
    tx: ListTx<T>,
    rx_waker: AtomicWaker,
    pub(super) semaphore: S,
    /// Live [`Tx`] handles; the channel's stream ends when it drops to zero.
    tx_count: AtomicUsize,
    /// Live weak sender handles (only counted, for `weak_count`).
    tx_weak_count: AtomicUsize,
    /// Wakes `Sender::closed` when the receiver closes or drops.
    pub(super) rx_closed_notify: crate::Notify,
    /// Touched only by the receiver (through [`Rx`], which is not `Clone`).
    rx_fields: UnsafeCell<RxFields<T>>,
}

struct RxFields<T> {
    list: ListRx<T>,
    /// `Some(close index)` once the receiver closed (see `ListTx::close_rx`).
    closed: Option<usize>,
}

// SAFETY: messages move between threads (`T: Send`); `rx_fields` is touched only through the
// one `Rx`, and everything else is atomic or behind its own synchronisation.
unsafe impl<T: Send, S: Send> Send for Chan<T, S> {}
// SAFETY: see above.
unsafe impl<T: Send, S: Sync> Sync for Chan<T, S> {}

/// A counted sending handle.
pub(super) struct Tx<T, S> {
    pub(super) chan: Arc<Chan<T, S>>,
}

/// The receiving handle.
pub(super) struct Rx<T, S: Semaphore> {
    pub(super) chan: Arc<Chan<T, S>>,
}

/// Creates a channel with capacity `semaphore`.
pub(super) fn channel<T, S: Semaphore>(semaphore: S) -> (Tx<T, S>, Rx<T, S>) {
    channel_on(semaphore, list::list())
}

/// A channel whose indices start just before they wrap (see `list::list_near_wrap`).
#[cfg(all(test, not(loom)))]
pub(super) fn channel_near_wrap<T, S: Semaphore>(semaphore: S) -> (Tx<T, S>, Rx<T, S>) {
    channel_on(semaphore, list::list_near_wrap(3))
}

/// A channel on the list `(tx, rx)`.
fn channel_on<T, S: Semaphore>(
    semaphore: S,
    (tx, rx): (ListTx<T>, ListRx<T>),
) -> (Tx<T, S>, Rx<T, S>) {
    let chan = Arc::new(Chan {
        tx,
        rx_waker: AtomicWaker::new(),
        semaphore,
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        rx_closed_notify: crate::Notify::new(),
        rx_fields: UnsafeCell::new(RxFields {
            list: rx,
            closed: None,
        }),
    });
    (Tx { chan: chan.clone() }, Rx { chan })
}

impl<T, S> Chan<T, S> {
    /// Queues `value` (capacity already accounted for) and wakes the receiver.
    pub(super) fn send(&self, value: T) {
        if self.tx.push(value) {
            self.rx_waker.wake_if_waiting();
        }
    }

    /// Queues `value` unless the receiver closed (then gives it back), and wakes the receiver.
    pub(super) fn try_send(&self, value: T) -> Result<(), T> {
        if self.tx.try_push(value)? {
            self.rx_waker.wake_if_waiting();
        }
        Ok(())
    }

    /// Whether the receiver closed (or was dropped).
    pub(super) fn is_rx_closed(&self) -> bool {
        self.tx.is_rx_closed()
    }

    /// Wakes the receiver without a message (a permit given back after it closed).
    pub(super) fn wake_rx(&self) {
        self.rx_waker.wake();
    }

    pub(super) fn strong_count(&self) -> usize {
        self.tx_count.load(Acquire)
    }

    pub(super) fn weak_count(&self) -> usize {
        self.tx_weak_count.load(Acquire)
    }

    pub(super) fn add_weak(&self) {
        self.tx_weak_count.fetch_add(1, Relaxed);
    }

    pub(super) fn drop_weak(&self) {
        self.tx_weak_count.fetch_sub(1, Relaxed);
    }

    /// Adds a sender if at least one is still alive (a weak sender's upgrade).
    pub(super) fn try_add_tx(&self) -> bool {
        let mut count = self.tx_count.load(Relaxed);
        while count != 0 {
            match self
                .tx_count
                .compare_exchange_weak(count, count + 1, AcqRel, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
        false
    }
}

impl<T, S> Tx<T, S> {
    pub(super) fn same_channel(&self, other: &Tx<T, S>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A new handle on a channel whose sender count was already incremented.
    pub(super) fn from_counted(chan: Arc<Chan<T, S>>) -> Tx<T, S> {
        Tx { chan }
    }
}

impl<T, S> Clone for Tx<T, S> {
    fn clone(&self) -> Tx<T, S> {
        // Relaxed: the new handle is derived from a live one, so the count cannot reach zero
        // meanwhile.
        self.chan.tx_count.fetch_add(1, Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S> Drop for Tx<T, S> {
    fn drop(&mut self) {
        if self.chan.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        // The last sender: every send has finished (each happened before its handle's drop),
        // so the end-of-stream mark lands after every message.
        self.chan.tx.close();
        self.chan.rx_waker.wake();
    }
}

impl<T, S: Semaphore> Rx<T, S> {
    /// Runs `f` on the channel and the receiver's own fields.
    fn fields<R>(&mut self, f: impl FnOnce(&Chan<T, S>, &mut RxFields<T>) -> R) -> R {
        let chan = &*self.chan;
        // SAFETY: only the one `Rx` touches `rx_fields`; `&mut self` excludes every other
        // access (`f` never calls back into the `Rx`).
        chan.rx_fields
            .with_mut(|fields| f(chan, unsafe { &mut *fields }))
    }

    /// Reads the receiver's own fields.
    fn fields_ref<R>(&self, f: impl FnOnce(&RxFields<T>) -> R) -> R {
        // SAFETY: only the one `Rx` touches `rx_fields`, and writes need `&mut Rx`.
        self.chan.rx_fields.with(|fields| f(unsafe { &*fields }))
    }

    /// Closes the receiving side: later sends fail; queued messages can still be received.
    pub(super) fn close(&mut self) {
        let first = self.fields(|chan, rx| {
            if rx.closed.is_some() {
                return false;
            }
            rx.closed = Some(chan.tx.close_rx());
            true
        });
        if first {
            self.chan.semaphore.close();
            self.chan.rx_closed_notify.notify_waiters();
        }
    }

    pub(super) fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Takes one message if one is ready; `Closed` once the stream ended (or the receiver is
    /// closed and nothing is in flight).
    fn pop(&mut self) -> Option<Read<T>> {
        self.fields(|chan, rx| {
            let read = rx.list.pop(&chan.tx);
            match (&read, rx.closed) {
                (Some(Read::Value(_)), _) => chan.semaphore.add_permits(1),
                (None, Some(close_index))
                    if chan.semaphore.drained(rx.list.index(), close_index) =>
                {
                    return Some(Read::Closed);
                }
                _ => {}
            }
            read
        })
    }

    /// Receives the next message, waiting for one; `None` once the stream ended.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(coop::poll_proceed(cx));
        let read = match self.pop() {
            Some(read) => read,
            None => {
                self.chan.rx_waker.register(cx.waker());
                // Mark the block we wait on, then look again: a message written meanwhile is
                // seen here, or its writer sees the mark and wakes us (see `block.rs`).
                self.fields(|_, rx| rx.list.rx_wait());
                match self.pop() {
                    Some(read) => read,
                    None => return Poll::Pending,
                }
            }
        };
        coop.made_progress();
        Poll::Ready(match read {
            Read::Value(value) => Some(value),
            Read::Closed => None,
        })
    }

    /// Receives up to `limit` messages into `buffer`, waiting for the first; `0` once the
    /// stream ended (or `limit` is 0).
    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let Some(first) = std::task::ready!(self.poll_recv(cx)) else {
            return Poll::Ready(0);
        };
        buffer.reserve(limit.min(32));
        buffer.push(first);
        let taken = self.fields(|chan, rx| {
            let mut taken = 0;
            while taken + 1 < limit {
                match rx.list.pop(&chan.tx) {
                    Some(Read::Value(value)) => {
                        buffer.push(value);
                        taken += 1;
                    }
                    _ => break,
                }
            }
            if taken > 0 {
                chan.semaphore.add_permits(taken);
            }
            taken
        });
        Poll::Ready(taken + 1)
    }

    /// Takes a message without waiting.
    ///
    /// A sender that has claimed the next slot but not yet written it (it is between two
    /// instructions of `send`) is waited for by spinning, as tokio's does: otherwise a message
    /// that another sender finished sending later could not be returned.
    pub(super) fn try_recv(&mut self) -> Result<T, super::error::TryRecvError> {
        use super::error::TryRecvError;
        loop {
            match self.pop() {
                Some(Read::Value(value)) => return Ok(value),
                Some(Read::Closed) => return Err(TryRecvError::Disconnected),
                None => {}
            }
            let index = self.fields(|_, rx| rx.list.index());
            if self.chan.tx.tail_position() == index {
                // Nothing claimed: empty, or over if no sender is left to send.
                return Err(if self.chan.tx_count.load(SeqCst) == 0 {
                    TryRecvError::Disconnected
                } else {
                    TryRecvError::Empty
                });
            }
            std::thread::yield_now();
        }
    }

    /// Messages sent (or being sent) and not yet received.
    pub(super) fn len(&self) -> usize {
        let (index, closed) = self.fields_ref(|rx| (rx.list.index(), rx.closed));
        let stop = closed.filter(|_| S::REFUSES_AFTER_CLOSE);
        self.chan.tx.len_from(index, stop)
    }
}

impl<T, S: Semaphore> Drop for Rx<T, S> {
    fn drop(&mut self) {
        self.close();
        // Drop what is queued now, giving its capacity back to blocked senders.
        while let Some(Read::Value(value)) = self.pop() {
            drop(value);
        }
    }
}

impl<T, S> Drop for Chan<T, S> {
    fn drop(&mut self) {
        let tx = &self.tx;
        self.rx_fields.with_mut(|fields| {
            // SAFETY: the last handle is gone: nobody else touches the list.
            let fields = unsafe { &mut *fields };
            while let Some(Read::Value(value)) = fields.list.pop(tx) {
                drop(value);
            }
            // SAFETY: as above, and every message was just popped.
            unsafe { fields.list.free_blocks() };
        });
    }
}

impl<T, S: fmt::Debug> fmt::Debug for Chan<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("semaphore", &self.semaphore)
            .field("tx_count", &self.tx_count.load(Relaxed))
            .finish_non_exhaustive()
    }
}
