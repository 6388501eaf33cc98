//! The typed vtable functions: running, cancelling and completing a task, and the join side of
//! the output hand-off.
//!
//! Every piece of user code that runs here (the future's `poll`, its destructor, the output's
//! destructor, the join waker) runs inside `catch_unwind`: a panicking task becomes a
//! [`JoinError`] and never unwinds into a worker.

use super::core::{Cell, Core, Header, Stage, Trailer};
use super::error::JoinError;
use super::id;
use super::raw::RawTask;
use super::state::{TransitionToIdle, TransitionToRunning};
use super::waker::waker_ref;
use super::yield_now;
use super::{Notified, Schedule, Task};
use crate::trace::{self, End};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// Typed view of a task cell.
struct Harness<F: Future, S: 'static> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S: Schedule> Harness<F, S> {
    /// # Safety
    /// `ptr` is the header of a live `Cell<F, S>`.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Harness<F, S> {
        Harness {
            cell: ptr.cast::<Cell<F, S>>(),
        }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: a Harness exists only while its caller owns a reference (from_raw contract),
        // so the cell is alive; only shared references to it are ever created.
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn core(&self) -> &Core<F, S> {
        &self.cell().core
    }

    fn trailer(&self) -> &Trailer {
        &self.cell().trailer
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the cell is live (see `cell`).
        unsafe { RawTask::from_raw(self.cell.cast::<Header>()) }
    }

    fn dealloc(self) {
        // SAFETY: called only when the reference count reached zero, so this is the last
        // pointer to the allocation, which was made by `Box` in `Cell::new`.
        let cell = unsafe { Box::from_raw(self.cell.as_ptr()) };
        // Dropping the cell may drop a join waker (user code): never unwind from here.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(cell)));
    }

    /// Polls the task once, consuming the caller's Notified reference.
    fn poll(self) {
        match self.header().state.transition_to_running() {
            TransitionToRunning::Success => {}
            TransitionToRunning::Cancelled => {
                self.cancel();
                return self.complete();
            }
            TransitionToRunning::Failed => return,
            TransitionToRunning::Dealloc => return self.dealloc(),
        }
        // The poll's slice (and the end of the wake arrow) lasts until this function returns.
        let _poll = trace::poll(self.header().id);

        let header = self.cell.cast::<Header>();
        // The borrowed waker uses the Notified's reference, which we hold until the end.
        let waker = waker_ref(&header);
        let mut cx = Context::from_waker(&waker);
        let scope = yield_now::begin_poll(header.as_ptr().cast_const().cast());
        let res = self.poll_future(&mut cx);
        let yielded = yield_now::end_poll(scope);
        if res.is_ready() {
            return self.complete();
        }

        match self.header().state.transition_to_idle_after(yielded) {
            TransitionToIdle::Ok => {}
            TransitionToIdle::OkNotified => {
                // Woken during its own poll (e.g. `yield_now`): to the back of the queue, so
                // it does not starve the tasks that were already waiting.
                let task = Notified(Task::from_raw(self.raw()));
                self.core().scheduler.yield_now(task);
            }
            TransitionToIdle::OkDealloc => self.dealloc(),
            TransitionToIdle::Cancelled => {
                self.cancel();
                self.complete();
            }
        }
    }

    /// Polls the future, storing the result (output or panic) if it finished.
    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<()> {
        // `task::id()` answers for this task during its poll and a panic's unwinding.
        let _id = id::enter(self.header().id);
        // SAFETY: transition_to_running succeeded, so we hold RUNNING and the stage is Running.
        let res = catch_unwind(AssertUnwindSafe(|| unsafe { self.core().poll(cx) }));
        let output = match res {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => {
                trace::end(self.header().id, End::Complete);
                Ok(output)
            }
            Err(payload) => {
                trace::end(self.header().id, End::Panicked);
                // The future panicked; it is still there (or half dropped, if its destructor
                // panicked after Ready). Drop it, ignoring a second panic.
                // SAFETY: still RUNNING.
                let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
                    self.core().set_stage(Stage::Consumed)
                }));
                Err(JoinError::panic(self.header().id, payload))
            }
        };
        // SAFETY: still RUNNING; the stage is Consumed, so nothing user-defined is dropped.
        unsafe { self.core().set_stage(Stage::Finished(output)) };
        Poll::Ready(())
    }

    /// Drops the future and stores the cancellation error. The caller holds RUNNING.
    fn cancel(&self) {
        // The future's destructor may ask for its task's id.
        let _id = id::enter(self.header().id);
        // SAFETY: the caller holds RUNNING.
        let res = catch_unwind(AssertUnwindSafe(|| unsafe {
            self.core().set_stage(Stage::Consumed)
        }));
        let err = match res {
            Ok(()) => {
                trace::end(self.header().id, End::Cancelled);
                JoinError::cancelled(self.header().id)
            }
            Err(payload) => {
                trace::end(self.header().id, End::PanickedOnDrop);
                JoinError::panic(self.header().id, payload)
            }
        };
        // SAFETY: still RUNNING; the stage is Consumed, so nothing user-defined is dropped.
        unsafe { self.core().set_stage(Stage::Finished(Err(err))) };
    }

    /// RUNNING -> COMPLETE, hand the output over, release the poller's (and the list's)
    /// references.
    fn complete(self) {
        let snapshot = self.header().state.transition_to_complete();
        let _ = catch_unwind(AssertUnwindSafe(|| {
            if !snapshot.is_join_interested() {
                // No one will read the output: drop it here.
                // SAFETY: COMPLETE and no JoinHandle: the completer owns the stage.
                unsafe { self.core().set_stage(Stage::Consumed) };
            } else if snapshot.is_join_waker_set() {
                // SAFETY: JOIN_WAKER was set at completion, so the slot is ours to read.
                unsafe { self.trailer().wake_join() };
                let prev = self.header().state.unset_waker_after_complete();
                if !prev.is_join_interested() {
                    // The JoinHandle was dropped after we completed and left the slot to us.
                    // SAFETY: JOIN_WAKER was still set when it dropped, so it did not touch it.
                    unsafe { self.trailer().set_waker(None) };
                }
            }
        }));

        // The owned list gives its reference back if it still held the task.
        let task = ManuallyDrop::new(Task::<S>::from_raw(self.raw()));
        let released = self.core().scheduler.release(&task);
        let count = match released {
            Some(list_ref) => {
                std::mem::forget(list_ref);
                2
            }
            None => 1,
        };
        if self.header().state.transition_to_terminal(count) {
            self.dealloc();
        }
    }
}

