//! The socket options added for tokio parity: `set_zero_linger` (a real reset reaches the
//! peer), `TCP_QUICKACK`, the IPv4 TOS byte (read back, and seen on a received datagram), the
//! IPv6 traffic class, and `SO_BINDTODEVICE` with its input checks. Binding to a device needs
//! `CAP_NET_RAW`; the tests run as root. Quick ACK and device binding exist on Linux only.

#![cfg(any(target_os = "linux", target_os = "android"))]

mod net_common;

use std::io::ErrorKind;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use corium_net::io::AsyncReadExt;
use corium_net::{Interest, TcpListener, TcpSocket, UdpSocket};
use net_common::{ipv6_loopback, join, tcp_pair};

/// An interface name that no host has: `ENODEV`.
const NO_SUCH_INTERFACE: &[u8] = b"corium-nodev0";

/// Asserts that `err` is the clear `InvalidInput` for an interface name over the kernel's
/// limit, naming the limit.
#[track_caller]
fn assert_name_too_long(err: std::io::Error) {
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("at most 15 bytes") && msg.contains("IFNAMSIZ"),
        "{msg}"
    );
}

/// Runs the `SO_BINDTODEVICE` checks shared by TCP and UDP sockets through the two methods
/// under test.
fn check_bind_device(
    bind_device: impl Fn(Option<&[u8]>) -> std::io::Result<()>,
    device: impl Fn() -> std::io::Result<Option<Vec<u8>>>,
) {
    assert_eq!(
        device().unwrap(),
        None,
        "a fresh socket is bound to no device"
    );
    bind_device(Some(b"lo")).unwrap();
    assert_eq!(device().unwrap(), Some(b"lo".to_vec()));
    bind_device(None).unwrap();
    assert_eq!(device().unwrap(), None, "None must clear the binding");
    bind_device(Some(b"lo")).unwrap();
    bind_device(Some(b"")).unwrap();
    assert_eq!(
        device().unwrap(),
        None,
        "an empty name must clear the binding"
    );

    let err = bind_device(Some(NO_SUCH_INTERFACE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.raw_os_error(), None, "replaced by a message: {err}");
    assert!(err.to_string().contains("corium-nodev0"), "{err}");

    // 16 bytes is IFNAMSIZ itself: the kernel would keep 15 of them and bind to whatever
    // interface that prefix names.
    bind_device(Some(b"lo")).unwrap();
    assert_name_too_long(bind_device(Some(b"0123456789abcdef")).unwrap_err());
    assert_name_too_long(bind_device(Some(&[b'x'; 40])).unwrap_err());
    assert_eq!(
        device().unwrap(),
        Some(b"lo".to_vec()),
        "a refused name must leave the binding alone"
    );
    let err = bind_device(Some(b"lo\0junk")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn tcp_socket_tos_round_trips_and_refuses_more_than_a_byte() {
    let socket = TcpSocket::new_v4().unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 0);
    socket.set_tos_v4(0x10).unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 0x10);
    #[allow(deprecated)]
    {
        socket.set_tos(0x20).unwrap();
        assert_eq!(socket.tos().unwrap(), 0x20);
    }
    let err = socket.set_tos_v4(0x110).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(
        socket.tos_v4().unwrap(),
        0x20,
        "a refused value must not be applied"
    );
}

#[test]
fn tcp_socket_tclass_round_trips() {
    if !ipv6_loopback() {
        eprintln!("SKIPPED tcp_socket_tclass_round_trips: this host has no usable IPv6");
        return;
    }
    let socket = TcpSocket::new_v6().unwrap();
    assert_eq!(socket.tclass_v6().unwrap(), 0);
    socket.set_tclass_v6(0x28).unwrap();
    assert_eq!(socket.tclass_v6().unwrap(), 0x28);
    let err = socket.set_tclass_v6(u32::MAX).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(socket.tclass_v6().unwrap(), 0x28);
}

#[test]
fn tcp_socket_bind_device() {
    let socket = TcpSocket::new_v4().unwrap();
    check_bind_device(|name| socket.bind_device(name), || socket.device());
}

/// Reads one datagram from `fd` with `recvmsg`, returning its payload length and the TOS
/// byte the kernel reports in its `IP_TOS` control message (`IP_RECVTOS` must be on).
fn recv_with_tos(fd: RawFd, buf: &mut [u8]) -> std::io::Result<(usize, Option<u8>)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // u64s keep the control buffer aligned for `cmsghdr`.
    let mut control = [0u64; 16];
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: `msg` points at one live iovec over `buf` and at `control`, both of the
    // lengths given, and they outlive the call; the fd is an open socket.
    let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut tos = None;
    // SAFETY: `msg` was filled by a successful recvmsg, so its control fields describe
    // `control`.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !cmsg.is_null() {
        // SAFETY: CMSG_FIRSTHDR/CMSG_NXTHDR return either null or a header inside `control`.
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::IPPROTO_IP && header.cmsg_type == libc::IP_TOS {
            // SAFETY: an IP_TOS control message carries one byte of data.
            tos = Some(unsafe { *libc::CMSG_DATA(cmsg) });
        }
        // SAFETY: `cmsg` is a header inside `msg`'s control buffer.
        cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
    }
    Ok((n as usize, tos))
}

