//! Multi-producer, single-consumer channels: many [`Sender`]s, one [`Receiver`], messages in
//! order per sender.
//!
//! [`channel(n)`](channel) holds at most `n` messages; a full channel makes
//! [`Sender::send`] wait, in FIFO order with the other waiting senders.
//! [`unbounded_channel`] never makes a sender wait. Both end when every sender is dropped
//! (after the queue is drained, `recv` returns `None`) or when the receiver is closed or dropped
//! (sends fail with [`SendError`](error::SendError), giving the message back).
//!
//! ```
//! # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
//! use corium_sync::mpsc;
//!
//! let (tx, mut rx) = mpsc::channel(16);
//! for id in 0..4 {
//!     let tx = tx.clone();
//!     corium_executor::spawn(async move {
//!         for i in 0..10 {
//!             tx.send((id, i)).await.unwrap();
//!         }
//!     });
//! }
//! drop(tx);
//! let mut count = 0;
//! while let Some((_id, _i)) = rx.recv().await {
//!     count += 1;
//! }
//! assert_eq!(count, 40);
//! # });
//! ```
//!
//! # How it works
//!
//! The queue is a linked list of blocks of 32 slots (`list.rs`, `block.rs`): a sender claims an
//! index with one atomic increment and writes its slot; the receiver reads slots in index order
//! once their "written" bit is set. No lock is taken per message, and blocks are recycled
//! rather than freed. The claim counter also carries the receiver's "closed" bit, so an
//! unbounded send is that one increment plus the `fetch_add` that publishes its slot. The
//! bounded channel's capacity is the crate's fair batch semaphore: a send first takes a permit
//! (waiting in FIFO order if there is none), and the receiver gives one back per message it
//! takes. The receiver's waker lives in a lock-free slot that a sender reads only when the
//! receiver may be waiting. The guide chapter
//! `corium::guide::sync_chan` walks through it.
//!
//! Every `recv`, `send` and `reserve` spends one unit of the coop budget, so a task that always
//! finds its channel ready still yields to the others.
//!
//! # Differences from tokio
//!
//! * `Receiver::try_recv` may spin (yielding the thread) for the few instructions between a
//!   sender claiming a slot and writing it, so that a message another sender has finished
//!   sending is never reported as `Empty`; tokio's does the same, by parking briefly.
//! * `OwnedPermit::same_channel_as_sender` is a corium addition.

mod atomic_waker;
mod block;
mod bounded;
mod chan;
pub mod error;
mod list;
mod receiver_methods;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

/// Waits until the receiver of `chan` is closed or gone (the body of every `Sender::closed`).
async fn wait_rx_closed<T, S: chan::Semaphore>(chan: &chan::Chan<T, S>) {
    let notified = std::pin::pin!(chan.rx_closed_notify.notified());
    let mut notified = notified;
    // Registered before the check, so a close between the two is not missed.
    notified.as_mut().enable();
    if chan.is_rx_closed() {
        return;
    }
    notified.await;
}

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;
