//! Behaviour: a pending socket error (`ERROR`) wakes a task waiting to *read*, not only one
//! waiting to write, and the read side's clear after `WouldBlock` removes it (no spinning).
//!
//! The error comes from the kernel: a connected UDP socket sends to a loopback port nobody
//! listens on, and the ICMP "port unreachable" becomes the socket's pending error.

mod reactor_common;

use std::io::{self, ErrorKind};
use std::task::{Context, Poll};

use corium_reactor::{Config, Driver, Interest, PollEvented};
use corium_selector_sys::net::UdpSocket;
use reactor_common::{block_on, counting_waker, read_ready_now, turn_until};

/// A driver and, registered for `READABLE` only, a nonblocking UDP socket connected to a
/// loopback port that was free a moment ago.
fn refused_socket() -> (Driver, PollEvented<UdpSocket>) {
    let gone = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let sock = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    sock.connect(gone).unwrap();
    let driver = Driver::new(Config::default()).unwrap();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    (driver, io)
}

fn is_refused(e: &io::Error) -> bool {
    // Linux says "refused"; some BSDs report the ICMP error as a reset.
    matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
    )
}

#[test]
fn an_error_event_wakes_the_parked_reader() {
    let (mut driver, io) = refused_socket();
    let reg = io.registration();

    // The reader parks: nothing to read.
    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(reg.poll_read_ready(&mut cx).is_pending());

    // No datagram will ever arrive; only the error can wake it.
    io.get_ref().send(b"anyone?").unwrap();
    turn_until(&mut driver, || count.get() > 0);

    let seen = match reg.poll_read_ready(&mut cx) {
        Poll::Ready(event) => event.unwrap(),
        Poll::Pending => panic!("woken, but the read side is not ready"),
    };
    assert!(seen.ready().is_error(), "{:?}", seen.ready());
    let mut buf = [0u8; 16];
    let err = io.get_ref().recv(&mut buf).unwrap_err();
    assert!(is_refused(&err), "{err}");

    // The error was taken: the next receive would block, and clearing what was seen leaves
    // the read side not ready (a stale ERROR would make every poll spin).
    let again = io.get_ref().recv(&mut buf).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::WouldBlock);
    reg.clear_readiness(seen);
    assert!(read_ready_now(reg).is_none(), "ERROR survived the clear");
    assert!(reg.poll_read_ready(&mut cx).is_pending());
}

#[test]
fn a_readable_wait_ends_with_the_error() {
    let (mut driver, io) = refused_socket();
    io.get_ref().send(b"anyone?").unwrap();

    // `async_io` waits for READABLE (a `Readiness` future), runs the receive, and must end
    // with the error rather than wait for a datagram that never comes.
    let mut buf = [0u8; 16];
    let reg = io.registration();
    let err = block_on(
        &mut driver,
        reg.async_io(Interest::READABLE, || io.get_ref().recv(&mut buf)),
    )
    .unwrap_err();
    assert!(is_refused(&err), "{err}");
}
