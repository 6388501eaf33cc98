//! loom models of the watch channel: a send racing a waiting `changed` (no lost wake-up), and
//! the last sender's drop racing it (`changed` ends).

use super::*;
use crate::loom_block_on::block_on;
use loom::thread;

#[test]
fn send_wakes_changed() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        drop(t.join().unwrap());
    });
}

#[test]
fn sender_drop_ends_changed() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        let t = thread::spawn(move || {
            tx.send_replace(1);
        });
        // Either the value is seen first, then the close; or both at once.
        match block_on(rx.changed()) {
            Ok(()) => assert_eq!(block_on(rx.changed()), Err(RecvError(()))),
            Err(_) => unreachable!("the value was sent before the close"),
        }
        t.join().unwrap();
    });
}
