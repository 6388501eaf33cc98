//! `TcpListener` (accept, poll_accept, options) and `TcpSocket` (options before bind/connect,
//! listen backlog, address-family errors, sockets made elsewhere), on both runtime flavours.

mod net_common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::SocketAddr;

use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpListener, TcpSocket, TcpStream};
use net_common::is_nonblocking;

/// An unconnected IPv4 TCP socket in blocking mode (the kernel's default), as a std type: what
/// a socket made with another library (socket2, ...) and converted looks like.
fn blocking_unconnected_v4() -> std::net::TcpStream {
    use std::os::fd::FromRawFd;
    // SAFETY: socket takes no pointers; its result is checked before use.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` was just opened by this function and nothing else owns it.
    let stream = unsafe { std::net::TcpStream::from_raw_fd(fd) };
    assert!(!is_nonblocking(&stream));
    stream
}

both_flavors! {
    async fn tcp_socket_from_a_blocking_std_socket_connects_and_listens_nonblocking() {
        let server = TcpSocket::from_std_stream(blocking_unconnected_v4());
        server.set_reuseaddr(true).unwrap();
        server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        let listener = server.listen(8).unwrap();
        assert!(is_nonblocking(&listener), "listen switched the socket to nonblocking");

        let client = TcpSocket::from_std_stream(blocking_unconnected_v4());
        let (connected, accepted) = net_common::join(client.connect(addr), listener.accept()).await;
        let mut stream = connected.unwrap();
        assert!(is_nonblocking(&stream), "connect switched the socket to nonblocking");
        let (mut peer, _) = accepted.unwrap();
        stream.write_all(b"made elsewhere").await.unwrap();
        let mut got = [0; 14];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"made elsewhere");
    }

    async fn accept_serves_many_clients_in_order() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = corium::spawn(async move {
            let mut locals = Vec::new();
            for i in 0u8..20 {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.write_all(&[i]).await.unwrap();
                locals.push((s.local_addr().unwrap(), s));
            }
            locals
        });
        let mut seen = Vec::new();
        for _ in 0..20 {
            let (mut s, peer) = listener.accept().await.unwrap();
            let mut b = [0; 1];
            s.read_exact(&mut b).await.unwrap();
            seen.push((peer, b[0]));
        }
        let locals = clients.await.unwrap();
        for (i, (peer, byte)) in seen.iter().enumerate() {
            assert_eq!(*byte as usize, i);
            assert_eq!(*peer, locals[i].0);
        }
    }

    async fn poll_accept_registers_the_waker() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Nothing queued yet: the poll must park the task and be woken by the connect below.
        let connector = corium::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let (server, peer) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
        let client = connector.await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(server.local_addr().unwrap(), addr);
    }

    async fn listener_options() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.set_ttl(17).unwrap();
        assert_eq!(listener.ttl().unwrap(), 17);
        assert!(listener.take_error().unwrap().is_none());
        let err = TcpListener::bind(listener.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    }

    async fn tcp_socket_configures_then_listens_and_connects() {
        let server = TcpSocket::new_v4().unwrap();
        server.set_reuseaddr(true).unwrap();
        assert!(server.reuseaddr().unwrap());
        server.set_recv_buffer_size(64 * 1024).unwrap();
        assert!(server.recv_buffer_size().unwrap() >= 64 * 1024);
        server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = server.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let listener = server.listen(8).unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);

        // A client bound to a chosen local port before connecting.
        let client = TcpSocket::new_v4().unwrap();
        client.set_send_buffer_size(32 * 1024).unwrap();
        assert!(client.send_buffer_size().unwrap() >= 32 * 1024);
        client.set_nodelay(true).unwrap();
        client.set_keepalive(true).unwrap();
        assert!(client.keepalive().unwrap());
        client.set_linger(Some(std::time::Duration::from_secs(1))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(std::time::Duration::from_secs(1)));
        client.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let client_addr = client.local_addr().unwrap();
        let stream = client.connect(addr).await.unwrap();
        assert_eq!(stream.local_addr().unwrap(), client_addr);
        assert!(stream.nodelay().unwrap(), "options set on the socket carry over");

        let (_server_side, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client_addr);
    }

    async fn tcp_socket_reuseport_lets_two_listeners_share_a_port() {
        let a = TcpSocket::new_v4().unwrap();
        a.set_reuseport(true).unwrap();
        assert!(a.reuseport().unwrap());
        a.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = a.local_addr().unwrap();
        let b = TcpSocket::new_v4().unwrap();
        b.set_reuseport(true).unwrap();
        b.bind(addr).unwrap();
        let la = a.listen(16).unwrap();
        let lb = b.listen(16).unwrap();
        assert_eq!(la.local_addr().unwrap(), lb.local_addr().unwrap());

        // Without the option, the same bind fails.
        let c = TcpSocket::new_v4().unwrap();
        assert_eq!(c.bind(addr).unwrap_err().kind(), ErrorKind::AddrInUse);
    }

    async fn tcp_socket_errors_are_explained() {
        let v4 = TcpSocket::new_v4().unwrap();
        let err = v4.bind("[::1]:0".parse().unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("new_v6"), "{err}");

        let closed: SocketAddr = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpSocket::new_v4().unwrap().connect(closed).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");

        let err = TcpSocket::new_v4().unwrap().set_send_buffer_size(u32::MAX).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}
