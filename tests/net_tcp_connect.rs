//! `TcpStream::connect`, `TcpListener::bind` and `lookup_host` with every address form, and
//! the ways a connect fails — on both runtime flavours.

mod net_common;

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use corium::runtime::Handle;
use corium_net::{lookup_host, TcpListener, TcpStream};
use net_common::ipv6_loopback;

/// Connects to `listener` with `connect` and checks that the listener accepts exactly that
/// connection.
async fn connect_and_accept<F>(listener: &TcpListener, what: &str, connect: F)
where
    F: std::future::Future<Output = std::io::Result<TcpStream>>,
{
    let client = connect
        .await
        .unwrap_or_else(|e| panic!("connect with {what}: {e}"));
    let (server, peer) = listener.accept().await.expect("accept");
    assert_eq!(peer, client.local_addr().unwrap(), "{what}");
    assert_eq!(server.peer_addr().unwrap(), peer, "{what}");
    assert_eq!(
        client.peer_addr().unwrap(),
        listener.local_addr().unwrap(),
        "{what}"
    );
}

both_flavors! {
    async fn every_numeric_address_form_connects_without_the_blocking_pool() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        let text = format!("127.0.0.1:{port}");

        connect_and_accept(&listener, "SocketAddr", TcpStream::connect(addr)).await;
        connect_and_accept(&listener, "&str", TcpStream::connect(text.as_str())).await;
        connect_and_accept(&listener, "String", TcpStream::connect(text.clone())).await;
        connect_and_accept(&listener, "&String", TcpStream::connect(&text)).await;
        connect_and_accept(
            &listener,
            "(IpAddr, u16)",
            TcpStream::connect((IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        )
        .await;
        connect_and_accept(
            &listener,
            "(Ipv4Addr, u16)",
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)),
        )
        .await;
        connect_and_accept(&listener, "(&str, u16)", TcpStream::connect(("127.0.0.1", port)))
            .await;
        connect_and_accept(
            &listener,
            "(String, u16)",
            TcpStream::connect(("127.0.0.1".to_owned(), port)),
        )
        .await;
        connect_and_accept(&listener, "&[SocketAddr]", TcpStream::connect(&[addr][..])).await;

        // None of those needed getaddrinfo, so no blocking thread was ever started.
        assert_eq!(Handle::current().metrics().num_blocking_threads(), 0);
    }

    async fn a_name_is_resolved_on_the_blocking_pool() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(Handle::current().metrics().num_blocking_threads(), 0);

        // "localhost" may resolve to ::1 first, which refuses: connect then tries the next
        // address, which is the listener.
        connect_and_accept(&listener, "(\"localhost\", port)", TcpStream::connect(("localhost", port)))
            .await;
        assert!(
            Handle::current().metrics().num_blocking_threads() >= 1,
            "a name lookup must run on the blocking pool"
        );
        let text = format!("localhost:{port}");
        connect_and_accept(&listener, "\"localhost:port\"", TcpStream::connect(text)).await;
    }

    async fn ipv6_loopback_connects_when_available() {
        if !ipv6_loopback() {
            eprintln!("skipping the [::1] case: this host has no IPv6 loopback");
            return;
        }
        let listener = TcpListener::bind("[::1]:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.is_ipv6());
        connect_and_accept(&listener, "[::1] SocketAddr", TcpStream::connect(addr)).await;
        connect_and_accept(
            &listener,
            "\"[::1]:port\"",
            TcpStream::connect(format!("[::1]:{}", addr.port())),
        )
        .await;
        connect_and_accept(
            &listener,
            "(Ipv6Addr, u16)",
            TcpStream::connect((Ipv6Addr::LOCALHOST, addr.port())),
        )
        .await;
    }

    async fn a_closed_port_refuses() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    }

    async fn connect_tries_each_address_and_keeps_the_last_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = listener.local_addr().unwrap();
        let closed: SocketAddr = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        // A refused address first, the listener second: the second wins.
        connect_and_accept(&listener, "[closed, good]", TcpStream::connect(&[closed, good][..]))
            .await;
        // Only refused addresses: the error is the last one's.
        let err = TcpStream::connect(&[closed, closed][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    }

    async fn connect_keeps_the_last_of_two_different_errors() {
        // Two addresses that fail with *different* errors, so the test sees which one wins.
        // A closed loopback port refuses (ConnectionRefused). A TCP connect to a multicast
        // address is refused by the kernel itself inside connect(2), before any packet
        // leaves: Linux answers ENETUNREACH (tcp_v4_connect rejects multicast/broadcast
        // routes), the BSDs EAFNOSUPPORT. 255.255.255.255 was the other candidate, but its
        // EACCES is the UDP answer (a TCP connect gets ENETUNREACH on Linux too, checked on
        // the build host), and how other systems treat a TCP connect to it varies.
        let closed: SocketAddr = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let multicast: SocketAddr = "224.0.0.1:1".parse().unwrap();

        let alone = TcpStream::connect(multicast).await.unwrap_err();
        assert_ne!(alone.kind(), ErrorKind::ConnectionRefused, "{alone}");
        #[cfg(target_os = "linux")]
        assert_eq!(alone.kind(), ErrorKind::NetworkUnreachable, "{alone}");
        let refused = TcpStream::connect(closed).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");

        // Whichever comes last decides the error.
        let err = TcpStream::connect(&[multicast, closed][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "[multicast, closed]: {err}");
        let err = TcpStream::connect(&[closed, multicast][..]).await.unwrap_err();
        assert_eq!(err.kind(), alone.kind(), "[closed, multicast]: {err}");
        assert_eq!(err.raw_os_error(), alone.raw_os_error(), "[closed, multicast]: {err}");
    }

    async fn socket_addr_v4_and_v6_forms_connect() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let SocketAddr::V4(v4) = listener.local_addr().unwrap() else {
            panic!("bound 127.0.0.1, got an IPv6 address");
        };
        connect_and_accept(&listener, "SocketAddrV4", TcpStream::connect(v4)).await;
        connect_and_accept(&listener, "&SocketAddrV4", TcpStream::connect(&v4)).await;

        if ipv6_loopback() {
            let listener6 = TcpListener::bind("[::1]:0").await.unwrap();
            let SocketAddr::V6(v6) = listener6.local_addr().unwrap() else {
                panic!("bound [::1], got an IPv4 address");
            };
            connect_and_accept(&listener6, "SocketAddrV6", TcpStream::connect(v6)).await;
            connect_and_accept(
                &listener6,
                "(IpAddr::V6, u16)",
                TcpStream::connect((IpAddr::V6(Ipv6Addr::LOCALHOST), v6.port())),
            )
            .await;
        } else {
            eprintln!("skipping the SocketAddrV6 case: this host has no IPv6 loopback");
        }
        assert_eq!(Handle::current().metrics().num_blocking_threads(), 0);
    }

    async fn no_address_and_malformed_input_are_invalid_input() {
        let err = TcpStream::connect(&[][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("could not resolve to any address"), "{err}");

        for bad in ["127.0.0.1", "localhost", "127.0.0.1:99999", ":80"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        }
        // Malformed input never needed a thread.
        assert_eq!(Handle::current().metrics().num_blocking_threads(), 0);
    }

    async fn bind_tries_each_address_and_keeps_the_last_error() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let taken_addr = taken.local_addr().unwrap();
        let fresh: SocketAddr = "127.0.0.1:0".parse().unwrap();

        let listener = TcpListener::bind(&[taken_addr, fresh][..]).await.unwrap();
        assert_ne!(listener.local_addr().unwrap(), taken_addr);

        let err = TcpListener::bind(&[taken_addr][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
        let err = TcpListener::bind(&[][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        assert!(listener.local_addr().unwrap().ip().is_loopback());
    }

    async fn lookup_host_resolves_numbers_at_once_and_names_on_the_pool() {
        let addrs: Vec<_> = lookup_host("127.0.0.1:80").await.unwrap().collect();
        assert_eq!(addrs, ["127.0.0.1:80".parse::<SocketAddr>().unwrap()]);
        assert_eq!(Handle::current().metrics().num_blocking_threads(), 0);

        let addrs: Vec<_> = lookup_host(("localhost", 80)).await.unwrap().collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80), "{addrs:?}");
        assert!(Handle::current().metrics().num_blocking_threads() >= 1);

        let Err(err) = lookup_host("no.such.host.invalid:80").await else {
            panic!("a reserved .invalid name must not resolve");
        };
        assert_ne!(err.kind(), ErrorKind::InvalidInput, "a resolver error, not a parse error");
    }
}

/// Outside a runtime, connecting is an error that says what is missing — never a panic.
#[test]
fn connect_outside_a_runtime_is_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);

    let mut fut = std::pin::pin!(TcpStream::connect(addr));
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(e)) => {
            assert!(e.to_string().contains("runtime"), "{e}");
        }
        other => panic!("expected an error, got {other:?}"),
    }

    let mut fut = std::pin::pin!(TcpStream::connect(("localhost", addr.port())));
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(e)) => {
            assert!(e.to_string().contains("blocking pool"), "{e}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

use std::future::Future as _;
