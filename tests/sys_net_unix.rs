//! Behaviour: corium's nonblocking Unix domain sockets under a real `Poll` loop.
//!
//! Socket files live in a fresh directory under the system temp dir, removed when the test
//! ends (pass or fail).

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use corium::sys::net::{UnixDatagram, UnixListener, UnixStream};
use corium::sys::{Interest, Token};

mod common;
use common::EventLog;

const LISTENER: Token = Token(0);
const A: Token = Token(1);
const B: Token = Token(2);

/// A directory of its own for one test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "corium-uds-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        // create_dir (not _all): fails rather than reuse a directory someone else made.
        std::fs::create_dir(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[track_caller]
fn assert_would_block<T: std::fmt::Debug>(res: io::Result<T>) {
    let err = res.expect_err("a drained socket must say WouldBlock, not return data");
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
}

/// Reads until `want` bytes arrived, waiting for readable events in between.
#[track_caller]
fn read_exactly(driver: &mut EventLog, token: Token, mut s: &UnixStream, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < want {
        match s.read(&mut buf) {
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

#[test]
fn stream_pair_round_trip_and_shutdown() {
    let mut driver = EventLog::new();
    let (mut a, mut b) = UnixStream::pair().unwrap();
    driver
        .registry()
        .register(&mut a, A, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    assert!(a.local_addr().unwrap().is_unnamed());
    assert!(a.peer_addr().unwrap().is_unnamed());

    a.write_all(b"ping").unwrap();
    assert_eq!(read_exactly(&mut driver, B, &b, 4), b"ping");
    assert_would_block((&b).read(&mut [0u8; 4]));

    let n = (&b)
        .write_vectored(&[IoSlice::new(b"po"), IoSlice::new(b"ng")])
        .unwrap();
    assert_eq!(n, 4);
    driver.wait_for(A, "readable", |s| s.readable);
    let (mut x, mut y) = ([0u8; 1], [0u8; 8]);
    let n = a
        .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        .unwrap();
    assert_eq!((n, &x, &y[..3]), (4, b"p", &b"ong"[..]));

    b.shutdown(Shutdown::Write).unwrap();
    driver.wait_for(A, "read-closed", |s| s.read_closed);
    assert_eq!(
        a.read(&mut y).unwrap(),
        0,
        "after read-closed, read returns 0"
    );
    assert!(a.take_error().unwrap().is_none());

    drop(b);
    let err = a.write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn listener_accepts_path_connections_until_would_block() {
    let dir = TempDir::new();
    let path = dir.path("server.sock");
    let mut driver = EventLog::new();
    let mut listener = UnixListener::bind(&path).unwrap();
    assert_eq!(
        listener.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    driver
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();

    let mut first = UnixStream::connect(&path).unwrap();
    let second = UnixStream::connect(&path).unwrap();
    assert_eq!(
        first.peer_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    driver
        .registry()
        .register(&mut first, A, Interest::READABLE | Interest::WRITABLE)
        .unwrap();
    driver.wait_for(A, "writable (connected)", |s| s.writable);

    let mut accepted = Vec::new();
    while accepted.len() < 2 {
        driver.wait_for(LISTENER, "readable", |s| s.readable);
        loop {
            match listener.accept() {
                Ok((stream, peer)) => {
                    assert!(peer.is_unnamed(), "clients did not bind: {peer:?}");
                    accepted.push(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("accept failed: {e}"),
            }
        }
    }
    assert_eq!(accepted.len(), 2);
    assert_would_block(listener.accept());
    assert!(listener.take_error().unwrap().is_none());

    // Which accepted stream is `first` is not fixed: write on both ends and match.
    let mut server_for_first = None;
    (&first).write_all(b"from first").unwrap();
    for mut stream in accepted {
        driver
            .registry()
            .register(&mut stream, B, Interest::READABLE)
            .unwrap();
        let mut buf = [0u8; 16];
        match (&stream).read(&mut buf) {
            Ok(n) => {
                assert_eq!(&buf[..n], b"from first");
                server_for_first = Some(stream);
            }
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "{e}"),
        }
    }
    let server = server_for_first.expect("one accepted stream carries first's bytes");
    assert_eq!(
        server.local_addr().unwrap().as_pathname(),
        Some(path.as_path())
    );
    drop(second);
}

#[test]
fn path_too_long_names_the_limit() {
    let long = Path::new("/tmp").join("x".repeat(300));
    for err in [
        UnixListener::bind(&long).unwrap_err(),
        UnixStream::connect(&long).unwrap_err(),
        UnixDatagram::bind(&long).unwrap_err(),
    ] {
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let msg = err.to_string();
        assert!(msg.contains("sun_path holds at most"), "{msg}");
    }
    let unnamed = UnixDatagram::unbound().unwrap().local_addr().unwrap();
    let err = UnixListener::bind_addr(&unnamed).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn abstract_names_bind_and_connect() {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::SocketAddr;

    let name = format!("corium-test-{}-abstract", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let mut driver = EventLog::new();
    let mut listener = UnixListener::bind_addr(&addr).unwrap();
    assert_eq!(
        listener.local_addr().unwrap().as_abstract_name(),
        Some(name.as_bytes())
    );
    driver
        .registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    let client = UnixStream::connect_addr(&addr).unwrap();
    assert_eq!(
        client.peer_addr().unwrap().as_abstract_name(),
        Some(name.as_bytes())
    );
    driver.wait_for(LISTENER, "readable", |s| s.readable);
    listener.accept().unwrap();

    // Datagrams too: a second abstract socket receives from the first.
    let dgram_name = format!("corium-test-{}-dgram", std::process::id());
    let dgram_addr = SocketAddr::from_abstract_name(dgram_name.as_bytes()).unwrap();
    let mut receiver = UnixDatagram::bind_addr(&dgram_addr).unwrap();
    driver
        .registry()
        .register(&mut receiver, B, Interest::READABLE)
        .unwrap();
    let sender = UnixDatagram::unbound().unwrap();
    sender.send_to_addr(b"abs", &dgram_addr).unwrap();
    driver.wait_for(B, "readable", |s| s.readable);
    let mut buf = [0u8; 8];
    let (n, from) = receiver.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"abs");
    assert!(
        from.is_unnamed(),
        "an unbound sender has no address: {from:?}"
    );
}

#[test]
fn datagram_pair_round_trip() {
    let mut driver = EventLog::new();
    let (a, mut b) = UnixDatagram::pair().unwrap();
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();
    assert_eq!(a.send(b"one").unwrap(), 3);
    assert_eq!(a.send(b"two").unwrap(), 3);
    driver.wait_for(B, "readable", |s| s.readable);
    let mut buf = [0u8; 8];
    // Boundaries are kept: each recv returns one datagram.
    assert_eq!(b.recv(&mut buf).unwrap(), 3);
    assert_eq!(&buf[..3], b"one");
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two");
    assert!(from.is_unnamed());
    assert_would_block(b.recv(&mut buf));
    assert!(b.peer_addr().unwrap().is_unnamed());
    assert!(b.take_error().unwrap().is_none());
}

#[test]
fn datagram_bound_round_trip_and_connect() {
    let dir = TempDir::new();
    let (a_path, b_path) = (dir.path("a.sock"), dir.path("b.sock"));
    let mut driver = EventLog::new();
    let mut a = UnixDatagram::bind(&a_path).unwrap();
    let mut b = UnixDatagram::bind(&b_path).unwrap();
    assert_eq!(
        b.local_addr().unwrap().as_pathname(),
        Some(b_path.as_path())
    );
    driver
        .registry()
        .register(&mut a, A, Interest::READABLE)
        .unwrap();
    driver
        .registry()
        .register(&mut b, B, Interest::READABLE)
        .unwrap();

    assert_eq!(a.send_to(b"hello", &b_path).unwrap(), 5);
    driver.wait_for(B, "readable", |s| s.readable);
    let mut buf = [0u8; 16];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(
        from.as_pathname(),
        Some(a_path.as_path()),
        "reply address is a's path"
    );
    assert_would_block(b.recv_from(&mut buf));

    // Reply to the address recv_from gave, then use connect + send.
    b.send_to_addr(b"back", &from).unwrap();
    driver.wait_for(A, "readable", |s| s.readable);
    let n = a.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"back");

    assert_eq!(
        a.send(b"x").unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
    a.connect(&b_path).unwrap();
    assert_eq!(a.peer_addr().unwrap().as_pathname(), Some(b_path.as_path()));
    a.send(b"connected").unwrap();
    driver.wait_for(B, "readable", |s| s.readable);
    let n = b.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"connected");
    a.shutdown(Shutdown::Both).unwrap();
}

#[test]
fn from_std_wraps_std_sockets() {
    let (std_a, std_b) = std::os::unix::net::UnixStream::pair().unwrap();
    std_a.set_nonblocking(true).unwrap();
    let a = UnixStream::from_std(std_a);
    assert_would_block((&a).read(&mut [0u8; 4]));
    drop(std_b);
    assert_eq!((&a).read(&mut [0u8; 4]).unwrap(), 0);

    let (std_d, _std_e) = std::os::unix::net::UnixDatagram::pair().unwrap();
    std_d.set_nonblocking(true).unwrap();
    assert_would_block(UnixDatagram::from_std(std_d).recv(&mut [0u8; 4]));

    let dir = TempDir::new();
    let std_listener = std::os::unix::net::UnixListener::bind(dir.path("l.sock")).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    assert_would_block(UnixListener::from_std(std_listener).accept());
}
