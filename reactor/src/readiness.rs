//! [`Readiness`]: the future behind [`Registration::readiness`](crate::Registration::readiness).
//!
//! Its life, in the three states the seeds walk through:
//!
//! * **`Init`** — check the readiness word; if something the interest wants is set, go to
//!   `Done`. Otherwise take the waiter lock, link this future's [`Waiter`] node into the
//!   `ScheduledIo`'s list, re-check under the lock (an event set in between would otherwise be
//!   missed), and return `Pending` in `Waiting`.
//! * **`Waiting`** — the driver, delivering a matching event (or shutting down), unlinks the
//!   node, sets its `is_ready` and wakes the task. On the next poll, under the lock, `is_ready`
//!   moves the future to `Done`; otherwise it refreshes its waker and stays `Pending`.
//! * **`Done`** — read the word once more and return a [`ReadyEvent`] with the current ticks.
//!   If another task cleared the flags in the meantime the future goes back to `Init` rather
//!   than report readiness that is gone.
//!
//! Dropping a `Waiting` future unlinks its node under the lock, so the list never points at
//! freed memory (see the invariants in [`waiter_list`](crate::waiter_list)).

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::coop;
use crate::ready::{Ready, ReadyEvent};
use crate::scheduled_io::ScheduledIo;
use crate::waiter_list::Waiter;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    Init,
    Waiting,
    Done,
}

pin_project! {
    /// Resolves when the source is ready for the interest it was created with, or fails with
    /// the shutdown error once the reactor shuts down.
    ///
    /// Created by [`Registration::readiness`](crate::Registration::readiness). Any number of
    /// `Readiness` futures may wait on one source at once; each is a node of an intrusive list,
    /// so waiting allocates nothing. Each poll first spends one unit of the task's cooperative
    /// budget ([`coop`]).
    #[must_use = "futures do nothing unless polled"]
    pub struct Readiness<'a> {
        scheduled_io: &'a ScheduledIo,
        // The flags this future is woken by (a copy of the node's, readable without the lock).
        mask: Ready,
        state: State,
        // The node the driver links; `UnsafeCell` because the driver writes it through a raw
        // pointer (under the waiter lock) while this future is borrowed. `Waiter` holds a
        // `PhantomPinned`, so the future is `!Unpin` and the node never moves while linked.
        #[pin]
        waiter: UnsafeCell<Waiter>,
    }

    impl<'a> PinnedDrop for Readiness<'a> {
        fn drop(this: Pin<&mut Self>) {
            let me = this.project();
            if *me.state != State::Waiting {
                // Init: never linked. Done: unlinked by the waking side.
                return;
            }
            let node = me.waiter.get();
            let mut list = me.scheduled_io.waiters.lock();
            // SAFETY: the waiter lock is held, so nobody else touches the node (invariant 1 of
            // `waiter_list`).
            let is_ready = unsafe { (*node).is_ready };
            if !is_ready {
                // SAFETY: `Waiting` and not `is_ready` means linked in this ScheduledIo's list
                // (invariant 3), at this address (it is pinned); `UnsafeCell::get` is non-null.
                unsafe { list.remove(NonNull::new_unchecked(node)) };
                if list.is_empty() {
                    me.scheduled_io.mark_unlinked();
                }
            }
        }
    }
}

// SAFETY: the only non-`Send` parts are the node's list pointers, which are read and written
// solely under the `ScheduledIo`'s waiter lock (whichever thread holds it); the node's waker is
// `Send`, and `&ScheduledIo` is `Send` because `ScheduledIo` is `Sync`.
unsafe impl Send for Readiness<'_> {}
// SAFETY: a `&Readiness` gives access to nothing (every method takes `Pin<&mut Self>`).
unsafe impl Sync for Readiness<'_> {}

