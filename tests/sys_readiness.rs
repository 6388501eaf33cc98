//! Behaviour: what readiness events the selector reports, and when it stays silent.
//!
//! Registrations are edge-triggered, so a test that only checked "an event came" would pass
//! against a level-triggered selector too. Each test here therefore also checks the silence
//! that must follow (a zero-timeout poll returning nothing while data is still buffered), or
//! the exact flags the kernel's state change must produce.
//!
//! Sockets are std's, made nonblocking and registered as raw fds through `SourceFd`, so these
//! tests exercise the selector alone.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use corium::sys::unix::SourceFd;
use corium::sys::{syscall, Events, Interest, Poll, Token};

/// How long any wait for an expected event may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);

/// An owned copy of one event, so it outlives the next poll.
#[derive(Debug, Clone)]
struct Seen {
    token: Token,
    readable: bool,
    writable: bool,
    error: bool,
    read_closed: bool,
    write_closed: bool,
    debug: String,
}

fn snapshot(events: &Events) -> Vec<Seen> {
    events
        .iter()
        .map(|e| Seen {
            token: e.token(),
            readable: e.is_readable(),
            writable: e.is_writable(),
            error: e.is_error(),
            read_closed: e.is_read_closed(),
            write_closed: e.is_write_closed(),
            debug: format!("{e:?}"),
        })
        .collect()
}

/// One poll that never blocks: what is queued right now.
#[track_caller]
fn poll_now(poll: &mut Poll, events: &mut Events) -> Vec<Seen> {
    poll.poll(events, Some(Duration::ZERO))
        .expect("zero-timeout poll");
    snapshot(events)
}

/// Polls until an event for `token` arrives (bounded by [`DEADLINE`]) and returns it; events
/// for other tokens seen on the way are returned too, for the caller to check.
#[track_caller]
fn wait_for(poll: &mut Poll, events: &mut Events, token: Token) -> (Seen, Vec<Seen>) {
    let start = Instant::now();
    let mut others = Vec::new();
    loop {
        let left = DEADLINE.saturating_sub(start.elapsed());
        assert!(
            !left.is_zero(),
            "no event for {token:?} within {DEADLINE:?}; saw only {others:#?}"
        );
        match poll.poll(events, Some(left)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("poll failed: {e}"),
        }
        let mut found = None;
        for seen in snapshot(events) {
            if seen.token == token && found.is_none() {
                found = Some(seen);
            } else {
                others.push(seen);
            }
        }
        if let Some(seen) = found {
            return (seen, others);
        }
    }
}

/// A connected loopback TCP pair `(client, server)`, both nonblocking.
fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_nonblocking(true).unwrap();
    server.set_nonblocking(true).unwrap();
    (client, server)
}

fn v4(addr: SocketAddr) -> SocketAddrV4 {
    match addr {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(a) => panic!("expected an IPv4 address, got {a}"),
    }
}

/// Makes `fd` nonblocking and close-on-exec, where the OS cannot do it at creation.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_nonblocking_cloexec(fd: RawFd) {
    // SAFETY: `fd` is open (the caller just created it); F_SETFL/F_SETFD only change flags.
    syscall!(fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK)).unwrap();
    // SAFETY: as above.
    syscall!(fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC)).unwrap();
}

/// Starts a *nonblocking* connect (std only offers blocking ones) and returns the socket with
/// the result of the `connect` call itself.
fn start_connect(addr: SocketAddrV4) -> (TcpStream, io::Result<()>) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let ty = libc::SOCK_STREAM;
    // SAFETY: socket takes only integer arguments.
    let fd = syscall!(socket(libc::AF_INET, ty, 0)).expect("socket");
    // SAFETY: `fd` was just returned by socket, so it is open and owned by nobody else.
    let stream = TcpStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    set_nonblocking_cloexec(stream.as_raw_fd());

    // SAFETY: sockaddr_in is a plain C struct; all-zero bytes are a valid value (and the
    // required zero padding), the fields that matter are set below.
    let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = addr.port().to_be();
    sin.sin_addr.s_addr = u32::from(*addr.ip()).to_be();
    // SAFETY: `sin` is a valid sockaddr_in that outlives the call and the length given is its
    // size; `fd` is the open socket owned by `stream`.
    let res = syscall!(connect(
        stream.as_raw_fd(),
        (&sin as *const libc::sockaddr_in).cast::<libc::sockaddr>(),
        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
    ))
    .map(drop);
    (stream, res)
}

