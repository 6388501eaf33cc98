//! loom models of the mpsc queue (blocks of 2 slots here, so a few messages link, release and
//! recycle blocks) and of the receiver's waker slot. A lost wake-up is a deadlock; a message
//! lost, duplicated or reordered fails an assertion; a freed block still in use is a loom
//! failure.
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p corium-sync --release --lib loom
//! ```

use super::*;
use crate::loom_block_on::block_on;
use loom::thread;

#[test]
fn two_senders_and_the_close_cross_a_block() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(0).unwrap());
        let b = thread::spawn(move || tx2.send(1).unwrap());
        let mut got = [false; 2];
        while let Some(i) = block_on(rx.recv()) {
            assert!(!got[i as usize], "{i} received twice");
            got[i as usize] = true;
        }
        assert_eq!(got, [true, true]);
        a.join().unwrap();
        b.join().unwrap();
    });
}

#[test]
fn recycled_blocks_are_reused_safely() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<u8>();
        let t = thread::spawn(move || {
            for i in 0..5 {
                tx.send(i).unwrap();
            }
        });
        for i in 0..5 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        assert_eq!(block_on(rx.recv()), None);
        t.join().unwrap();
    });
}

#[test]
fn bounded_sender_waits_for_the_receiver() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let t = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        t.join().unwrap();
    });
}

#[test]
fn receiver_drop_races_send() {
    loom::model(|| {
        let (tx, rx) = unbounded_channel::<Box<u8>>();
        let t = thread::spawn(move || {
            let _ = tx.send(Box::new(1));
            let _ = tx.send(Box::new(2));
        });
        drop(rx);
        t.join().unwrap();
    });
}

#[test]
fn a_close_racing_sends_ends_after_exactly_the_accepted_ones() {
    // The receiver's close is a bit in the claim counter: sends that claimed before it are
    // written (maybe after the close) and must be received; those after it are refused.
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel::<usize>();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(0).is_ok());
        let b = thread::spawn(move || [tx2.send(1).is_ok(), tx2.send(2).is_ok()]);
        rx.close();
        let mut got = [false; 3];
        while let Some(i) = block_on(rx.recv()) {
            assert!(!got[i], "{i} received twice");
            got[i] = true;
        }
        let [b1, b2] = b.join().unwrap();
        assert_eq!(got, [a.join().unwrap(), b1, b2]);
    });
}
