//! Behaviour: corium's nonblocking UDP sockets under a real `Poll` loop, on loopback.
//!
//! Every receive follows the readable event it needs and ends in `WouldBlock`, so a socket
//! that blocked, merged datagrams or lost the sender's address fails here.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use corium::sys::net::UdpSocket;
use corium::sys::{Interest, Token};

mod common;
use common::EventLog;

const A: Token = Token(0);
const B: Token = Token(1);

fn bind(ip: &str) -> UdpSocket {
    UdpSocket::bind(format!("{ip}:0").parse().unwrap()).unwrap()
}

#[track_caller]
fn assert_would_block<T: std::fmt::Debug>(res: io::Result<T>) {
    let err = res.expect_err("a drained socket must say WouldBlock, not return data");
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
}

fn send_to_recv_from(ip: &str) {
    let mut driver = EventLog::new();
    let a = bind(ip);
    let mut b = bind(ip);
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    assert_ne!(b_addr.port(), 0, "bind to port 0 must report the real port");
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();

    assert_eq!(a.send_to(b"one", b_addr).unwrap(), 3);
    assert_eq!(a.send_to(b"two!", b_addr).unwrap(), 4);
    driver.wait_for(B, "readable", |s| s.readable);

    let mut buf = [0u8; 16];
    let (n, from) = b.peek_from(&mut buf).unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"one"[..], a_addr),
        "peek sees the first datagram"
    );
    // Datagrams keep their boundaries: two sends, two receives.
    let mut got = Vec::new();
    while got.len() < 2 {
        match b.recv_from(&mut buf) {
            Ok((n, from)) => got.push((buf[..n].to_vec(), from)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                driver.wait_for(B, "readable", |s| s.readable);
            }
            Err(e) => panic!("recv_from failed: {e}"),
        }
    }
    assert_eq!(
        got,
        vec![(b"one".to_vec(), a_addr), (b"two!".to_vec(), a_addr)]
    );
    assert_would_block(b.recv_from(&mut buf));
}

#[test]
fn send_to_and_recv_from_on_ipv4_loopback() {
    send_to_recv_from("127.0.0.1");
}

#[test]
fn send_to_and_recv_from_on_ipv6_loopback() {
    if let Err(e) = std::net::UdpSocket::bind("[::1]:0") {
        eprintln!("skipped: this machine has no IPv6 loopback (binding [::1]:0 failed: {e})");
        return;
    }
    send_to_recv_from("[::1]");
}

#[test]
fn connected_send_recv_and_peek() {
    let mut driver = EventLog::new();
    let mut a = bind("127.0.0.1");
    let mut b = bind("127.0.0.1");
    let stranger = bind("127.0.0.1");
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    assert_eq!(
        a.peer_addr().unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
    a.connect(b_addr).unwrap();
    b.connect(a_addr).unwrap();
    assert_eq!(a.peer_addr().unwrap(), b_addr);
    driver
        .registry()
        .register(&mut a, A, Interest::READABLE)
        .unwrap();
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();

    // A connected socket only accepts datagrams from its peer.
    stranger.send_to(b"noise", b_addr).unwrap();
    assert_eq!(a.send(b"ping").unwrap(), 4);
    driver.wait_for(B, "readable", |s| s.readable);
    let mut buf = [0u8; 16];
    assert_eq!(b.peek(&mut buf).unwrap(), 4);
    assert_eq!(b.recv(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"ping");
    assert_would_block(b.recv(&mut buf));

    b.send(b"pong").unwrap();
    driver.wait_for(A, "readable", |s| s.readable);
    let n = a.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"pong");
    assert_would_block(a.recv(&mut buf));
    assert!(a.take_error().unwrap().is_none());
}

#[test]
fn short_buffer_truncates_one_datagram() {
    let mut driver = EventLog::new();
    let a = bind("127.0.0.1");
    let mut b = bind("127.0.0.1");
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    a.send_to(b"0123456789", b.local_addr().unwrap()).unwrap();
    driver.wait_for(B, "readable", |s| s.readable);
    let mut small = [0u8; 4];
    let (n, _) = b.recv_from(&mut small).unwrap();
    assert_eq!(&small[..n], b"0123");
    // The rest of that datagram is gone, not delivered as a second one.
    assert_would_block(b.recv_from(&mut small));
}

#[test]
fn socket_options_round_trip() {
    let socket = bind("127.0.0.1");
    socket.set_broadcast(true).unwrap();
    assert!(socket.broadcast().unwrap());
    socket.set_broadcast(false).unwrap();
    assert!(!socket.broadcast().unwrap());

    socket.set_ttl(33).unwrap();
    assert_eq!(socket.ttl().unwrap(), 33);
    socket.set_multicast_ttl_v4(5).unwrap();
    assert_eq!(socket.multicast_ttl_v4().unwrap(), 5);
    assert_eq!(
        socket.set_multicast_ttl_v4(1000).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    socket.set_multicast_loop_v4(false).unwrap();
    assert!(!socket.multicast_loop_v4().unwrap());
    socket.set_multicast_loop_v4(true).unwrap();
    assert!(socket.multicast_loop_v4().unwrap());

    // Joining a group on the loopback interface sends nothing off the machine.
    let group = Ipv4Addr::new(239, 255, 42, 99);
    socket
        .join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
        .unwrap();
    socket
        .leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
        .unwrap();
    // Leaving twice: the kernel says the membership is gone.
    assert!(socket
        .leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)
        .is_err());
    // A unicast address is not a group.
    let err = socket
        .join_multicast_v4(&Ipv4Addr::LOCALHOST, &Ipv4Addr::LOCALHOST)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
}

#[test]
fn ipv6_multicast_options() {
    let Ok(socket) = UdpSocket::bind("[::1]:0".parse::<SocketAddr>().unwrap()) else {
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    };
    socket.set_multicast_loop_v6(false).unwrap();
    assert!(!socket.multicast_loop_v6().unwrap());
    socket.set_multicast_loop_v6(true).unwrap();
    assert!(socket.multicast_loop_v6().unwrap());
    let group = "ff02::4242".parse().unwrap();
    // Interface index 1 is the loopback interface on Linux.
    match socket.join_multicast_v6(&group, 1) {
        Ok(()) => socket.leave_multicast_v6(&group, 1).unwrap(),
        Err(e) => eprintln!("IPv6 join on interface 1 refused here ({e}); options still checked"),
    }
}

#[test]
fn from_std_wraps_a_std_socket() {
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    std_socket.set_nonblocking(true).unwrap();
    let addr = std_socket.local_addr().unwrap();
    let socket = UdpSocket::from_std(std_socket);
    assert_eq!(socket.local_addr().unwrap(), addr);
    assert_would_block(socket.recv_from(&mut [0u8; 4]));
}
