//! Behaviour: corium's nonblocking TCP sockets under a real `Poll` loop, on loopback.
//!
//! Each test waits for the specific readiness a kernel state change must produce (connect
//! finished → writable, peer shut down → read-closed, reset → error/closed), then checks
//! what the socket calls return, so a socket that blocked, lost an error or reported the
//! wrong readiness fails here.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use corium::sys::net::{TcpListener, TcpStream};
use corium::sys::{Interest, Token};

mod common;
use common::EventLog;

const LISTENER: Token = Token(0);
const CLIENT: Token = Token(1);
const SERVER: Token = Token(2);

/// Reads until `want` bytes arrived, waiting for readable events in between.
#[track_caller]
fn read_exactly(
    driver: &mut EventLog,
    token: Token,
    mut stream: &TcpStream,
    want: usize,
) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < want {
        match stream.read(&mut buf) {
            Ok(0) => panic!("end of stream after {} of {want} bytes", got.len()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                driver.wait_for(token, "readable", |s| s.readable);
            }
            Err(e) => panic!("read failed: {e}"),
        }
    }
    got
}

/// A listener on `ip` port 0 and a client connected to it through the poll loop, with the
/// accepted server side: `(listener, client, server)`. Checks every address on the way.
#[track_caller]
fn connected(driver: &mut EventLog, ip: &str) -> (TcpListener, TcpStream, TcpStream) {
    let mut listener = TcpListener::bind(format!("{ip}:0").parse().unwrap()).unwrap();
    let listen_addr = listener.local_addr().unwrap();
    assert_ne!(
        listen_addr.port(),
        0,
        "bind to port 0 must report the real port"
    );
    driver
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();

    let mut client = TcpStream::connect(listen_addr).unwrap();
    driver
        .registry()
        .register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    driver.wait_for(CLIENT, "writable (connect finished)", |s| s.writable);
    assert!(
        client.take_error().unwrap().is_none(),
        "connect to a listener failed"
    );
    assert_eq!(client.peer_addr().unwrap(), listen_addr);

    driver.wait_for(LISTENER, "readable (connection queued)", |s| s.readable);
    let (mut server, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    assert_eq!(server.local_addr().unwrap(), listen_addr);
    driver
        .registry()
        .register(&mut server, SERVER, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    (listener, client, server)
}

/// Data both ways, plain and vectored.
fn round_trip(ip: &str) {
    let mut driver = EventLog::new();
    let (_listener, mut client, mut server) = connected(&mut driver, ip);

    client.write_all(b"hello").unwrap();
    assert_eq!(read_exactly(&mut driver, SERVER, &server, 5), b"hello");

    let n = (&server)
        .write_vectored(&[IoSlice::new(b"wor"), IoSlice::new(b"ld")])
        .unwrap();
    assert_eq!(
        n, 5,
        "a 5-byte vectored write to an empty socket buffer is whole"
    );
    driver.wait_for(CLIENT, "readable", |s| s.readable);
    let mut peeked = [0u8; 5];
    assert_eq!(client.peek(&mut peeked).unwrap(), 5);
    assert_eq!(&peeked, b"world");
    let (mut a, mut b) = ([0u8; 2], [0u8; 8]);
    let n = client
        .read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
        .unwrap();
    assert_eq!((n, &a, &b[..3]), (5, b"wo", &b"rld"[..]));
    let err = client.read(&mut a).unwrap_err();
    assert_eq!(
        err.kind(),
        io::ErrorKind::WouldBlock,
        "drained socket must not block"
    );
    server.flush().unwrap();
}

#[test]
fn accept_connect_and_round_trip_on_ipv4_loopback() {
    round_trip("127.0.0.1");
}

#[test]
fn accept_connect_and_round_trip_on_ipv6_loopback() {
    if let Err(e) = std::net::TcpListener::bind("[::1]:0") {
        eprintln!("skipped: this machine has no IPv6 loopback (binding [::1]:0 failed: {e})");
        return;
    }
    round_trip("[::1]");
}

#[test]
fn connect_to_closed_port_reports_connection_refused() {
    // A port that was free a moment ago and has no listener now.
    let closed: SocketAddr = {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.local_addr().unwrap()
    };
    let mut driver = EventLog::new();
    let mut client = match TcpStream::connect(closed) {
        Ok(client) => client,
        // The kernel may answer a loopback connect before returning; that is a valid report.
        Err(e) => {
            assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}");
            eprintln!("connect was refused before it returned: no event to wait for");
            return;
        }
    };
    driver
        .registry()
        .register(&mut client, CLIENT, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    let seen = driver.wait_for(CLIENT, "writable or error (connect ended)", |s| {
        s.writable || s.error
    });
    assert!(
        seen.error || seen.write_closed,
        "a refused connect must look failed: {seen:?}"
    );
    let err = client
        .take_error()
        .unwrap()
        .expect("SO_ERROR must hold the refusal");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    assert!(
        client.take_error().unwrap().is_none(),
        "take_error must clear the error"
    );
    assert_eq!(
        client.peer_addr().unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
}

#[test]
fn peer_shutdown_write_gives_read_closed() {
    let mut driver = EventLog::new();
    let (_listener, client, server) = connected(&mut driver, "127.0.0.1");
    client.write_all_nonblocking(b"last words");
    client.shutdown(Shutdown::Write).unwrap();

    driver.wait_for(SERVER, "read-closed", |s| s.read_closed);
    // The data sent before the shutdown is still delivered, then end-of-stream.
    let mut buf = [0u8; 32];
    let n = (&server).read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"last words");
    assert_eq!(
        (&server).read(&mut buf).unwrap(),
        0,
        "after read-closed, read returns 0"
    );
}

#[test]
fn linger_zero_drop_resets_the_peer() {
    let mut driver = EventLog::new();
    let (_listener, client, server) = connected(&mut driver, "127.0.0.1");
    server.set_linger(Some(Duration::ZERO)).unwrap();
    assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
    drop(server);

    let seen = driver.wait_for(CLIENT, "error or closed (reset)", |s| {
        s.error || s.read_closed || s.write_closed
    });
    // epoll reports a reset as EPOLLERR|EPOLLHUP; either flag path is acceptable.
    assert!(seen.readable || seen.error, "{seen:?}");
    let err = (&client).read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
}

#[test]
fn accept_drains_until_would_block() {
    let mut driver = EventLog::new();
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    driver
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();

    let mut accepted = Vec::new();
    while accepted.len() < clients.len() {
        // Edge-triggered: one event may stand for several queued connections, so every
        // event is followed by accepting until WouldBlock.
        driver.wait_for(LISTENER, "readable", |s| s.readable);
        loop {
            match listener.accept() {
                Ok((stream, peer)) => accepted.push((stream, peer)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("accept failed: {e}"),
            }
        }
    }
    assert_eq!(accepted.len(), 3);
    let mut peers: Vec<SocketAddr> = accepted.iter().map(|(_, p)| *p).collect();
    let mut locals: Vec<SocketAddr> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    peers.sort();
    locals.sort();
    assert_eq!(
        peers, locals,
        "each accept returns one client's address, once"
    );
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}

#[test]
fn socket_options_round_trip() {
    let mut driver = EventLog::new();
    let (listener, client, _server) = connected(&mut driver, "127.0.0.1");

    client.set_nodelay(true).unwrap();
    assert!(client.nodelay().unwrap());
    client.set_nodelay(false).unwrap();
    assert!(!client.nodelay().unwrap());

    client.set_ttl(42).unwrap();
    assert_eq!(client.ttl().unwrap(), 42);
    listener.set_ttl(7).unwrap();
    assert_eq!(listener.ttl().unwrap(), 7);
    let err = client.set_ttl(256).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");

    assert_eq!(client.linger().unwrap(), None);
    // Whole seconds; a partial second rounds up rather than becoming an abortive 0.
    client
        .set_linger(Some(Duration::from_millis(1500)))
        .unwrap();
    assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(2)));
    client.set_linger(None).unwrap();
    assert_eq!(client.linger().unwrap(), None);

    assert!(listener.take_error().unwrap().is_none());
}

#[test]
fn from_std_wraps_std_sockets() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let listener = TcpListener::from_std(std_listener);
    let addr = listener.local_addr().unwrap();
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );

    let std_stream = std::net::TcpStream::connect(addr).unwrap();
    std_stream.set_nonblocking(true).unwrap();
    let stream = TcpStream::from_std(std_stream);
    assert_eq!(stream.peer_addr().unwrap(), addr);
    let err = (&stream).read(&mut [0u8; 4]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}

/// A small write to a fresh connection fits in the socket buffer at once.
trait WriteAllNonblocking {
    fn write_all_nonblocking(&self, data: &[u8]);
}

impl WriteAllNonblocking for TcpStream {
    #[track_caller]
    fn write_all_nonblocking(&self, data: &[u8]) {
        let n = (&*self).write(data).unwrap();
        assert_eq!(
            n,
            data.len(),
            "a small write to an empty send buffer is whole"
        );
    }
}