impl<'a> Readiness<'a> {
    pub(crate) fn new(scheduled_io: &'a ScheduledIo, mask: Ready) -> Readiness<'a> {
        Readiness {
            scheduled_io,
            mask,
            state: State::Init,
            waiter: UnsafeCell::new(Waiter::new(mask)),
        }
    }
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.project();
        let budget = ready!(coop::poll_proceed(cx));
        let io = *me.scheduled_io;
        let mask = *me.mask;
        let node: *mut Waiter = me.waiter.get();
        let result = loop {
            match *me.state {
                State::Init => {
                    if let Some(event) = io.ready_event(mask).transpose() {
                        *me.state = State::Done;
                        break Poll::Ready(event);
                    }
                    let mut list = io.waiters.lock();
                    // Re-check with the swap that announces a linked waiter to the driver: an
                    // event set before it is in `word`, one set after it sees `LINKED`.
                    let seen = match io.mark_linked() {
                        Ok(word) => ScheduledIo::event_in(word, mask).map(Ok),
                        Err(shutdown) => Some(Err(shutdown)),
                    };
                    if let Some(result) = seen {
                        // Not linked after all: take back the announcement if nobody else is.
                        if list.is_empty() {
                            io.mark_unlinked();
                        }
                        *me.state = State::Done;
                        break Poll::Ready(result);
                    }
                    {
                        // SAFETY: in `Init` the node is not linked, so no other thread has a
                        // pointer to it; this `&mut` ends before the node is linked below.
                        let waiter = unsafe { &mut *node };
                        waiter.waker = Some(cx.waker().clone());
                        waiter.is_ready = false;
                    }
                    // SAFETY: `node` is live and unlinked; it is pinned (we hold
                    // `Pin<&mut Self>` of a `!Unpin` future) and `PinnedDrop` unlinks it under
                    // the lock before it is freed — invariant 2 of `waiter_list`. A pointer
                    // from `UnsafeCell::get` is never null.
                    unsafe { list.push_back(NonNull::new_unchecked(node)) };
                    *me.state = State::Waiting;
                    break Poll::Pending;
                }
                State::Waiting => {
                    let list = io.waiters.lock();
                    // SAFETY: the waiter lock is held: the waking side cannot touch the node
                    // now (invariant 1).
                    let waiter = unsafe { &mut *node };
                    if waiter.is_ready {
                        // Unlinked by the waking side: the node is ours again.
                        drop(list);
                        *me.state = State::Done;
                        continue;
                    }
                    match &waiter.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => waiter.waker = Some(cx.waker().clone()),
                    }
                    break Poll::Pending;
                }
                State::Done => {
                    match io.ready_event(mask).transpose() {
                        Some(event) => break Poll::Ready(event),
                        // Another task cleared what woke us: wait again.
                        None => *me.state = State::Init,
                    }
                }
            }
        };
        if result.is_ready() {
            budget.made_progress();
        }
        result
    }
}

impl fmt::Debug for Readiness<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readiness")
            .field("token", &self.scheduled_io.token())
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use corium_selector_sys::Interest;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn dropping_a_waiting_future_unlinks_it() {
        let io = ScheduledIo::new(0);
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        {
            let mut a = Box::pin(io.readiness(Interest::READABLE));
            let mut b = Box::pin(io.readiness(Interest::READABLE));
            assert!(a.as_mut().poll(&mut cx).is_pending());
            assert!(b.as_mut().poll(&mut cx).is_pending());
            assert_eq!(io.waiter_count(), 2);
            drop(a);
            assert_eq!(io.waiter_count(), 1);
            // b is dropped at the end of the block.
        }
        assert_eq!(io.waiter_count(), 0);
        assert_eq!(io.deliver(Ready::READABLE), 0);
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn waiting_future_is_woken_once_and_resolves() {
        let io = ScheduledIo::new(0);
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut fut = Box::pin(io.readiness(Interest::WRITABLE));
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        // A read event does not concern a writer.
        assert_eq!(io.deliver(Ready::READABLE), 0);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(io.deliver(Ready::WRITABLE), 1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(io.waiter_count(), 0);
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(event)) => assert_eq!(event.ready(), Ready::WRITABLE),
            other => panic!("expected writable, got {other:?}"),
        }
    }

    #[test]
    fn more_waiters_than_one_batch_are_all_woken() {
        let io = ScheduledIo::new(0);
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let n = crate::wake_list::BATCH * 2 + 5;
        let mut futs: Vec<_> = (0..n)
            .map(|i| {
                let interest = if i % 3 == 0 {
                    Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                Box::pin(io.readiness(interest))
            })
            .collect();
        for f in &mut futs {
            assert!(f.as_mut().poll(&mut cx).is_pending());
        }
        let readers = (0..n).filter(|i| i % 3 != 0).count();
        assert_eq!(io.deliver(Ready::READABLE), readers);
        assert_eq!(io.waiter_count(), n - readers);
        assert_eq!(io.shutdown(), n - readers);
        assert_eq!(count.0.load(Ordering::SeqCst), n);
        for f in &mut futs {
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(Err(e)) => assert_eq!(e.to_string(), crate::SHUTDOWN_MESSAGE),
                other => panic!("expected the shutdown error, got {other:?}"),
            }
        }
    }
}