/// Sets an `int` socket option directly, for the receiving side of a test.
fn set_int_opt(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    // SAFETY: `value` is a live int of the length given; the fd is an open socket.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt: {}", std::io::Error::last_os_error());
}

both_flavors! {
    async fn stream_zero_linger_resets_the_peer() {
        let (client, mut server) = tcp_pair().await;
        assert_eq!(client.linger().unwrap(), None);
        client.set_zero_linger().unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        drop(client);
        let mut buf = [0; 16];
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");

        // Control: the same drop without the option is a clean end of stream.
        let (client, mut server) = tcp_pair().await;
        drop(client);
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
    }

    async fn socket_zero_linger_carries_over_to_the_stream() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_zero_linger().unwrap();
        assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
        let (client, accepted) =
            join(socket.connect(listener.local_addr().unwrap()), listener.accept()).await;
        let (client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        drop(client);
        let mut buf = [0; 16];
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    }

    async fn quickack_round_trips() {
        let (client, _server) = tcp_pair().await;
        // Linux starts a connection in quick-ACK mode, so turn it off first: a setter that
        // did nothing could not pass both reads.
        client.set_quickack(false).unwrap();
        assert!(!client.quickack().unwrap());
        client.set_quickack(true).unwrap();
        assert!(client.quickack().unwrap());
        client.set_quickack(false).unwrap();
        assert!(!client.quickack().unwrap());
    }

    async fn udp_tos_round_trips_and_marks_sent_datagrams() {
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let rx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(tx.tos_v4().unwrap(), 0);
        tx.set_tos_v4(0x10).unwrap();
        assert_eq!(tx.tos_v4().unwrap(), 0x10);
        #[allow(deprecated)]
        {
            tx.set_tos(0xb8).unwrap();
            assert_eq!(tx.tos().unwrap(), 0xb8);
        }
        let err = tx.set_tos_v4(256).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(tx.tos_v4().unwrap(), 0xb8);

        // The byte is really in the IP header: the receiver asks for it with IP_RECVTOS.
        set_int_opt(rx.as_raw_fd(), libc::IPPROTO_IP, libc::IP_RECVTOS, 1);
        tx.send_to(b"marked", rx.local_addr().unwrap()).await.unwrap();
        let mut buf = [0; 16];
        let fd = rx.as_raw_fd();
        let (n, tos) = rx
            .async_io(Interest::READABLE, || recv_with_tos(fd, &mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"marked");
        assert_eq!(tos, Some(0xb8));
    }

    async fn udp_tclass_round_trips() {
        if !ipv6_loopback() {
            eprintln!("SKIPPED udp_tclass_round_trips: this host has no usable ::1");
            return;
        }
        let socket = UdpSocket::bind("[::1]:0").await.unwrap();
        assert_eq!(socket.tclass_v6().unwrap(), 0);
        socket.set_tclass_v6(0x2e).unwrap();
        assert_eq!(socket.tclass_v6().unwrap(), 0x2e);
        let err = socket.set_tclass_v6(0x100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(socket.tclass_v6().unwrap(), 0x2e);
    }

    async fn udp_bind_device() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        check_bind_device(|name| socket.bind_device(name), || socket.device());

        // Bound to `lo`, the socket still exchanges datagrams over loopback.
        socket.bind_device(Some(b"lo")).unwrap();
        let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.send_to(b"via lo", peer.local_addr().unwrap()).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = peer.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"via lo"[..], socket.local_addr().unwrap()));
    }
}