/// # Safety
/// See [`RawTask::poll`].
pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    unsafe { Harness::<F, S>::from_raw(ptr) }.poll();
}

/// # Safety
/// See [`RawTask::schedule`].
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let task = Notified(Task::from_raw(harness.raw()));
    harness.core().scheduler.schedule(task);
}

/// # Safety
/// See [`RawTask::dealloc`].
pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    unsafe { Harness::<F, S>::from_raw(ptr) }.dealloc();
}

/// # Safety
/// See [`RawTask::try_read_output`].
pub(super) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if can_read_output(harness.header(), harness.trailer(), waker) {
        // SAFETY: COMPLETE is set and the caller is the JoinHandle, which holds
        // JOIN_INTEREST: the output is exclusively ours.
        let output = unsafe { harness.core().take_output() };
        let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
        // SAFETY: the caller passes a valid, initialised `Poll<Result<F::Output, JoinError>>`
        // (RawTask::try_read_output contract); assignment drops the old `Pending`.
        unsafe { *dst = Poll::Ready(output) };
    }
}

/// `true` if the task is complete; otherwise makes sure `waker` is the registered join waker.
fn can_read_output(header: &Header, trailer: &Trailer, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let res = if !snapshot.is_join_waker_set() {
        set_join_waker(header, trailer, waker.clone())
    } else {
        // SAFETY: JOIN_WAKER set and not complete: the completer does not read yet, and only
        // the join side writes, so a shared read is fine.
        if unsafe { trailer.will_wake(waker) } {
            return false;
        }
        // Take the slot back, then store the new waker.
        header
            .state
            .unset_waker()
            .and_then(|_| set_join_waker(header, trailer, waker.clone()))
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker(
    header: &Header,
    trailer: &Trailer,
    waker: Waker,
) -> Result<super::state::Snapshot, super::state::Snapshot> {
    // SAFETY: JOIN_WAKER is clear, so the join side owns the slot.
    unsafe { trailer.set_waker(Some(waker)) };
    let res = header.state.set_join_waker();
    if res.is_err() {
        // Completed meanwhile: the slot is still ours; empty it so the waker is not kept alive.
        // SAFETY: set_join_waker failed, so JOIN_WAKER is still clear.
        unsafe { trailer.set_waker(None) };
    }
    res
}

/// # Safety
/// See [`RawTask::drop_join_handle`].
pub(super) unsafe fn drop_join_handle_slow<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let dropped = harness.header().state.transition_to_join_handle_dropped();
    if dropped.drop_output {
        // SAFETY: the task was complete while we held JOIN_INTEREST: the output is ours.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
            harness.core().set_stage(Stage::Consumed)
        }));
    }
    if dropped.drop_waker {
        // SAFETY: JOIN_WAKER is clear after the transition, so the slot is ours.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
            harness.trailer().set_waker(None)
        }));
    }
    // SAFETY: the JoinHandle's own reference.
    unsafe { harness.raw().drop_reference() };
}

/// # Safety
/// See [`RawTask::shutdown`].
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable of a `Cell<F, S>` is the only caller.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if harness.header().state.transition_to_shutdown() {
        harness.cancel();
        harness.complete();
    } else {
        // Running elsewhere (it will see CANCELLED) or already complete.
        // SAFETY: the caller's reference.
        unsafe { harness.raw().drop_reference() };
    }
}
