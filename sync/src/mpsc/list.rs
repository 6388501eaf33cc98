//! The message queue: a singly linked list of [`Block`]s, with no lock anywhere.
//!
//! * A sender claims the next index with one `fetch_add` on `tail_position`, walks from
//!   `block_tail` to the block holding that index (linking new blocks as needed), writes its
//!   slot and sets the slot's ready bit. Senders never wait for each other.
//! * The same word carries the receiver's "closed" bit ([`RX_CLOSED`], below the index), so
//!   an unbounded send learns whether it may send from the very `fetch_add` that claims its
//!   index: one read-modify-write per message, not a separate message counter. An index
//!   claimed with the bit set is never written; the receiver, which took the word's value
//!   when it set the bit (its *close index*), knows every index below that will be written
//!   and none at or above it will, so "closed and drained" is "my index reached the close
//!   index". The bounded channel's permit holders may still send after the close (their
//!   permits were granted before it), so it ignores the bit and asks its semaphore instead.
//! * The receiver keeps its own index and head block, and reads a slot once its bit is set.
//!   Messages are therefore received in the order their indices were claimed: per sender,
//!   in send order.
//! * Blocks are recycled, not freed: once every slot of a block is written, the sender that
//!   moves `block_tail` past it records the tail index at that moment and marks the block
//!   released. Every sender that could still hold a pointer to the block claimed an index
//!   below that mark (the mark is read with a read-modify-write on the claim counter, which
//!   orders it against every claim), so once the receiver has read up to the mark, nobody
//!   can reach the block and the receiver appends it at the tail again.
//! * Waking: the receiver, before it waits, sets a "waiting" bit in the ready word of the
//!   block it waits on; the writer of a slot sees that bit in the same word it updates, and
//!   only then touches the receiver's waker. New blocks are born with the bit set.

use std::ptr::NonNull;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use super::block::{self, Block, Read, BLOCK_CAP};
use crate::loom::{AtomicPtr, AtomicUsize};

/// `tail_position`'s low bit: the receiver closed. Claims made with it set are refused by
/// [`ListTx::try_push`] (and their indices never written).
const RX_CLOSED: usize = 1;
/// One index in `tail_position` (indices are kept above the flag bit).
const ONE: usize = 2;
/// Indices wrap at `usize::MAX / ONE + 1` (when `tail_position` itself wraps), so every index
/// computed elsewhere (the receiver's, the blocks' starts) is taken modulo this mask too, and
/// indices are only compared for equality or by their distance modulo the mask. Unreachable
/// on 64-bit targets; about two billion messages on 32-bit ones.
const INDEX_MASK: usize = usize::MAX / ONE;
/// `end_index` before the end-of-stream mark claimed one (never an index: above the mask).
const NO_END: usize = usize::MAX;

/// The index after `index`.
fn next_index(index: usize, by: usize) -> usize {
    index.wrapping_add(by) & INDEX_MASK
}

/// How far `to` lies ahead of `from`.
fn distance(from: usize, to: usize) -> usize {
    to.wrapping_sub(from) & INDEX_MASK
}

/// The senders' half of the list (shared by every sender).
pub(super) struct ListTx<T> {
    /// The block the next claimed index is most likely in (never behind the receiver's head).
    block_tail: AtomicPtr<Block<T>>,
    /// The next index to claim, times [`ONE`], plus [`RX_CLOSED`].
    tail_position: AtomicUsize,
    /// The index the end-of-stream mark claimed, [`NO_END`] before (for `len`).
    end_index: AtomicUsize,
}

/// The receiver's half (owned by the one receiver).
pub(super) struct ListRx<T> {
    /// The block holding `index`, or one before it.
    head: NonNull<Block<T>>,
    /// The next index to read.
    index: usize,
    /// The oldest block not yet recycled; `free_head..head` are read and wait for release.
    free_head: NonNull<Block<T>>,
}

/// A new, empty list: its two halves share its first block.
pub(super) fn list<T>() -> (ListTx<T>, ListRx<T>) {
    list_from(0)
}

/// A new list whose first index is `blocks` blocks before the indices wrap to 0: the tests
/// cross the wrap with it.
#[cfg(all(test, not(loom)))]
pub(super) fn list_near_wrap<T>(blocks: usize) -> (ListTx<T>, ListRx<T>) {
    list_from(INDEX_MASK - blocks * BLOCK_CAP + 1)
}

/// A new list whose first index is `start` (a multiple of [`BLOCK_CAP`]).
fn list_from<T>(start: usize) -> (ListTx<T>, ListRx<T>) {
    let first = Block::alloc(start);
    let tx = ListTx {
        block_tail: AtomicPtr::new(first.as_ptr()),
        tail_position: AtomicUsize::new(start * ONE),
        end_index: AtomicUsize::new(NO_END),
    };
    let rx = ListRx {
        head: first,
        index: start,
        free_head: first,
    };
    (tx, rx)
}

