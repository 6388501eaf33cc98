//! A channel for exactly one value, from one [`Sender`] to one [`Receiver`].
//!
//! The usual reply channel: send a request to a task together with a `oneshot::Sender`, then
//! await the `Receiver` for the answer. The [`Receiver`] is itself a future; it resolves to
//! `Err(RecvError)` if the sender is dropped without sending.
//!
//! ```
//! # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
//! use corium_sync::oneshot;
//!
//! let (tx, rx) = oneshot::channel();
//! std::thread::spawn(move || tx.send(42).unwrap());
//! assert_eq!(rx.await, Ok(42));
//! # });
//! ```
//!
//! # How it works
//!
//! One allocation holds the value slot, a waker slot for each side and one state word. Each
//! side owns its own waker slot, and a bit in the state word says that slot holds a waker the
//! *other* side may take a reference to. The state word is also the reference count: the
//! allocation is freed by whichever side sets the second of the two `*_RELEASED` bits, so
//! `send` is one compare-and-swap, and receiving a value already sent is one load: a side
//! that finds the other's `RELEASED` bit already set is the allocation's only user and frees
//! it without publishing anything.
//!
//! A side that wakes the other must still read the other's waker *after* publishing its own
//! transition, so it does not set its `RELEASED` bit in that same transition: it wakes, then
//! releases with a second atomic operation. That keeps the allocation alive while it reads.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::task::{Context, Poll, Waker};

use corium_reactor::coop;

use crate::loom::{AtomicUsize, UnsafeCell};

/// Errors of the [`oneshot`](self) channel.
pub mod error {
    use std::fmt;

    /// The [`Sender`](super::Sender) was dropped without sending: returned by awaiting the
    /// [`Receiver`](super::Receiver).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value yet, and the sender may still send one.
        Empty,
        /// The sender was dropped without sending, or the value was already taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use self::error::{RecvError, TryRecvError};

// The state word. Each bit is set at most once, except the two waker bits, which each side
// clears and sets again around rewriting its own waker slot.
/// The value slot holds the sent value (set with `TX_DONE`).
const VALUE: usize = 1;
/// The sender has sent or was dropped: it will neither send nor register again.
const TX_DONE: usize = 1 << 1;
/// The sender no longer touches the allocation.
const TX_RELEASED: usize = 1 << 2;
/// The receiver was closed or dropped: a later `send` fails.
const RX_CLOSED: usize = 1 << 3;
/// The receiver no longer touches the allocation.
const RX_RELEASED: usize = 1 << 4;
/// The receiver's waker slot holds a waker the sender wakes on `TX_DONE`.
const RX_WAKER: usize = 1 << 5;
/// The sender's waker slot holds a waker the receiver wakes on `RX_CLOSED`.
const TX_WAKER: usize = 1 << 6;

/// The one allocation both halves point to.
struct Inner<T> {
    state: AtomicUsize,
    /// Written by the sender before `VALUE` is published; afterwards only the receiver (or
    /// whoever frees) touches it.
    value: UnsafeCell<Option<T>>,
    /// Written by the receiver while `RX_WAKER` is clear; read by the sender after it saw
    /// `RX_WAKER` set in the transition that set `TX_DONE`.
    rx_waker: UnsafeCell<Option<Waker>>,
    /// The mirror image for [`Sender::closed`].
    tx_waker: UnsafeCell<Option<Waker>>,
}

/// Creates a oneshot channel: one value from the [`Sender`] to the [`Receiver`].
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Box::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: UnsafeCell::new(None),
        tx_waker: UnsafeCell::new(None),
    });
    let inner = NonNull::from(Box::leak(inner));
    (
        Sender { inner: Some(inner) },
        Receiver { inner: Some(inner) },
    )
}

/// Sends the one value; see the [module docs](self).
pub struct Sender<T> {
    /// `None` once sent (the allocation may be gone).
    inner: Option<NonNull<Inner<T>>>,
}

/// Receives the one value: await it, or poll it with [`try_recv`](Receiver::try_recv).
pub struct Receiver<T> {
    /// `None` once the value was taken (the allocation may be gone).
    inner: Option<NonNull<Inner<T>>>,
}

