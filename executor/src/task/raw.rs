//! [`RawTask`]: a type-erased pointer to a task cell, and the vtable that gives it back its
//! types.
//!
//! A `RawTask` is `Copy` and owns nothing; the wrappers ([`Task`](super::Task),
//! [`Notified`](super::Notified), [`JoinHandle`](super::JoinHandle), wakers) each own one
//! reference and call into the vtable.

use super::core::{Cell, Header};
use super::harness;
use super::state::TransitionToNotified;
use super::{Id, Schedule};
use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

/// Monomorphised operations of one `Cell<F, S>`.
pub(crate) struct Vtable {
    /// Run the task (consumes the caller's Notified reference).
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Hand a Notified (owning one reference) to the scheduler.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Free the allocation (refcount reached zero).
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Move the output into `*dst: Poll<Result<T, JoinError>>` if complete, else register the
    /// waker.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// `JoinHandle` drop when the fast path failed.
    pub(super) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancel the task now if idle (consumes the caller's reference).
    pub(super) shutdown: unsafe fn(NonNull<Header>),
    /// The initial state of this kind of task, for the `JoinHandle` fast path.
    pub(super) initial_state: usize,
}

/// A type-erased task pointer. Owns no reference by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: the task cell is shared between threads by design: its header is atomics and
// immutable data, and the typed parts are guarded by the state machine. Futures and outputs
// stored in cells are `Send` (every spawn function requires it) — except those of
// `new_local`, whose contract keeps every access to the future on its spawning thread and
// lets other threads only touch the header and the scheduler — and the scheduler type is
// `Send + Sync` (`Schedule` requires it).
unsafe impl Send for RawTask {}
// SAFETY: as above; `RawTask` exposes only `&self` methods that go through the state machine.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// Allocates a task. `initial` is `INITIAL_STATE` or `INITIAL_STATE_UNOWNED`.
    pub(super) fn new<F, S>(future: F, scheduler: S, id: Id, initial: usize) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        // SAFETY: `F` and its output are `Send`, so any thread may poll, drop or read them.
        unsafe { RawTask::new_local(future, scheduler, id, initial) }
    }

    /// Allocates a task whose future (and output) need not be `Send`.
    ///
    /// # Safety
    /// `scheduler` polls the task, cancels it (`shutdown`) and drops queue entries of it while
    /// its future is alive only on the calling thread; if the output is not `Send`, only
    /// a `JoinHandle` that stays on this thread reads it. Other threads may wake, abort and
    /// drop references (which only touch the header, the join waker and the scheduler).
    pub(super) unsafe fn new_local<F, S>(future: F, scheduler: S, id: Id, initial: usize) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let cell = Cell::new(future, scheduler, initial, id, vtable::<F, S>(initial));
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// # Safety
    /// `ptr` points to the header of a live task cell.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every RawTask is created from a live cell and used only while its owner
        // holds a reference, so the header is alive for the borrow of `self`.
        unsafe { self.ptr.as_ref() }
    }

    fn vtable(&self) -> &'static Vtable {
        self.header().vtable
    }

    /// # Safety
    /// The caller gives up one reference, which was a Notified's.
    pub(super) unsafe fn poll(self) {
        // SAFETY: forwarded caller contract; the vtable matches the cell (set at allocation).
        unsafe { (self.vtable().poll)(self.ptr) }
    }

    /// # Safety
    /// The caller gives up one reference for the new Notified (`NOTIFIED` was set by it).
    pub(super) unsafe fn schedule(self) {
        // SAFETY: forwarded caller contract.
        unsafe { (self.vtable().schedule)(self.ptr) }
    }

    /// # Safety
    /// The reference count is zero and no one else holds the pointer.
    pub(super) unsafe fn dealloc(self) {
        // SAFETY: forwarded caller contract.
        unsafe { (self.vtable().dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` points to a `Poll<Result<T, JoinError>>` where `T` is this task's output type, and
    /// the caller is the `JoinHandle`.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded caller contract.
        unsafe { (self.vtable().try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    /// Called once, by the `JoinHandle` being dropped, which gives up its reference.
    pub(super) unsafe fn drop_join_handle(self) {
        if self
            .header()
            .state
            .drop_join_handle_fast(self.vtable().initial_state)
        {
            return;
        }
        // SAFETY: forwarded caller contract.
        unsafe { (self.vtable().drop_join_handle_slow)(self.ptr) }
    }

    /// # Safety
    /// The caller gives up one reference.
    pub(super) unsafe fn shutdown(self) {
        // SAFETY: forwarded caller contract.
        unsafe { (self.vtable().shutdown)(self.ptr) }
    }

    /// Drops one reference, freeing the task if it was the last.
    ///
    /// # Safety
    /// The caller owns the reference it gives up.
    pub(super) unsafe fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference: nothing else can reach the cell.
            unsafe { self.dealloc() }
        }
    }

    /// Wake through an owned reference (a `Waker` consumed by `wake`).
    ///
    /// # Safety
    /// The caller gives up one reference.
    pub(super) unsafe fn wake_by_val(self) {
        crate::trace::wake(self.header().id);
        match self.header().state.transition_to_notified_by_val() {
            // SAFETY: the transition turned our reference into the Notified's.
            TransitionToNotified::Submit => unsafe { self.schedule() },
            TransitionToNotified::DoNothing => {}
            // SAFETY: our reference was the last one.
            TransitionToNotified::Dealloc => unsafe { self.dealloc() },
        }
    }

    /// Wake through a borrowed reference.
    pub(super) fn wake_by_ref(self) {
        crate::trace::wake(self.header().id);
        match self.header().state.transition_to_notified_by_ref() {
            // SAFETY: the transition took a new reference for the Notified.
            TransitionToNotified::Submit => unsafe { self.schedule() },
            TransitionToNotified::DoNothing | TransitionToNotified::Dealloc => {}
        }
    }

    /// `abort()` from a `JoinHandle` or `AbortHandle`.
    pub(super) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition took a reference for the Notified; the scheduler will
            // poll it, see CANCELLED and drop the future on a runtime thread.
            unsafe { self.schedule() }
        }
    }
}

fn vtable<F, S>(initial_state: usize) -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    use super::state::{INITIAL_STATE, INITIAL_STATE_UNOWNED};
    // Two promoted statics per (F, S): owned tasks and blocking (unowned) tasks differ only
    // in the state the JoinHandle fast path compares against.
    if initial_state == INITIAL_STATE {
        &Vtable {
            poll: harness::poll::<F, S>,
            schedule: harness::schedule::<F, S>,
            dealloc: harness::dealloc::<F, S>,
            try_read_output: harness::try_read_output::<F, S>,
            drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
            shutdown: harness::shutdown::<F, S>,
            initial_state: INITIAL_STATE,
        }
    } else {
        debug_assert_eq!(initial_state, INITIAL_STATE_UNOWNED);
        &Vtable {
            poll: harness::poll::<F, S>,
            schedule: harness::schedule::<F, S>,
            dealloc: harness::dealloc::<F, S>,
            try_read_output: harness::try_read_output::<F, S>,
            drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
            shutdown: harness::shutdown::<F, S>,
            initial_state: INITIAL_STATE_UNOWNED,
        }
    }
}
