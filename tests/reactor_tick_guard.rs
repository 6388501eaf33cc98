//! Behaviour: a clear carries the tick it observed, so readiness delivered between an
//! operation's `WouldBlock` and its `clear_readiness` survives the clear.

mod reactor_common;

use std::io::Write;

use corium_reactor::{Config, Driver, Interest, PollEvented};
use reactor_common::{drain, pair, read_ready_now, turn_until};

#[test]
fn event_between_would_block_and_clear_is_not_lost() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, handle.clone())
        .unwrap();
    let reg = io.registration();

    peer.write_all(b"one").unwrap();
    turn_until(&mut driver, || read_ready_now(reg).is_some());
    let seen = read_ready_now(reg).unwrap();
    assert!(seen.ready().is_readable());
    // The operation: read until WouldBlock...
    assert_eq!(drain(io.get_ref()), 3);

    // ...and before it gets to clear, the peer sends more and the driver delivers it.
    peer.write_all(b"two").unwrap();
    let events = handle.metrics().events;
    turn_until(&mut driver, || handle.metrics().events > events);

    // The clear uses the old observation: its tick is stale, so it must be ignored.
    reg.clear_readiness(seen);
    let again = read_ready_now(reg).expect("readiness delivered after WouldBlock was lost");
    assert_ne!(again, seen, "the second event must carry a new tick");
    assert_eq!(drain(io.get_ref()), 3);

    // With a current observation the clear takes effect.
    reg.clear_readiness(again);
    assert!(read_ready_now(reg).is_none());
}

#[test]
fn try_io_clears_only_on_would_block() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    let reg = io.registration();
    // Not ready: try_io refuses without running the closure.
    let err = reg
        .try_io(Interest::READABLE, || -> std::io::Result<()> {
            panic!("ran while not ready")
        })
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);

    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || read_ready_now(reg).is_some());
    // A successful operation leaves readiness set (the caller has not drained yet)...
    reg.try_io(Interest::READABLE, || Ok(())).unwrap();
    assert!(read_ready_now(reg).is_some());
    // ...a WouldBlock clears it.
    let e = reg
        .try_io(Interest::READABLE, || -> std::io::Result<()> {
            Err(std::io::ErrorKind::WouldBlock.into())
        })
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    assert!(read_ready_now(reg).is_none());
}
