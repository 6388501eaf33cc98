//! `UdpSocket` on both runtime flavours: unconnected and connected round trips, the `try_*`
//! and `poll_*` calls, peeking (bytes, sender, or both), a refused peer, options, and
//! multicast delivery on loopback.

mod net_common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use corium::time::timeout;

use corium_net::io::ReadBuf;
use corium_net::{Interest, UdpSocket};
use net_common::{ipv6_loopback, join, poll_once};

/// A link-local group (224.0.0.0/24: never forwarded by routers) of its own for each test
/// run in this process: tests of both flavours run at once, and membership is per interface.
fn unique_group_v4() -> Ipv4Addr {
    use std::sync::atomic::{AtomicU8, Ordering};
    // 224.0.0.160 and up: unassigned by IANA, so no real protocol on the host listens there.
    static NEXT: AtomicU8 = AtomicU8::new(160);
    Ipv4Addr::new(224, 0, 0, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Makes `socket` receive only the groups it joined itself. By default (`IP_MULTICAST_ALL`)
/// Linux hands a wildcard-bound socket every group *any* socket joined on the interface, so
/// another process in the same group (a second test run, say) would keep datagrams coming
/// after this socket left it.
#[cfg(target_os = "linux")]
fn own_groups_only(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    let off: libc::c_int = 0;
    // SAFETY: a valid fd owned by `socket`, which outlives the call; the option value is a
    // c_int read by the kernel, passed with its exact size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_ALL,
            (&off as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "IP_MULTICAST_ALL: {}",
        std::io::Error::last_os_error()
    );
}

#[cfg(not(target_os = "linux"))]
fn own_groups_only(_: &UdpSocket) {}

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

        let group = unique_group_v4();
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

    async fn multicast_datagrams_arrive_only_while_joined() {
        // A group of this test's own (see `unique_group_v4`), and a receiver that hears only
        // the groups it joined itself (see `own_groups_only`): nothing else on the host,
        // another run of this test included, can keep the group alive after the leave. Both ends
        // use the loopback interface: the receiver joins on 127.0.0.1, and a sender bound to
        // 127.0.0.1 sends its multicast out of `lo` (Linux picks the interface owning the
        // bound source address when no IP_MULTICAST_IF is set, and neither tokio nor corium
        // has a setter for it).
        //
        // The receiver binds the wildcard address because a socket bound to 127.0.0.1 only
        // accepts datagrams addressed to 127.0.0.1, never to the group; it still only talks
        // to loopback, since membership is on `lo` alone.
        //
        // The IPv6 twin is `net_udp_multicast_v6.rs`: Linux's `lo` cannot carry IPv6
        // multicast, so it runs over a veth pair in a private network namespace.
        let group = unique_group_v4();
        let receiver = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).await.unwrap();
        own_groups_only(&receiver);
        let port = receiver.local_addr().unwrap().port();
        receiver.join_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        let (sender, sender_addr) = bound().await;
        sender.set_multicast_loop_v4(true).unwrap();
        let to_group = SocketAddr::from((group, port));
        let to_receiver = SocketAddr::from((Ipv4Addr::LOCALHOST, port));

        let mut buf = [0; 32];
        assert_eq!(sender.send_to(b"to the group", to_group).await.unwrap(), 12);
        let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"to the group"[..], sender_addr));

        receiver.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        // Loopback delivers in send order, so had the group datagram been delivered it would
        // come before the marker: getting the marker first proves it was dropped.
        sender.send_to(b"after leaving", to_group).await.unwrap();
        sender.send_to(b"marker", to_receiver).await.unwrap();
        let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"marker"[..], sender_addr), "group datagram after leave");
        assert_eq!(receiver.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

        // Joining again restores delivery, so the drop above was the leave's doing.
        receiver.join_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap();
        sender.send_to(b"back in", to_group).await.unwrap();
        let (n, _) = receiver.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back in");
    }

    async fn peek_sender_leaves_the_datagram_whole() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        let (c, c_addr) = bound().await;
        assert_eq!(b.try_peek_sender().unwrap_err().kind(), ErrorKind::WouldBlock);

        // A waiting peek_sender is woken by the datagram (join polls it first, so it parks).
        let (peeked, sent) = join(b.peek_sender(), a.send_to(&[7; 1000], b_addr)).await;
        assert_eq!((peeked.unwrap(), sent.unwrap()), (a_addr, 1000));
        // Peeking again, in every form, sees the same datagram: nothing was consumed. (The
        // non-waiting forms go first, so a consumed datagram fails here rather than hangs.)
        assert_eq!(b.try_peek_sender().unwrap(), a_addr);
        let polled = poll_once(poll_fn(|cx| b.poll_peek_sender(cx))).await;
        assert_eq!(polled.expect("still queued").unwrap(), a_addr);
        assert_eq!(b.peek_sender().await.unwrap(), a_addr);

        // The zero-length peek neither truncated nor dropped the payload.
        c.send_to(b"", b_addr).await.unwrap();
        let mut buf = [0; 2000];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((n, from), (1000, a_addr));
        assert!(buf[..n].iter().all(|&x| x == 7));
        // An empty datagram has a sender too.
        assert_eq!(b.peek_sender().await.unwrap(), c_addr);
        assert_eq!(b.recv_from(&mut buf).await.unwrap(), (0, c_addr));
        assert_eq!(b.try_peek_sender().unwrap_err().kind(), ErrorKind::WouldBlock);
    }

    async fn poll_peek_from_fills_the_buffer_and_keeps_the_datagram() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        // Nothing queued: Pending, and the buffer is untouched.
        assert!(poll_once(poll_fn(|cx| b.poll_peek_from(cx, &mut rb))).await.is_none());
        assert!(rb.filled().is_empty());

        a.send_to(b"look", b_addr).await.unwrap();
        let from = poll_fn(|cx| b.poll_peek_from(cx, &mut rb)).await.unwrap();
        assert_eq!((rb.filled(), from), (&b"look"[..], a_addr));
        // Still queued, so the next poll is ready at once; peeks append after what is
        // already filled, like a receive.
        let from = poll_once(poll_fn(|cx| b.poll_peek_from(cx, &mut rb))).await;
        let from = from.expect("the datagram is still queued").unwrap();
        assert_eq!((rb.filled(), from), (&b"looklook"[..], a_addr));
        let (n, from) = b.try_recv_from(&mut storage).unwrap();
        assert_eq!((&storage[..n], from), (&b"look"[..], a_addr));
    }

    async fn connected_peek_try_peek_and_poll_peek() {
        let (a, a_addr) = bound().await;
        let (b, b_addr) = bound().await;
        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        let mut buf = [0; 16];
        assert_eq!(b.try_peek(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.send(b"same").await.unwrap();
        assert_eq!(b.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"same");
        let mut small = [0; 2];
        assert_eq!(b.try_peek(&mut small).unwrap(), 2, "a short buffer truncates the copy");
        assert_eq!(&small, b"sa");
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"same");
        // Still queued, so a non-waiting receive gets it (and fails fast if a peek took it).
        let n = b.try_recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"same");
        assert_eq!(b.try_peek(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }

    async fn poll_recv_ready_waits_for_a_datagram() {
        let (a, _) = bound().await;
        let (b, b_addr) = bound().await;
        assert!(poll_once(poll_fn(|cx| b.poll_recv_ready(cx))).await.is_none());
        let (ready, sent) = join(poll_fn(|cx| b.poll_recv_ready(cx)), a.send_to(b"r", b_addr)).await;
        ready.unwrap();
        sent.unwrap();
        let mut buf = [0; 4];
        assert_eq!(b.try_recv_from(&mut buf).unwrap().0, 1);
        // Drained: the readiness is cleared by the next WouldBlock, and polling pends again.
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(poll_once(poll_fn(|cx| b.poll_recv_ready(cx))).await.is_none());
    }
}
