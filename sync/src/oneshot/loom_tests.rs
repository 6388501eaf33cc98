//! loom models of the oneshot state word: send against a waiting receiver, drop against
//! drop, close against a waiting `closed()`. A lost wake-up is a deadlock; a double free or a
//! read of freed memory is a loom failure.

use super::*;
use crate::loom_block_on::block_on;
use loom::thread;

#[test]
fn send_wakes_a_waiting_receiver() {
    loom::model(|| {
        let (tx, rx) = channel::<Box<u8>>();
        let t = thread::spawn(move || tx.send(Box::new(1)).unwrap());
        assert_eq!(block_on(rx), Ok(Box::new(1)));
        t.join().unwrap();
    });
}

#[test]
fn drop_wakes_a_waiting_receiver() {
    loom::model(|| {
        let (tx, rx) = channel::<Box<u8>>();
        let t = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx), Err(RecvError(())));
        t.join().unwrap();
    });
}

#[test]
fn send_races_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = channel::<Box<u8>>();
        let t = thread::spawn(move || {
            let _ = tx.send(Box::new(2));
        });
        drop(rx);
        t.join().unwrap();
    });
}

#[test]
fn close_wakes_a_waiting_closed() {
    loom::model(|| {
        let (mut tx, mut rx) = channel::<u8>();
        let t = thread::spawn(move || {
            block_on(tx.closed());
            assert_eq!(tx.send(1), Err(1));
        });
        rx.close();
        t.join().unwrap();
    });
}