// SAFETY: a `Sender` moves a `T` to another thread (so `T: Send`) and shares nothing else but
// the atomically guarded `Inner`; the same holds for the `Receiver`. Neither hands out `&T`, so
// both are `Sync` whenever `T: Send`.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Sync for Receiver<T> {}

impl<T> Inner<T> {
    /// Frees the allocation.
    ///
    /// # Safety
    /// `this` came from [`channel`] and both `TX_RELEASED` and `RX_RELEASED` are now set, so no
    /// handle will touch it again; the caller's atomic operation that set the second of them
    /// acquired every write either side made.
    unsafe fn free(this: NonNull<Inner<T>>) {
        // SAFETY: per the contract, the allocation is ours alone and came from `Box::leak`.
        drop(unsafe { Box::from_raw(this.as_ptr()) });
    }

    /// Frees the allocation if `state` (the value after the caller's update) has both sides
    /// released.
    ///
    /// # Safety
    /// As [`Inner::free`], except that the check is done here.
    unsafe fn free_if_released(this: NonNull<Inner<T>>, state: usize) {
        if state & (TX_RELEASED | RX_RELEASED) == TX_RELEASED | RX_RELEASED {
            // SAFETY: both sides released; the caller's AcqRel update saw the other's release.
            unsafe { Inner::free(this) }
        }
    }

    /// Stores `waker` in this side's waker slot and sets `bit`, unless the other side has
    /// meanwhile done one of `done` (then `Ready(state)` with the state that showed it).
    ///
    /// # Safety
    /// Called only by the side that owns `cell` and `bit`.
    unsafe fn register(
        &self,
        cell: &UnsafeCell<Option<Waker>>,
        bit: usize,
        done: usize,
        waker: &Waker,
    ) -> Poll<usize> {
        let state = self.state.load(Acquire);
        if state & done != 0 {
            return Poll::Ready(state);
        }
        if state & bit != 0 {
            // SAFETY: only this side writes the cell, and we are this side.
            let same = cell.with(|w| unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker)));
            if same {
                return Poll::Pending;
            }
            // Take the slot back before rewriting it.
            let prev = self.state.fetch_and(!bit, AcqRel);
            if prev & done != 0 {
                // The other side's transition saw our bit and may be reading the slot.
                return Poll::Ready(prev);
            }
        }
        // SAFETY: `bit` is clear, so the other side will not read the slot until we set it.
        cell.with_mut(|w| unsafe { *w = Some(waker.clone()) });
        let prev = self.state.fetch_or(bit, AcqRel);
        if prev & done != 0 {
            return Poll::Ready(prev);
        }
        Poll::Pending
    }
}