impl<T> ListTx<T> {
    /// Appends `value` whether or not the receiver closed (a bounded permit's send). Lock-free;
    /// never waits for another sender. Returns whether the receiver may be waiting for it
    /// (then the caller wakes it).
    pub(super) fn push(&self, value: T) -> bool {
        let index = self.tail_position.fetch_add(ONE, AcqRel) / ONE;
        self.write(index, value)
    }

    /// Appends `value` unless the receiver closed (an unbounded send): then the claimed index
    /// stays unwritten and `value` comes back. `Ok` says whether to wake the receiver.
    pub(super) fn try_push(&self, value: T) -> Result<bool, T> {
        let tail = self.tail_position.fetch_add(ONE, AcqRel);
        if tail & RX_CLOSED != 0 {
            return Err(value);
        }
        Ok(self.write(tail / ONE, value))
    }

    /// Writes `value` at the claimed `index`.
    fn write(&self, index: usize, value: T) -> bool {
        let block = self.find_block(index);
        // SAFETY: `index` is ours alone, and its block cannot be recycled before the receiver
        // has read this slot (recycling needs the receiver past `index`).
        unsafe { block.as_ref().write(block::offset(index), value) }
    }

    /// Marks the end of the stream: called once, after the last sender is gone. Not written
    /// if the receiver closed first: it stops at its close index (unbounded) or once no
    /// permit is out (bounded), never later than this mark.
    pub(super) fn close(&self) {
        let tail = self.tail_position.fetch_add(ONE, AcqRel);
        let index = tail / ONE;
        self.end_index.store(index, Release);
        if tail & RX_CLOSED != 0 {
            return;
        }
        let block = self.find_block(index);
        // SAFETY: the receiver never reads past `index`, so this block is never recycled.
        unsafe { block.as_ref() }.tx_close();
    }

    /// The receiver closes: sets [`RX_CLOSED`] and returns its close index (every index below
    /// it was claimed before, so it will be written; unbounded sends from now on are refused).
    pub(super) fn close_rx(&self) -> usize {
        self.tail_position.fetch_or(RX_CLOSED, AcqRel) / ONE
    }

    /// Whether the receiver closed.
    pub(super) fn is_rx_closed(&self) -> bool {
        self.tail_position.load(Acquire) & RX_CLOSED != 0
    }

    /// The next index a sender will claim.
    pub(super) fn tail_position(&self) -> usize {
        self.tail_position.load(Acquire) / ONE
    }

    /// Indices claimed and not yet read by a receiver at `index`: messages in the queue or
    /// being written, not counting the end-of-stream mark nor indices at or past `stop` (the
    /// receiver's close index for an unbounded channel, which refused them).
    pub(super) fn len_from(&self, index: usize, stop: Option<usize>) -> usize {
        let mut len = distance(index, self.tail_position());
        if let Some(stop) = stop {
            len = len.min(distance(index, stop));
        }
        let end = self.end_index.load(Acquire);
        if end != NO_END {
            len = len.min(distance(index, end));
        }
        len
    }

    /// The block that holds `index`, linking blocks as needed and moving `block_tail` forward
    /// past blocks whose slots are all claimed.
    fn find_block(&self, index: usize) -> NonNull<Block<T>> {
        let start = block::block_start(index);
        // SAFETY: `block_tail` always points to a live, linked block (see `reclaim`).
        let mut block = unsafe { NonNull::new_unchecked(self.block_tail.load(Acquire)) };
        // Only the first sender to pass a block moves the tail; the others skip the CAS.
        let mut may_advance = true;
        loop {
            // SAFETY: blocks between `block_tail` and our index are not recycled before the
            // receiver reads our index (see the module docs), so `block` is alive.
            let current = unsafe { block.as_ref() };
            if current.start() == start {
                return block;
            }
            let next = current.next().unwrap_or_else(|| self.grow(current));
            // The tail may pass `current` only once every slot in it is *written*: a sender
            // still writing there may have loaded the tail before it moved, but one that loads
            // it later must never find the tail beyond its own block.
            if may_advance && current.is_full() {
                match self.block_tail.compare_exchange(
                    block.as_ptr(),
                    next.as_ptr(),
                    AcqRel,
                    Acquire,
                ) {
                    // The mark is read with a read-modify-write, not a load: every sender whose
                    // claim comes later in `tail_position`'s order synchronizes with it and so
                    // sees the moved tail; any that loaded the old tail claimed below the mark.
                    Ok(_) => current.tx_release(self.tail_position.fetch_add(0, AcqRel) / ONE),
                    Err(_) => may_advance = false,
                }
            } else {
                may_advance = false;
            }
            block = next;
        }
    }

    /// Links a new block after `last` (or finds the one another sender linked first).
    #[cold]
    fn grow(&self, last: &Block<T>) -> NonNull<Block<T>> {
        let new = Block::alloc(next_index(last.start(), BLOCK_CAP));
        match last.try_push_next(new) {
            Ok(()) => new,
            Err(winner) => {
                // Someone linked first: put our block further down the list rather than
                // wasting it.
                self.append(new, winner);
                winner
            }
        }
    }

