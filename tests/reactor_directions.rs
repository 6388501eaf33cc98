//! Behaviour: read and write readiness have separate ticks, so an event of one direction never
//! makes the other direction's clear fail (the livelock a shared tick allows: a reader that
//! cannot clear keeps seeing a stale "readable" while writes flow).

mod reactor_common;

use std::io::{Read, Write};
use std::task::{Context, Poll, Waker};

use corium_reactor::{Config, Driver, Interest, PollEvented, ReadyEvent, Registration};
use reactor_common::{drain, fill, pair, read_ready_now, turn_until};

fn write_ready_now(reg: &Registration) -> Option<ReadyEvent> {
    let mut cx = Context::from_waker(Waker::noop());
    match reg.poll_write_ready(&mut cx) {
        Poll::Ready(ev) => Some(ev.unwrap()),
        Poll::Pending => None,
    }
}

#[test]
fn a_write_event_does_not_undo_a_read_clear() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (sock, mut peer) = pair();
    let both = Interest::READABLE | Interest::WRITABLE;
    let io = PollEvented::new_with_interest_and_handle(sock, both, handle.clone()).unwrap();
    let reg = io.registration();

    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || read_ready_now(reg).is_some());
    let read_seen = read_ready_now(reg).unwrap();
    assert_eq!(drain(io.get_ref()), 1);

    // Make a write-only event: fill our send buffer (clearing write readiness the way a
    // writer does), then let the peer read it all, which frees the space.
    let write_seen = write_ready_now(reg).expect("a fresh socket is writable");
    let sent = fill(io.get_ref());
    reg.clear_readiness(write_seen);
    assert!(write_ready_now(reg).is_none());
    let mut sink = vec![0u8; sent];
    peer.read_exact(&mut sink).unwrap();
    turn_until(&mut driver, || write_ready_now(reg).is_some());

    // The reader's clear (with the tick it saw before the write event) still works.
    reg.clear_readiness(read_seen);
    assert!(
        read_ready_now(reg).is_none(),
        "a write event defeated the read-side clear"
    );
    assert!(write_ready_now(reg).is_some());
}

#[test]
fn a_read_event_does_not_undo_a_write_clear() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let both = Interest::READABLE | Interest::WRITABLE;
    let io = PollEvented::new_with_interest_and_handle(sock, both, driver.handle()).unwrap();
    let reg = io.registration();

    turn_until(&mut driver, || write_ready_now(reg).is_some());
    let write_seen = write_ready_now(reg).unwrap();
    // With the send buffer full the socket is not writable, so the read event below reports
    // readable alone.
    fill(io.get_ref());
    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || read_ready_now(reg).is_some());

    reg.clear_readiness(write_seen);
    assert!(
        write_ready_now(reg).is_none(),
        "a read event defeated the write-side clear"
    );
    assert!(read_ready_now(reg).is_some());
}