/// Wakes the waker in `cell` by reference.
///
/// # Safety
/// The caller saw the cell's `*_WAKER` bit set in the same atomic update that published
/// the transition the other side waits for, so the other side will not write the cell
/// again, and the caller has not released the allocation yet.
unsafe fn wake_cell(cell: &UnsafeCell<Option<Waker>>) {
    cell.with(|w| {
        // SAFETY: per the contract, nobody writes the cell while we read it.
        if let Some(w) = unsafe { &*w } {
            w.wake_by_ref();
        }
    });
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    /// Gives `value` back if the receiver was closed or dropped; a value sent before
    /// [`Receiver::close`] may still be received.
    #[inline]
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self
            .inner
            .take()
            .expect("a Sender holds its channel until it sends");
        // SAFETY: the allocation lives until this side releases it.
        let shared = unsafe { inner.as_ref() };
        // SAFETY: `VALUE` is not published, so nobody else reads the value slot.
        shared.value.with_mut(|v| unsafe { *v = Some(value) });
        match Sender::finish(inner, VALUE) {
            Ok(()) => Ok(()),
            Err(()) => {
                // SAFETY: the receiver closed before our update, so it never reads the slot
                // (`VALUE` was not set); `finish` left the allocation alive for us.
                let value = shared.value.with_mut(|v| unsafe { (*v).take() });
                Sender::finish(inner, 0).expect("a plain drop cannot fail");
                Err(value.expect("the value we just stored"))
            }
        }
    }

    /// Marks this side done: `extra` is `VALUE` for a send, `0` for a drop. With `VALUE`, fails
    /// (changing nothing) if the receiver already closed.
    #[inline]
    fn finish(inner: NonNull<Inner<T>>, extra: usize) -> Result<(), ()> {
        // SAFETY: this side has not released the allocation yet.
        let shared = unsafe { inner.as_ref() };
        let mut state = shared.state.load(Relaxed);
        let next = loop {
            if extra != 0 && state & RX_CLOSED != 0 {
                return Err(());
            }
            // Wake a waiting receiver, then release: the wake reads the receiver's slot.
            let wake = state & RX_WAKER != 0;
            let next = state | TX_DONE | extra | if wake { 0 } else { TX_RELEASED };
            match shared
                .state
                .compare_exchange_weak(state, next, AcqRel, Relaxed)
            {
                Ok(_) => break next,
                Err(actual) => state = actual,
            }
        };
        if next & TX_RELEASED == 0 {
            // SAFETY: our update saw `RX_WAKER` and published `TX_DONE`, so the receiver will not
            // rewrite its slot; we have not released yet.
            unsafe { wake_cell(&shared.rx_waker) };
            let state = shared.state.fetch_or(TX_RELEASED, AcqRel) | TX_RELEASED;
            // SAFETY: we just released our side.
            unsafe { Inner::free_if_released(inner, state) };
        } else {
            // SAFETY: we released our side in `next`.
            unsafe { Inner::free_if_released(inner, next) };
        }
        Ok(())
    }

    /// Whether the receiver was closed or dropped (a `send` would fail).
    pub fn is_closed(&self) -> bool {
        match self.inner {
            // SAFETY: the allocation lives until this side releases it.
            Some(inner) => unsafe { inner.as_ref() }.state.load(Acquire) & RX_CLOSED != 0,
            None => true,
        }
    }

    /// Completes once the receiver is closed or dropped: the way to stop computing a reply
    /// nobody will read.
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver's closing; `Ready` once it is closed or dropped.
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = self.inner else {
            return Poll::Ready(());
        };
        let coop = std::task::ready!(coop::poll_proceed(cx));
        // SAFETY: the allocation lives until this side releases it.
        let shared = unsafe { inner.as_ref() };
        // SAFETY: we are the sender, the owner of `tx_waker` and `TX_WAKER`.
        let poll = unsafe { shared.register(&shared.tx_waker, TX_WAKER, RX_CLOSED, cx.waker()) };
        poll.map(|_| coop.made_progress())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            Sender::finish(inner, 0).expect("a plain drop cannot fail");
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent, without waiting.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] if nothing was sent yet, [`TryRecvError::Closed`] if the sender
    /// was dropped without sending, the receiver was closed before a send, or the value was
    /// already taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner else {
            return Err(TryRecvError::Closed);
        };
        // SAFETY: the allocation lives until this side releases it.
        let state = unsafe { inner.as_ref() }.state.load(Acquire);
        if state & VALUE != 0 {
            Ok(self.take_value(state))
        } else if state & (TX_DONE | RX_CLOSED) != 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Blocks the thread until the value arrives (for synchronous code).
    ///
    /// # Errors
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// # Panics
    /// Inside an asynchronous execution context (a corium runtime), where it would block the
    /// thread the runtime needs: `.await` the receiver there instead.
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::blocking::block_on("oneshot::Receiver::blocking_recv", self)
    }

    /// Closes the receiver: a later `send` fails, and [`Sender::closed`] completes. A value
    /// sent before can still be taken with [`try_recv`](Receiver::try_recv).
    pub fn close(&mut self) {
        let Some(inner) = self.inner else { return };
        // SAFETY: the allocation lives until this side releases it.
        let shared = unsafe { inner.as_ref() };
        let prev = shared.state.fetch_or(RX_CLOSED, AcqRel);
        if prev & (TX_WAKER | TX_DONE | RX_CLOSED) == TX_WAKER {
            // SAFETY: our update saw `TX_WAKER` and published `RX_CLOSED`, so the sender will
            // not rewrite its slot; we hold the allocation.
            unsafe { wake_cell(&shared.tx_waker) };
        }
    }

    /// Whether the value has been received (or the receiver reported `RecvError`): the
    /// future is finished and must not be polled again.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether there is no value to take right now.
    pub fn is_empty(&self) -> bool {
        match self.inner {
            // SAFETY: the allocation lives until this side releases it.
            Some(inner) => unsafe { inner.as_ref() }.state.load(Acquire) & VALUE == 0,
            None => true,
        }
    }

    /// Moves the value out and releases this side; `state` is the acquire load that showed
    /// `VALUE`.
    #[inline]
    fn take_value(&mut self, state: usize) -> T {
        let inner = self.inner.take().expect("checked by the caller");
        // SAFETY: the caller saw `VALUE` (with acquire), so the sender is done with the slot.
        let value = unsafe { inner.as_ref() }
            .value
            .with_mut(|v| unsafe { (*v).take() });
        Receiver::release_from(inner, state);
        value.expect("VALUE is set only after the slot is written")
    }

    /// Closes and releases the receiving side, waking a sender waiting in `closed`.
    fn release(inner: NonNull<Inner<T>>) {
        // SAFETY: this side has not released the allocation yet.
        let state = unsafe { inner.as_ref() }.state.load(Acquire);
        Receiver::release_from(inner, state);
    }

    /// [`release`](Receiver::release), from `state`, an acquire load of the word made by this
    /// side since its last update: the usual reply path (sent, then received) has just read
    /// the word and need not read it again.
    #[inline]
    fn release_from(inner: NonNull<Inner<T>>, mut state: usize) {
        // SAFETY: this side has not released the allocation yet.
        let shared = unsafe { inner.as_ref() };
        if state & TX_RELEASED != 0 {
            // The sender is gone for good (its bits never change again): nobody else will
            // read the word, so there is nothing to publish. The usual reply path (sent,
            // then received) frees here without a read-modify-write.
            // SAFETY: the sender released its side, and our acquire load read the update
            // that did so, so every write it made happened before this free.
            unsafe { Inner::free(inner) };
            return;
        }
        let next = loop {
            let wake = state & (TX_WAKER | TX_DONE | RX_CLOSED) == TX_WAKER;
            let next = state | RX_CLOSED | if wake { 0 } else { RX_RELEASED };
            match shared
                .state
                .compare_exchange_weak(state, next, AcqRel, Relaxed)
            {
                Ok(_) => break next,
                Err(actual) => state = actual,
            }
        };
        let state = if next & RX_RELEASED == 0 {
            // SAFETY: our update saw `TX_WAKER` and published `RX_CLOSED`; not released yet.
            unsafe { wake_cell(&shared.tx_waker) };
            shared.state.fetch_or(RX_RELEASED, AcqRel) | RX_RELEASED
        } else {
            next
        };
        // SAFETY: we released our side in `state`.
        unsafe { Inner::free_if_released(inner, state) };
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this.inner.expect("`async fn` resumed after completion: a oneshot::Receiver was polled after it returned Ready");
        let coop = std::task::ready!(coop::poll_proceed(cx));
        // SAFETY: the allocation lives until this side releases it.
        let shared = unsafe { inner.as_ref() };
        // SAFETY: we are the receiver, the owner of `rx_waker` and `RX_WAKER`.
        let state = std::task::ready!(unsafe {
            shared.register(&shared.rx_waker, RX_WAKER, TX_DONE | RX_CLOSED, cx.waker())
        });
        coop.made_progress();
        if state & VALUE != 0 {
            Poll::Ready(Ok(this.take_value(state)))
        } else {
            // Dropped without sending (or closed by us before a send): finished, as tokio's.
            this.inner = None;
            Receiver::release_from(inner, state);
            Poll::Ready(Err(RecvError(())))
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            Receiver::release(inner);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("terminated", &self.is_terminated())
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;
