//! One block of the message queue: [`BLOCK_CAP`] slots, a word of "slot written" bits, and the
//! link to the next block.
//!
//! A slot is written exactly once per trip of the block through the list, by the one sender
//! that claimed its index, and read exactly once, by the receiver, after it saw the slot's bit.
//! The block is recycled (reset and appended at the tail again) only once the receiver has read
//! past it *and* no sender can still reach it; see [`Block::tx_release`] and `list.rs`.

use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

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
/// The receiver may be waiting for a slot of this block: a sender that finds this bit in the
/// value its write replaced wakes the receiver. A block is born (and recycled) with it set,
/// because a receiver waiting for a block that does not exist yet cannot set it.
const RX_WAITING: usize = 1 << (BLOCK_CAP + 2);

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
            ready: AtomicUsize::new(RX_WAITING),
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

    /// The next block, read with a read-modify-write (a compare-and-swap of null with null),
    /// so that it is ordered against the sender linking it: if this returns `None`, that
    /// sender's link comes later and synchronizes with us (see `ListRx::rx_wait`).
    pub(super) fn next_ordered(&self) -> Option<NonNull<Block<T>>> {
        match self
            .next
            .compare_exchange(ptr::null_mut(), ptr::null_mut(), AcqRel, Acquire)
        {
            Ok(_) => None,
            Err(next) => NonNull::new(next),
        }
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

    /// Writes `value` into slot `offset` and marks it ready. Returns whether the receiver may
    /// be waiting (then the caller wakes it).
    ///
    /// # Safety
    /// The caller claimed this slot's index (so no one else writes it), and the block is not
    /// recycled before the receiver reads it.
    pub(super) unsafe fn write(&self, offset: usize, value: T) -> bool {
        // SAFETY: per the contract the slot is ours until its ready bit is set.
        self.slots[offset].with_mut(|slot| unsafe { (*slot).write(value) });
        // One read-modify-write on the word the receiver also marks with `RX_WAITING`: one of
        // the two sees the other (see `rx_wait`). An add, not an or: the slot's bit is clear
        // (each slot is written once per trip of the block, and `reset` clears the bits), so
        // adding it sets it without a carry, and an add that returns the old value is one
        // instruction where an or that does is a compare-and-swap loop (x86), which the
        // other writers of this word kept failing under contention.
        let prev = self.ready.fetch_add(1 << offset, AcqRel);
        debug_assert_eq!(prev & (1 << offset), 0, "a slot written twice");
        prev & RX_WAITING != 0
    }

    /// Marks the index the closing sender claimed (in this block) as the end of the stream.
    pub(super) fn tx_close(&self) {
        self.ready.fetch_or(TX_CLOSED, AcqRel);
    }

    /// The receiver is about to wait for slot `offset` (its waker is registered): marks the
    /// block, and returns `true` if the slot was written (or the stream closed) meanwhile, so
    /// it must look again instead of waiting.
    ///
    /// Either this update comes first in the ready word's order, and the writer of the slot
    /// sees `RX_WAITING` and wakes the receiver; or the write comes first, and this update
    /// returns it.
    pub(super) fn rx_wait(&self, offset: usize) -> bool {
        self.ready.fetch_or(RX_WAITING, AcqRel) & (1 << offset | TX_CLOSED) != 0
    }

    /// Reads slot `offset` if it was written.
    ///
    /// # Safety
    /// Only the receiver calls this, once per index, with the block holding that index.
    pub(super) unsafe fn read(&self, offset: usize) -> Option<Read<T>> {
        let ready = self.ready.load(Acquire);
        if ready & (1 << offset) != 0 {
            if ready & RX_WAITING != 0 {
                // We are running, so not waiting: spare the next writers the wake-up. Set
                // again by `rx_wait` before the receiver waits.
                self.ready.fetch_and(!RX_WAITING, Relaxed);
            }
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
        self.ready.store(RX_WAITING, Relaxed);
        self.observed_tail.store(0, Relaxed);
    }
}