/// Reads until `WouldBlock` and returns how many bytes came.
fn drain(stream: &mut TcpStream) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return total,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!("read failed: {e}"),
        }
    }
}

#[test]
fn partial_read_gets_no_second_event_until_new_data() {
    const SERVER: Token = Token(1);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();

    client.write_all(&[7u8; 100]).unwrap();
    let (first, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(first.readable, "{first:?}");

    let mut part = [0u8; 10];
    server.read_exact(&mut part).unwrap();
    // 90 bytes are still buffered: a level-triggered selector would report them again.
    let again = poll_now(&mut poll, &mut events);
    assert!(
        again.is_empty(),
        "edge-triggered: no new event after a partial read, got {again:#?}"
    );

    assert_eq!(drain(&mut server), 90);
    let after_drain = poll_now(&mut poll, &mut events);
    assert!(after_drain.is_empty(), "{after_drain:#?}");

    client.write_all(b"more").unwrap();
    let (second, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(second.readable, "new data after draining is a new edge");
    assert_eq!(drain(&mut server), 4);
}

#[test]
fn nonblocking_connect_reports_writable() {
    const CLIENT: Token = Token(2);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let (mut client, res) = start_connect(v4(listener.local_addr().unwrap()));
    let err = res.expect_err("a nonblocking TCP connect does not finish inside connect()");
    assert_eq!(err.raw_os_error(), Some(libc::EINPROGRESS), "{err}");

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let fd = client.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), CLIENT, Interest::WRITABLE)
        .unwrap();
    let (seen, _) = wait_for(&mut poll, &mut events, CLIENT);
    assert!(seen.writable, "{seen:?}");
    assert!(!seen.error, "{seen:?}");
    assert!(client.take_error().unwrap().is_none());
    assert_eq!(client.peer_addr().unwrap(), listener.local_addr().unwrap());

    let (mut accepted, _) = listener.accept().unwrap();
    client.write_all(b"hi").unwrap();
    let mut buf = [0u8; 2];
    accepted.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hi");
}

#[test]
fn peer_shutdown_write_is_read_closed() {
    const SERVER: Token = Token(3);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, mut server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();
    assert!(poll_now(&mut poll, &mut events).is_empty());

    client.shutdown(Shutdown::Write).unwrap();
    let (seen, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(seen.read_closed, "FIN must be read-closed: {seen:?}");
    assert!(seen.readable, "{seen:?}");
    assert!(!seen.error, "a FIN is no error: {seen:?}");
    let mut buf = [0u8; 8];
    assert_eq!(server.read(&mut buf).unwrap(), 0, "EOF after FIN");
}

#[test]
fn peer_reset_is_error_or_read_closed() {
    const SERVER: Token = Token(4);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (client, mut server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();
    assert!(poll_now(&mut poll, &mut events).is_empty());

    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a valid struct of the size passed and outlives the call; the fd is
    // the open socket owned by `client`.
    syscall!(setsockopt(
        client.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_LINGER,
        (&linger as *const libc::linger).cast::<libc::c_void>(),
        std::mem::size_of::<libc::linger>() as libc::socklen_t
    ))
    .unwrap();
    // Closing with a zero linger sends RST instead of FIN.
    drop(client);

    let (seen, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(
        seen.error || seen.read_closed,
        "RST must be reported as error or read-closed: {seen:?}"
    );
    let mut buf = [0u8; 8];
    let err = server.read(&mut buf).expect_err("read after RST");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
}

/// A nonblocking pipe: `(read end, write end)`.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds: [RawFd; 2] = [-1, -1];
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC)).unwrap();
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        // SAFETY: `fds` has room for the two descriptors pipe writes.
        syscall!(pipe(fds.as_mut_ptr())).unwrap();
        fds.iter().for_each(|&fd| set_nonblocking_cloexec(fd));
    }
    // SAFETY: the pipe call succeeded, so both fds are open and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

#[test]
fn pipe_writer_closed_is_read_closed_for_reader() {
    const READER: Token = Token(5);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (reader, writer) = pipe();
    let fd = reader.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), READER, Interest::READABLE)
        .unwrap();
    assert!(poll_now(&mut poll, &mut events).is_empty());

    drop(writer);
    let (seen, _) = wait_for(&mut poll, &mut events, READER);
    assert!(seen.read_closed, "{seen:?}");
    assert!(!seen.error, "the writer closing is no error: {seen:?}");
}