    /// Appends the unreachable block `new` at the end of the list that continues from `from`.
    fn append(&self, new: NonNull<Block<T>>, mut from: NonNull<Block<T>>) {
        loop {
            // SAFETY: `from` is reachable from the tail, so alive (see `find_block`).
            let at = unsafe { from.as_ref() };
            // SAFETY: `new` is unreachable, so ours to set up.
            unsafe { new.as_ref() }.set_start(next_index(at.start(), BLOCK_CAP));
            match at.try_push_next(new) {
                Ok(()) => return,
                Err(next) => from = next,
            }
        }
    }

    /// Gives a fully read, released block back to the senders: reset and appended after the
    /// current tail, up to three tries, else freed.
    ///
    /// # Safety
    /// Nobody can reach `block` (the receiver checked its release mark) and it holds no message.
    unsafe fn reclaim(&self, block: NonNull<Block<T>>) {
        // SAFETY: per the contract the block is ours alone.
        let reused = unsafe { block.as_ref() };
        reused.reset();
        // SAFETY: `block_tail` is always a live block.
        let mut at = unsafe { NonNull::new_unchecked(self.block_tail.load(Acquire)) };
        for _ in 0..3 {
            // SAFETY: reachable from the tail, so alive.
            let tail = unsafe { at.as_ref() };
            reused.set_start(next_index(tail.start(), BLOCK_CAP));
            match tail.try_push_next(block) {
                Ok(()) => return,
                Err(next) => at = next,
            }
        }
        // SAFETY: still unreachable (every link attempt failed) and empty.
        unsafe { Block::free(block) };
    }
}

impl<T> ListRx<T> {
    /// Takes the next message, `Closed` at the end of the stream, or `None` if the next
    /// message is not written yet.
    pub(super) fn pop(&mut self, tx: &ListTx<T>) -> Option<Read<T>> {
        if !self.advance_head() {
            return None;
        }
        self.recycle(tx);
        // SAFETY: `head` holds `index` (just advanced) and is alive until we recycle it.
        let read = unsafe { self.head.as_ref().read(block::offset(self.index)) };
        if let Some(Read::Value(_)) = read {
            self.index = next_index(self.index, 1);
        }
        read
    }

    /// The next index to read.
    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// The receiver is about to wait (its waker is registered): marks the block it waits on.
    /// Returns `true` if its message arrived meanwhile, so it must look again.
    pub(super) fn rx_wait(&mut self) -> bool {
        let start = block::block_start(self.index);
        loop {
            // SAFETY: `head` is alive: only blocks before it are recycled.
            let head = unsafe { self.head.as_ref() };
            if head.start() == start {
                return head.rx_wait(block::offset(self.index));
            }
            match head.next_ordered() {
                Some(next) => self.head = next,
                // The block does not exist yet. It is born marked, so its writer will wake
                // us; and because our read of the link was ordered before the link, that
                // writer (who found the block through it) also sees our registered waker.
                None => return false,
            }
        }
    }

    /// Moves `head` to the block holding `index`; `false` if that block is not linked yet.
    fn advance_head(&mut self) -> bool {
        let start = block::block_start(self.index);
        loop {
            // SAFETY: `head` is alive: only blocks before it are recycled.
            let head = unsafe { self.head.as_ref() };
            if head.start() == start {
                return true;
            }
            match head.next() {
                Some(next) => self.head = next,
                None => return false,
            }
        }
    }

    /// Recycles the read blocks before `head` that no sender can reach any more.
    fn recycle(&mut self, tx: &ListTx<T>) {
        while self.free_head != self.head {
            // SAFETY: blocks in `free_head..head` are alive until recycled here.
            let block = unsafe { self.free_head.as_ref() };
            match block.observed_tail() {
                // Read up to the mark: our index is not behind it (indices wrap, see
                // `INDEX_MASK`; the two are never half the index space apart).
                Some(tail) if distance(tail, self.index) <= INDEX_MASK / 2 => {}
                _ => return,
            }
            debug_assert!(block.is_full());
            self.free_head = block.next().expect("a block before head has a successor");
            // SAFETY: released and its mark reached: no sender holds it; we read every slot.
            unsafe { tx.reclaim(NonNull::from(block)) };
        }
    }

    /// Frees every block: called once, when the channel itself is dropped.
    ///
    /// # Safety
    /// No sender or receiver uses the list any more and every message was popped.
    pub(super) unsafe fn free_blocks(&mut self) {
        let mut block = Some(self.free_head);
        while let Some(b) = block {
            // SAFETY: every block is reachable from `free_head` exactly once.
            block = unsafe { b.as_ref() }.next();
            // SAFETY: per the contract, nobody else uses the list.
            unsafe { Block::free(b) };
        }
    }
}
