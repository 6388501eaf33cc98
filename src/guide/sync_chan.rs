//! # Channels — passing values between tasks without a lock per message
//!
//! *Layer: [`corium::sync`](crate::sync) (`corium-sync`), above the executor. No seed walks
//! through channels; this chapter reads on from [chapter 4](super::ch4_tasks) (wakers and the
//! coop budget).*
//!
//! A channel is a queue plus a way to *wait* on it without a thread: a task that finds nothing
//! to receive (or no room to send) stores its [`Waker`](std::task::Waker) somewhere the other
//! side will look, returns `Pending`, and is woken when that changes. Every design below is an
//! answer to two questions: where does the data go, and how does each side find the other's
//! waker without a lost wake-up.
//!
//! ## `mpsc`: a list of blocks, one atomic increment per message
//!
//! The queue (`sync/src/mpsc/list.rs`, `block.rs`) is a singly linked list of blocks of 32
//! slots. Each block has one *ready word*: bit `i` says slot `i` holds a message.
//!
//! * **Send.** A sender claims the next index with one `fetch_add` on the tail counter — that
//!   is the only point where senders meet. It walks from the tail block to the block holding
//!   its index (linking a new block if it is the first to need it), writes the message into
//!   its slot, and sets the slot's bit with one atomic update of the ready word. Two senders
//!   never wait for each other: there is no lock, and no sender ever retries because another
//!   one was faster. (That update is a `fetch_add` of the bit, not a `fetch_or`: the bit is
//!   known to be clear, so adding sets it, and on x86 an add that returns the old word is one
//!   instruction while such an or is a compare-and-swap loop — one that other senders writing
//!   the same word keep failing.)
//! * **Receive.** The receiver keeps its own index. It reads the ready word of the block
//!   holding that index; if the bit is set the message is there — moved out, index bumped. Per
//!   sender, indices are claimed in send order, so messages arrive in that order.
//! * **Recycling.** Blocks are not freed as the receiver leaves them. Once a block's slots are
//!   all written, the sender that moves the tail past it records the tail counter at that
//!   moment and marks the block *released*. Any sender that might still be looking at the
//!   block claimed an index below that mark; so once the receiver has read up to the mark, no
//!   one can reach the block, and the receiver resets it and appends it after the tail. A
//!   steady stream allocates nothing.
//! * **Waking.** Before the receiver sleeps, it registers its waker in a lock-free slot and
//!   sets a *waiting* bit in the ready word of the block it waits on; then it looks once more.
//!   The sender's update of that same word returns the old value, so exactly one of two
//!   things happens: the receiver's second look sees the message, or the sender sees the
//!   waiting bit and wakes it. (New blocks are born with the bit set, for a receiver that
//!   waits on a block that does not exist yet.) A sender that sees the bit first only *loads*
//!   the waker slot's state, and writes it only if a waker is stored: a busy receiver costs
//!   the senders nothing beyond their update and that load. The load is enough because the
//!   update read the receiver's mark, which it made after registering.
//! * **Closing.** The tail counter keeps the index above a low "receiver closed" bit. The
//!   receiver sets the bit with one `fetch_or`, and the value it gets back is its *close
//!   index*: every index below it was claimed before the close and will be written. An
//!   unbounded send sees the bit in the very `fetch_add` that claims its index, so it needs no
//!   separate message counter — one atomic update claims a slot *and* asks "still open?". A
//!   refused send leaves its index unwritten; the receiver never looks that far, since
//!   "closed and drained" is simply "my index reached the close index". (A `fetch_add` on a
//!   closed channel still moves the counter, which is why the index lives above the bit and
//!   the bit is never cleared.)
//! * **Capacity.** The unbounded channel has none. The bounded channel takes a permit from the
//!   crate's fair batch semaphore before it claims an index, and ignores the closed bit in the
//!   counter: a permit granted before the close may still send after it, so a closed bounded
//!   receiver is drained once no permit is out. The receiver gives one permit back per
//!   message: senders waiting for room queue in FIFO order, and a `send` future dropped while
//!   it waits leaves the queue and hands on any permit already assigned to it. A
//!   [`Permit`](crate::sync::mpsc::Permit) is exactly that permit, held before the message
//!   exists.
//!
//! The protocols above are checked with loom (`sync/src/mpsc/loom_tests.rs`, blocks of 2 slots
//! so that a few messages cross, release and recycle blocks), and an 8-producer × 1,000,000
//! message stress test runs on both runtime flavours (`tests/sync_chan_stress.rs`).
//!
//! ```
//! use corium::sync::mpsc;
//!
//! corium::runtime::Runtime::new().unwrap().block_on(async {
//!     let (tx, mut rx) = mpsc::channel(4);
//!     for p in 0..3 {
//!         let tx = tx.clone();
//!         corium::spawn(async move {
//!             for i in 0..100 {
//!                 tx.send((p, i)).await.unwrap();
//!             }
//!         });
//!     }
//!     drop(tx);
//!     let mut next = [0; 3];
//!     while let Some((p, i)) = rx.recv().await {
//!         assert_eq!(i, next[p], "per-sender order");
//!         next[p] += 1;
//!     }
//!     assert_eq!(next, [100; 3]);
//! });
//! ```
//!
//! ## `oneshot`: one allocation, one state word that is also the reference count
//!
//! A oneshot channel (`sync/src/oneshot.rs`) is one heap cell holding the value slot, a waker
//! slot for each side, and a state word. The word has a bit per event (value sent, sender
//! done, receiver closed, a waker is stored on either side) and a *released* bit per side: the
//! side whose update sets the second released bit frees the cell. So `send` is one
//! compare-and-swap (it writes the value first, then publishes "value sent + sender done +
//! sender released" at once), and receiving a sent value is one load: the receiver that
//! finds the sender's released bit already set is the cell's only user, so it takes the value
//! and frees the cell without another atomic update.
//!
//! The catch is waking: a side that must wake the other reads the other's waker slot *after*
//! its update, so it must not release the cell in that same update. When it sees the other's
//! waker bit, it publishes its event without its released bit, wakes, and only then releases
//! with a second update. Each side only ever writes its own waker slot, and only while its
//! bit is clear, so no waker is read while it is being written.
//!
//! ## `watch`: a version number beside a read-write lock
//!
//! A watch channel (`sync/src/watch.rs`) holds one value behind a read-write lock and a
//! version counter in an atomic word (with a "closed" bit). A send takes the write lock,
//! replaces the value, bumps the version *while still holding the lock*, and wakes the waiters
//! of a [`Notify`](crate::sync::Notify). Each receiver remembers the last version it saw:
//! `has_changed` is a load and a compare, and `borrow_and_update` reads the version under the
//! read lock, so value and version always match. `changed` creates and *enables* its
//! `Notified` future before comparing versions — a send between the compare and the wait
//! would otherwise be missed. Receivers see the latest value, never a backlog.
//!
//! ```
//! use corium::sync::watch;
//!
//! corium::runtime::Runtime::new().unwrap().block_on(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let task = corium::spawn(async move {
//!         rx.wait_for(|state| *state == "ready").await.map(|s| *s)
//!     });
//!     tx.send("loading").unwrap();
//!     tx.send("ready").unwrap();
//!     assert_eq!(task.await.unwrap(), Ok("ready"));
//! });
//! ```
//!
//! ## `broadcast`, briefly
//!
//! A broadcast channel (`sync/src/broadcast.rs`) is a ring of slots, each stamped with the
//! position of the value it holds and the number of receivers yet to read it. A receiver keeps
//! its own position: a stamp equal to it is its value, a stamp one lap behind means "not sent
//! yet", anything else means the value was overwritten — the receiver gets
//! [`RecvError::Lagged(n)`](crate::sync::broadcast::error::RecvError::Lagged) and continues
//! with the oldest value still held. The last receiver to read a slot drops its value.
//!
//! ## Cancel safety and the coop budget
//!
//! Every waiting operation here can be dropped at any time without loss: a dropped `recv`
//! took nothing (messages are only moved out when returned), a dropped `send` or `reserve`
//! leaves the semaphore's queue and gives back what it was granted, a dropped `changed` just
//! unlinks its `Notified`. Each completed `recv`, `send` and `reserve` spends one unit of the
//! [coop budget](super::ch4_tasks), so a task whose channel is always ready still yields to the
//! other tasks on its thread — inside a corium runtime, the same budget sockets spend.
//!
//! | concept | corium item |
//! |---|---|
//! | claim an index, write a slot, set its bit | `ListTx::push`, `Block::write` (`sync/src/mpsc/`) |
//! | read in index order | `ListRx::pop`, `Block::read` |
//! | release and recycle a block | `ListTx::find_block`, `ListRx::recycle`, `ListTx::reclaim` |
//! | the receiver's waiting bit and waker slot | `Block::rx_wait`, `mpsc/atomic_waker.rs` |
//! | the closed bit in the claim counter, the close index | `ListTx::try_push`, `ListTx::close_rx`, `Semaphore::drained` |
//! | bounded capacity | [`mpsc::channel`](crate::sync::mpsc::channel), the batch semaphore |
//! | oneshot's state word | [`oneshot::channel`](crate::sync::oneshot::channel) |
//! | watch's version word | [`watch::Receiver::changed`](crate::sync::watch::Receiver::changed) |
