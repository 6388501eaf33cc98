//! The `Waker` of a task: a pointer to its header plus one shared `RawWakerVTable`.
//!
//! An owned `Waker` holds one task reference. The waker handed to the future during a poll is
//! *borrowed*: it uses the reference of the Notified being run, so polling costs no reference
//! count traffic unless the future clones the waker.

use super::core::Header;
use super::raw::RawTask;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// A waker that must not outlive the reference it borrows.
pub(super) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _borrow: PhantomData<&'a Header>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// Builds the borrowed poll-time waker.
pub(super) fn waker_ref(header: &NonNull<Header>) -> WakerRef<'_> {
    let raw = RawWaker::new(header.as_ptr().cast_const().cast::<()>(), &WAKER_VTABLE);
    // SAFETY: the vtable functions below uphold the RawWaker contract for a pointer to a live
    // task header; ManuallyDrop keeps the borrowed reference from being released.
    let waker = unsafe { Waker::from_raw(raw) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _borrow: PhantomData,
    }
}

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// `true` if `waker` is a task waker (of any task), owned or borrowed.
// Unused under loom, whose models never take the self-yield shortcut (see `yield_now`).
#[cfg_attr(loom, allow(dead_code))]
pub(super) fn is_task_waker(waker: &Waker) -> bool {
    std::ptr::eq(waker.vtable(), &WAKER_VTABLE)
}

/// # Safety
/// `ptr` came from `waker_ref` or `clone_waker`, so it is a live task header.
unsafe fn raw(ptr: *const ()) -> RawTask {
    // SAFETY: a waker's data pointer is never null (it points to a task header).
    let ptr = unsafe { NonNull::new_unchecked(ptr.cast_mut().cast::<Header>()) };
    // SAFETY: the waker holding `ptr` keeps the task alive (caller contract).
    unsafe { RawTask::from_raw(ptr) }
}

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: called by `Waker::clone` on one of our wakers.
    let task = unsafe { raw(ptr) };
    task.header().state.ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: `Waker::wake` on an owned waker: it gives its reference up.
    unsafe { raw(ptr).wake_by_val() }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: called by `Waker::wake_by_ref` on one of our wakers.
    unsafe { raw(ptr) }.wake_by_ref();
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: an owned waker being dropped gives its reference up.
    unsafe { raw(ptr).drop_reference() }
}
