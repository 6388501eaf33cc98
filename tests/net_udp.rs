//! `UdpSocket` on both runtime flavours: unconnected and connected round trips, the `try_*`
//! and `poll_*` calls, peeking, a refused peer, and options.

mod net_common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use corium::time::timeout;

use corium_net::io::ReadBuf;
use corium_net::{Interest, UdpSocket};
use net_common::{ipv6_loopback, join};

async fn bound() -> (UdpSocket, SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let a = s.local_addr().unwrap();
    (s, a)
}

both_flavors! {
    async fn send_to_and_recv_from_round_trip() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        assert_eq!(a.send_to(b"ping", b_addr).await.unwrap(), 4);
        let mut buf = [0; 64];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));

        // The target may be any address form; a string parses without a thread.
        b.send_to(b"pong", format!("127.0.0.1:{}", a_addr.port())).await.unwrap();
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"pong"[..], b_addr));

        // Datagram boundaries hold, in order.
        for i in 0u8..10 {
            a.send_to(&[i; 3], b_addr).await.unwrap();
        }
        for i in 0u8..10 {
            let (n, _) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], &[i; 3]);
        }
        let err = a.send_to(b"x", &[][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }

    async fn connected_send_and_recv() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b_addr);
        a.send(b"hello").await.unwrap();
        let mut buf = [0; 16];
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");

        // A datagram from a third socket is filtered out by the connected socket.
        let (c, _) = bound().await;
        c.send_to(b"stranger", a_addr).await.unwrap();
        b.send(b"friend").await.unwrap();
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"friend");
    }

    async fn try_recv_would_block_until_a_datagram_arrives() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        let mut buf = [0; 16];
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert_eq!(b.try_peek_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"now", b_addr).unwrap(), 3);
        let (n, from) = loop {
            b.readable().await.unwrap();
            match b.try_recv_from(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!((&buf[..n], from), (&b"now"[..], a_addr));
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.try_send(b"conn").unwrap();
        b.readable().await.unwrap();
        let n = b.try_recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"conn");
    }

    async fn peek_from_leaves_the_datagram_queued() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        a.send_to(b"twice", b_addr).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"twice"[..], a_addr));
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"twice"[..], a_addr));
    }

    async fn poll_send_and_poll_recv() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        assert_eq!(poll_fn(|cx| a.poll_send(cx, b"polled")).await.unwrap(), 6);
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"polled");

        assert_eq!(poll_fn(|cx| b.poll_send_to(cx, b"back", a_addr)).await.unwrap(), 4);
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| a.poll_recv_from(cx, &mut rb)).await.unwrap();
        assert_eq!((rb.filled(), from), (&b"back"[..], b_addr));
        assert!(poll_fn(|cx| a.poll_send_ready(cx)).await.is_ok());
    }

    async fn a_refused_peer_shows_as_an_error_event() {
        // Nothing listens on `gone`: the ICMP "port unreachable" for the first datagram sets
        // the connected socket's pending error, which the selector reports as an ERROR event.
        // Any waiter hears of it; here a writable wait, then `take_error` collects it.
        let gone = {
            let (s, addr) = bound().await;
            drop(s);
            addr
        };
        let (a, _) = bound().await;
        a.connect(gone).await.unwrap();
        a.send(b"anyone?").await.unwrap();
        loop {
            let ready = a.ready(Interest::WRITABLE).await.unwrap();
            if ready.is_error() {
                break;
            }
            // Only "writable" so far: forget that observation so the next wait sleeps until
            // the next write-side event, which the ICMP error is.
            let _ = a.try_io(Interest::WRITABLE, || Err::<(), _>(ErrorKind::WouldBlock.into()));
        }
        let err = a.take_error().unwrap().expect("a pending socket error");
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        assert!(a.take_error().unwrap().is_none(), "take_error clears it");
    }

    async fn a_parked_recv_is_woken_by_a_refused_peer() {
        // A `recv` already waiting when the ICMP "port unreachable" arrives must return the
        // error, not sleep until a datagram that will never come.
        let gone = {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap()
        };
        let (a, _) = bound().await;
        a.connect(gone).await.unwrap();
        let mut buf = [0; 16];
        // `join` polls the receive first, so it is parked before the datagram leaves.
        let (received, sent) = timeout(
            Duration::from_secs(10),
            join(a.recv(&mut buf), a.send(b"anyone?")),
        )
        .await
        .expect("the parked recv was never woken by the socket error");
        assert_eq!(sent.unwrap(), 7);
        let err = received.expect_err("nothing can have been received");
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        // The error was consumed by the receive.
        assert!(a.take_error().unwrap().is_none());
    }

    async fn ipv6_round_trip_when_available() {
        if !ipv6_loopback() {
            eprintln!("skipping: no IPv6 loopback");
            return;
        }
        let a = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).await.unwrap();
        let b = UdpSocket::bind("[::1]:0").await.unwrap();
        a.send_to(b"six", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0; 8];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"six"[..], a.local_addr().unwrap()));
    }

    async fn options_and_multicast_membership() {
        let (a, _) = bound().await;
        a.set_broadcast(true).unwrap();
        assert!(a.broadcast().unwrap());
        a.set_ttl(9).unwrap();
        assert_eq!(a.ttl().unwrap(), 9);
        a.set_multicast_ttl_v4(3).unwrap();
        assert_eq!(a.multicast_ttl_v4().unwrap(), 3);
        a.set_multicast_loop_v4(false).unwrap();
        assert!(!a.multicast_loop_v4().unwrap());

        let group = Ipv4Addr::new(224, 0, 0, 123);
        a.join_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        a.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        assert!(a.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).is_err(), "left twice");
        let err = a.join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");

        if ipv6_loopback() {
            let s6 = UdpSocket::bind("[::1]:0").await.unwrap();
            let group6: Ipv6Addr = "ff02::123".parse().unwrap();
            s6.join_multicast_v6(&group6, 0).unwrap();
            s6.leave_multicast_v6(&group6, 0).unwrap();
            s6.set_multicast_loop_v6(true).unwrap();
            assert!(s6.multicast_loop_v6().unwrap());
        }
        assert!(a.take_error().unwrap().is_none());
    }

    async fn std_conversions() {
        let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = std_sock.local_addr().unwrap();
        let sock = UdpSocket::try_from(std_sock).unwrap();
        let (peer, peer_addr) = bound().await;
        peer.send_to(b"to std", addr).await.unwrap();
        let mut buf = [0; 8];
        let (n, _) = sock.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to std");
        let back = sock.into_std().unwrap();
        back.set_nonblocking(false).unwrap();
        back.send_to(b"from std", peer_addr).unwrap();
        let (n, from) = peer.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"from std"[..], addr));
    }
}
