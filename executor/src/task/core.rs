//! The single allocation behind every task: [`Header`], then the typed [`Core`], then the
//! [`Trailer`].
//!
//! `Cell` is `#[repr(C)]` with the header first, so a pointer to the header *is* a pointer to
//! the cell: type-erased code (wakers, queues, the owned-task list) passes `NonNull<Header>`
//! around, and the vtable functions, which are monomorphised for the real future and
//! scheduler types, cast it back.

use super::error::JoinError;
use super::raw::Vtable;
use super::state::State;
use super::Id;
use crate::loom::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::loom::UnsafeCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The part of a task every piece of code can read without knowing its types.
#[repr(C)]
pub(crate) struct Header {
    /// Flags and reference count (see [`super::state`]).
    pub(super) state: State,
    /// Typed operations on the rest of the cell.
    pub(super) vtable: &'static Vtable,
    /// Unique for the life of the process.
    pub(super) id: Id,
    /// Slot in the owned-task list shard, written once by `OwnedTasks::bind` while holding the
    /// shard lock and read only under the same lock.
    pub(super) owned_index: AtomicUsize,
}

/// The whole task allocation.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) core: Core<F, S>,
    pub(super) trailer: Trailer,
}

/// The typed middle: who schedules the task, and its future or output.
pub(super) struct Core<F: Future, S> {
    pub(super) scheduler: S,
    /// Accessed only by the thread holding `RUNNING`, or after `COMPLETE` by the join side.
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// The future, then its result, then nothing.
pub(super) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// The waker of the task awaiting the `JoinHandle`; ownership follows `JOIN_WAKER`.
pub(super) struct Trailer {
    pub(super) waker: UnsafeCell<Option<Waker>>,
}

impl<F: Future, S> Cell<F, S> {
    /// Allocates the cell and returns a pointer to its header.
    pub(super) fn new(
        future: F,
        scheduler: S,
        initial: usize,
        id: Id,
        vtable: &'static Vtable,
    ) -> Box<Cell<F, S>> {
        Box::new(Cell {
            header: Header {
                state: State::new(initial),
                vtable,
                id,
                owned_index: AtomicUsize::new(usize::MAX),
            },
            core: Core {
                scheduler,
                stage: UnsafeCell::new(Stage::Running(future)),
            },
            trailer: Trailer {
                waker: UnsafeCell::new(None),
            },
        })
    }
}

impl Header {
    pub(crate) fn id(&self) -> Id {
        self.id
    }

    pub(crate) fn owned_index(&self) -> usize {
        self.owned_index.load(Relaxed)
    }

    pub(crate) fn set_owned_index(&self, index: usize) {
        self.owned_index.store(index, Relaxed);
    }
}

impl<F: Future, S> Core<F, S> {
    /// Polls the future.
    ///
    /// # Safety
    /// The caller holds `RUNNING` (so it is the only one touching the stage) and the stage is
    /// `Running`.
    pub(super) unsafe fn poll(&self, cx: &mut Context<'_>) -> Poll<F::Output> {
        let res = self.stage.with_mut(|ptr| {
            // SAFETY: RUNNING gives this thread exclusive access to the stage (caller contract).
            let stage = unsafe { &mut *ptr };
            let Stage::Running(future) = stage else {
                unreachable!("a task is only polled while its future is present");
            };
            // SAFETY: the future lives inside the heap cell, which never moves until it is
            // freed, and it is dropped in place (`set_stage`) rather than moved out.
            let future = unsafe { Pin::new_unchecked(future) };
            future.poll(cx)
        });
        if res.is_ready() {
            // SAFETY: still under RUNNING (caller contract).
            unsafe { self.set_stage(Stage::Consumed) };
        }
        res
    }

    /// Replaces the stage, dropping the old one.
    ///
    /// The new value is written *before* the old one is dropped, so a panicking destructor
    /// leaves a consistent `Consumed`/`Finished` stage behind.
    ///
    /// # Safety
    /// The caller has exclusive access to the stage: it holds `RUNNING`, or the task is
    /// `COMPLETE` and the caller is the one side (join or completer) that owns the output.
    pub(super) unsafe fn set_stage(&self, stage: Stage<F>) {
        let old = self.stage.with_mut(|ptr| {
            // SAFETY: exclusive access per the caller contract.
            unsafe { std::ptr::replace(ptr, stage) }
        });
        drop(old);
    }

    /// Takes the output after completion.
    ///
    /// # Safety
    /// The task is `COMPLETE`, `JOIN_INTEREST` is held by the caller (the `JoinHandle`), so no
    /// one else touches the stage.
    pub(super) unsafe fn take_output(&self) -> Result<F::Output, JoinError> {
        self.stage.with_mut(|ptr| {
            // SAFETY: exclusive access per the caller contract.
            match unsafe { std::ptr::replace(ptr, Stage::Consumed) } {
                Stage::Finished(output) => output,
                _ => panic!("JoinHandle polled after completion"),
            }
        })
    }
}

impl Trailer {
    /// # Safety
    /// The caller owns the waker slot according to `JOIN_WAKER` (see `state.rs`).
    pub(super) unsafe fn set_waker(&self, waker: Option<Waker>) {
        let old = self.waker.with_mut(|ptr| {
            // SAFETY: slot ownership per the caller contract.
            unsafe { std::ptr::replace(ptr, waker) }
        });
        drop(old);
    }

    /// # Safety
    /// The caller owns the waker slot or shares read access to it (JOIN_WAKER set, task not yet
    /// complete, caller is the join side).
    pub(super) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        self.waker.with(|ptr| {
            // SAFETY: no writer can be active per the caller contract.
            match unsafe { &*ptr } {
                Some(w) => w.will_wake(waker),
                None => false,
            }
        })
    }

    /// # Safety
    /// The caller is the completer and `JOIN_WAKER` was set at completion.
    pub(super) unsafe fn wake_join(&self) {
        self.waker.with(|ptr| {
            // SAFETY: the join side cannot write while JOIN_WAKER is set (caller contract).
            match unsafe { &*ptr } {
                Some(waker) => waker.wake_by_ref(),
                None => panic!("JOIN_WAKER set without a waker"),
            }
        });
    }
}
