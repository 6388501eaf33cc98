//! One block of the message queue: [`BLOCK_CAP`] slots, a word of "slot written" bits, and the
//! link to the next block.
//!
//! A slot is written exactly once per trip of the block through the list, by the one sender
//! that claimed its index, and read exactly once, by the receiver, after it saw the slot's bit.
//! The block is recycled (reset and appended at the tail again) only once the receiver has read
//! past it *and* no sender can still reach it; see [`Block::tx_release`] and `list.rs`.

use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};

use crate::loom::{AtomicPtr, AtomicUsize, UnsafeCell};

/// Slots per block: the width of the ready word minus the two flag bits, rounded down to a
/// power of two (32 on 64-bit targets, 16 on 32-bit ones). The loom models use 2, so that a
/// handful of messages crosses and recycles blocks.
pub(super) const BLOCK_CAP: usize = if cfg!(all(loom, test)) {
    2
} else if usize::BITS >= 64 {
    32
} else {
    16
};
const SLOT_MASK: usize = BLOCK_CAP - 1;
/// All slot bits.
const READY_MASK: usize = (1 << BLOCK_CAP) - 1;
/// Every slot has been claimed and the senders moved the list's tail past this block; the
/// block's `observed_tail` is valid.
const RELEASED: usize = 1 << BLOCK_CAP;
/// The index the last sender claimed when closing lies in this block: the receiver reads
/// "closed" once it reaches an unwritten slot here.
const TX_CLOSED: usize = 1 << (BLOCK_CAP + 1);

/// What the receiver finds at its index.
pub(super) enum Read<T> {
    /// A message.
    Value(T),
    /// Every sender is gone and every message was read.
    Closed,
}

/// One block of the list.
pub(super) struct Block<T> {
    /// Index of slot 0 (always a multiple of [`BLOCK_CAP`]). Changed only while the block is
    /// unreachable (being recycled), published by the `next` store that links it in.
    start: AtomicUsize,
    /// The following block, or null while this is the last.
    next: AtomicPtr<Block<T>>,
    /// Bit `i`: slot `i` holds a message; plus [`RELEASED`] and [`TX_CLOSED`].
    ready: AtomicUsize,
    /// The list's tail index when this block was released: once the receiver's index reaches
    /// it, no sender holds a pointer to this block any more. Written before `RELEASED`.
    observed_tail: AtomicUsize,
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

/// The position of `index` inside its block.
pub(super) fn offset(index: usize) -> usize {
    index & SLOT_MASK
}

/// The start of the block holding `index`.
pub(super) fn block_start(index: usize) -> usize {
    index & !SLOT_MASK
}

impl<T> Block<T> {
    /// A fresh, empty block starting at `start`, on the heap.
    pub(super) fn alloc(start: usize) -> NonNull<Block<T>> {
        let block = Box::new(Block {
            start: AtomicUsize::new(start),
            next: AtomicPtr::new(ptr::null_mut()),
            ready: AtomicUsize::new(0),
            observed_tail: AtomicUsize::new(0),
            slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        });
        NonNull::from(Box::leak(block))
    }

    /// Frees a block allocated by [`Block::alloc`] (its slots are not dropped).
    ///
    /// # Safety
    /// Nobody else can reach `block` any more, and every message in it was moved out.
    pub(super) unsafe fn free(block: NonNull<Block<T>>) {
        // SAFETY: per the contract; the box came from `Box::leak` in `alloc`.
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }

    pub(super) fn start(&self) -> usize {
        self.start.load(Relaxed)
    }

    /// Sets the start of a block that nobody else can reach (it is being recycled).
    pub(super) fn set_start(&self, start: usize) {
        self.start.store(start, Relaxed);
    }

    /// The next block, if linked.
    pub(super) fn next(&self) -> Option<NonNull<Block<T>>> {
        NonNull::new(self.next.load(Acquire))
    }

    /// Links `new` after this block if nothing is linked yet; otherwise returns what is.
    pub(super) fn try_push_next(&self, new: NonNull<Block<T>>) -> Result<(), NonNull<Block<T>>> {
        match self
            .next
            .compare_exchange(ptr::null_mut(), new.as_ptr(), AcqRel, Acquire)
        {
            Ok(_) => Ok(()),
            // SAFETY of the unwrap-free construction: the CAS failed, so the pointer is non-null.
            Err(actual) => Err(NonNull::new(actual).expect("a failed link CAS saw a block")),
        }
    }

    /// Writes `value` into slot `offset` and marks it ready.
    ///
    /// # Safety
    /// The caller claimed this slot's index (so no one else writes it), and the block is not
    /// recycled before the receiver reads it.
    pub(super) unsafe fn write(&self, offset: usize, value: T) {
        // SAFETY: per the contract the slot is ours until its ready bit is set.
        self.slots[offset].with_mut(|slot| unsafe { (*slot).write(value) });
        // SeqCst: pairs with the receiver's SeqCst waker registration (see `chan.rs`): either
        // the receiver's re-check sees this bit, or our later waker check sees its waker.
        self.ready.fetch_or(1 << offset, SeqCst);
    }

    /// Marks the index the closing sender claimed (in this block) as the end of the stream.
    pub(super) fn tx_close(&self) {
        self.ready.fetch_or(TX_CLOSED, SeqCst);
    }

    /// Reads slot `offset` if it was written.
    ///
    /// # Safety
    /// Only the receiver calls this, once per index, with the block holding that index.
    pub(super) unsafe fn read(&self, offset: usize) -> Option<Read<T>> {
        let ready = self.ready.load(SeqCst);
        if ready & (1 << offset) != 0 {
            // SAFETY: the ready bit (acquired) says the sender finished writing; we read each
            // index once, so the value is moved out exactly once.
            Some(Read::Value(
                self.slots[offset].with(|slot| unsafe { (*slot).assume_init_read() }),
            ))
        } else if ready & TX_CLOSED != 0 {
            Some(Read::Closed)
        } else {
            None
        }
    }

    /// Records that the senders moved the tail past this block when the tail index was
    /// `tail`, so the receiver may recycle it once it has read up to `tail`.
    pub(super) fn tx_release(&self, tail: usize) {
        self.observed_tail.store(tail, Relaxed);
        self.ready.fetch_or(RELEASED, Release);
    }

    /// If the senders released this block, the tail index they observed then.
    pub(super) fn observed_tail(&self) -> Option<usize> {
        if self.ready.load(Acquire) & RELEASED == 0 {
            return None;
        }
        Some(self.observed_tail.load(Relaxed))
    }

    /// Whether every slot was written.
    pub(super) fn is_full(&self) -> bool {
        self.ready.load(Acquire) & READY_MASK == READY_MASK
    }

    /// Clears a block for reuse (nobody else can reach it).
    pub(super) fn reset(&self) {
        self.next.store(ptr::null_mut(), Relaxed);
        self.ready.store(0, Relaxed);
        self.observed_tail.store(0, Relaxed);
    }
}