#[test]
fn pipe_reader_closed_is_write_closed_for_writer() {
    const WRITER: Token = Token(6);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (reader, writer) = pipe();
    let fd = writer.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), WRITER, Interest::WRITABLE)
        .unwrap();
    // An empty pipe is writable at once; take that edge first.
    let (initial, _) = wait_for(&mut poll, &mut events, WRITER);
    assert!(initial.writable && !initial.write_closed, "{initial:?}");
    assert!(poll_now(&mut poll, &mut events).is_empty());

    drop(reader);
    let (seen, _) = wait_for(&mut poll, &mut events, WRITER);
    assert!(seen.write_closed, "{seen:?}");
    assert!(!seen.read_closed, "{seen:?}");
}

#[test]
fn connect_to_closed_port_reports_refusal() {
    const CLIENT: Token = Token(7);
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        v4(listener.local_addr().unwrap())
    };
    let (client, res) = start_connect(addr);
    let err = res.expect_err("a nonblocking TCP connect does not finish inside connect()");
    assert_eq!(err.raw_os_error(), Some(libc::EINPROGRESS), "{err}");

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let fd = client.as_raw_fd();
    poll.registry()
        .register(
            &mut SourceFd(&fd),
            CLIENT,
            Interest::READABLE | Interest::WRITABLE,
        )
        .unwrap();
    let (seen, _) = wait_for(&mut poll, &mut events, CLIENT);
    assert!(
        seen.error || seen.write_closed || seen.writable,
        "a failed connect must be reported: {seen:?}"
    );
    // take_error is getsockopt(SO_ERROR).
    let so_error = client.take_error().unwrap().expect("SO_ERROR is set");
    assert_eq!(
        so_error.raw_os_error(),
        Some(libc::ECONNREFUSED),
        "{so_error}"
    );
}

#[test]
fn deregistered_source_gets_no_event() {
    const SERVER: Token = Token(8);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, mut server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();
    poll.registry().deregister(&mut SourceFd(&fd)).unwrap();

    client.write_all(b"ab").unwrap();
    // Wait for the data by a blocking read of one byte: after it, the other byte is buffered,
    // so the socket is readable and a live registration would have an event queued.
    server.set_nonblocking(false).unwrap();
    server.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut one = [0u8; 1];
    server.read_exact(&mut one).unwrap();
    server.set_nonblocking(true).unwrap();

    let seen = poll_now(&mut poll, &mut events);
    assert!(seen.is_empty(), "deregistered fd reported: {seen:#?}");

    // Control: the byte is really there; registering again reports it at once.
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();
    let seen = poll_now(&mut poll, &mut events);
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert!(seen[0].readable && seen[0].token == SERVER, "{seen:#?}");
}

#[test]
fn read_and_write_interest_sees_both() {
    const SERVER: Token = Token(9);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(
            &mut SourceFd(&fd),
            SERVER,
            Interest::READABLE | Interest::WRITABLE,
        )
        .unwrap();

    // A connected socket with an empty send buffer is writable as soon as it is registered.
    let (first, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(first.writable, "{first:?}");
    assert!(!first.readable, "nothing was sent yet: {first:?}");
    assert!(poll_now(&mut poll, &mut events).is_empty());

    client.write_all(b"x").unwrap();
    let (second, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(second.readable, "{second:?}");
}

#[test]
fn reregister_changes_token() {
    const OLD: Token = Token(10);
    const NEW: Token = Token(11);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), OLD, Interest::READABLE)
        .unwrap();
    poll.registry()
        .reregister(&mut SourceFd(&fd), NEW, Interest::READABLE)
        .unwrap();

    client.write_all(b"x").unwrap();
    let (seen, others) = wait_for(&mut poll, &mut events, NEW);
    assert!(seen.readable, "{seen:?}");
    assert!(
        others.is_empty(),
        "only the new token may appear: {others:#?}"
    );
    let rest = poll_now(&mut poll, &mut events);
    assert!(rest.iter().all(|s| s.token != OLD), "{rest:#?}");
}

#[test]
fn event_debug_shows_raw_flags() {
    const SERVER: Token = Token(12);
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let (mut client, server) = tcp_pair();
    let fd = server.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), SERVER, Interest::READABLE)
        .unwrap();
    client.write_all(b"x").unwrap();
    let (seen, _) = wait_for(&mut poll, &mut events, SERVER);
    assert!(seen.debug.contains("readable: true"), "{}", seen.debug);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    assert!(seen.debug.contains("EPOLLIN"), "{}", seen.debug);
}
