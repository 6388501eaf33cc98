//! Behaviour: many sources through one poll — none lost when they outnumber the `Events`
//! buffer, none missed when registered while another thread is blocked in `poll`, and each
//! one reported once with its own token at a thousand connections.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use corium::sys::unix::SourceFd;
use corium::sys::{syscall, Events, Interest, Poll, Token};

mod common;
use common::{current_tid, wait_until_in_poll};

/// How long any wait for an expected event may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// The tokens of the events of one zero-timeout poll.
#[track_caller]
fn tokens_now(poll: &mut Poll, events: &mut Events) -> Vec<Token> {
    poll.poll(events, Some(Duration::ZERO))
        .expect("zero-timeout poll");
    events.iter().map(|e| e.token()).collect()
}

#[test]
fn more_ready_sources_than_capacity_are_each_reported_once() {
    const SOURCES: usize = 10;
    const CAPACITY: usize = 4;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(CAPACITY);

    let mut pairs = Vec::new();
    for i in 0..SOURCES {
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // Data first, so every source is ready before the first poll.
        b.write_all(b"x").unwrap();
        let fd = a.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(i), Interest::READABLE)
            .unwrap();
        pairs.push((a, b));
    }

    let mut counts: HashMap<Token, usize> = HashMap::new();
    let mut sizes = Vec::new();
    for _ in 0..4 {
        let got = tokens_now(&mut poll, &mut events);
        sizes.push(got.len());
        for t in got {
            *counts.entry(t).or_default() += 1;
        }
    }
    assert_eq!(
        sizes,
        [4, 4, 2, 0],
        "events per poll with capacity {CAPACITY}"
    );
    for i in 0..SOURCES {
        assert_eq!(counts.get(&Token(i)), Some(&1), "token {i}: {counts:?}");
    }
    assert_eq!(counts.len(), SOURCES, "unknown tokens: {counts:?}");
}

#[test]
fn register_while_another_thread_is_blocked_in_poll() {
    const LATE: Token = Token(42);
    let mut poll = Poll::new().unwrap();
    let registry = poll.registry().try_clone().unwrap();
    let (a, mut b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();

    let seen = thread::scope(|s| {
        let (tid_tx, tid_rx) = mpsc::channel();
        let poller = s.spawn(move || {
            tid_tx.send(current_tid()).unwrap();
            let mut events = Events::with_capacity(4);
            // One poll, bounded: nothing is registered yet, so only the registration below
            // can end it before the deadline.
            loop {
                match poll.poll(&mut events, Some(DEADLINE)) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    res => res.unwrap(),
                }
                return events
                    .iter()
                    .map(|e| (e.token(), e.is_readable()))
                    .collect::<Vec<_>>();
            }
        });
        wait_until_in_poll(tid_rx.recv_timeout(DEADLINE).unwrap());
        // Ready before it is registered: the registration itself must wake the poller.
        b.write_all(b"x").unwrap();
        let fd = a.as_raw_fd();
        registry
            .register(&mut SourceFd(&fd), LATE, Interest::READABLE)
            .unwrap();
        poller.join().unwrap()
    });
    assert_eq!(
        seen,
        [(LATE, true)],
        "the blocked poll must report the new source"
    );
}

/// Raises the soft fd limit (to the hard limit, capped where some OSes refuse more) when it is
/// below what a thousand connections need.
fn raise_fd_limit(need: libc::rlim_t) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for getrlimit to fill.
    syscall!(getrlimit(libc::RLIMIT_NOFILE, &mut lim)).unwrap();
    if lim.rlim_cur < 4096 && lim.rlim_cur < lim.rlim_max {
        // macOS rejects values above OPEN_MAX (10240) even when the hard limit is "infinite".
        lim.rlim_cur = lim.rlim_max.min(10_240);
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the hard one is
        // allowed for any process.
        syscall!(setrlimit(libc::RLIMIT_NOFILE, &lim)).unwrap();
    }
    assert!(
        lim.rlim_cur >= need,
        "RLIMIT_NOFILE is {} but this test needs {need} fds",
        lim.rlim_cur
    );
}

#[test]
fn thousand_connections_each_reported_once_with_own_token() {
    const CONNS: usize = 1000;
    const BATCH: usize = 64; // well under the listen backlog, so no SYN is ever dropped
    const LISTENER: Token = Token(1_000_000);
    raise_fd_limit(2 * CONNS as libc::rlim_t + 64);

    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(256);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let lfd = listener.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&lfd), LISTENER, Interest::READABLE)
        .unwrap();

    let start = Instant::now();
    let mut clients = Vec::with_capacity(CONNS);
    let mut servers: Vec<TcpStream> = Vec::with_capacity(CONNS);
    while clients.len() < CONNS {
        for _ in 0..BATCH.min(CONNS - clients.len()) {
            clients.push(TcpStream::connect(addr).unwrap());
        }
        // Accept through the poll: wait for the listener's edge, then drain to WouldBlock.
        while servers.len() < clients.len() {
            assert!(
                start.elapsed() < DEADLINE,
                "accepted only {}",
                servers.len()
            );
            match poll.poll(&mut events, Some(DEADLINE)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => res.unwrap(),
            }
            let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
            assert!(tokens.iter().all(|t| *t == LISTENER), "{tokens:?}");
            loop {
                match listener.accept() {
                    Ok((s, _)) => servers.push(s),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => panic!("accept: {e}"),
                }
            }
        }
    }
    assert_eq!(servers.len(), CONNS);

    for (i, s) in servers.iter().enumerate() {
        s.set_nonblocking(true).unwrap();
        let fd = s.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), Token(i), Interest::READABLE)
            .unwrap();
    }
    for c in &mut clients {
        c.write_all(b"!").unwrap();
    }

    let mut counts = vec![0usize; CONNS];
    let mut seen = 0;
    let start = Instant::now();
    while seen < CONNS {
        assert!(
            start.elapsed() < DEADLINE,
            "only {seen} of {CONNS} connections reported"
        );
        match poll.poll(&mut events, Some(DEADLINE)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => res.unwrap(),
        }
        for e in events.iter() {
            let i = e.token().0;
            assert!(i < CONNS, "unexpected token {:?}", e.token());
            assert!(e.is_readable(), "{e:?}");
            if counts[i] == 0 {
                seen += 1;
            }
            counts[i] += 1;
        }
    }
    let late = tokens_now(&mut poll, &mut events);
    assert!(late.is_empty(), "events after all were seen: {late:?}");
    let twice: Vec<usize> = (0..CONNS).filter(|&i| counts[i] != 1).collect();
    assert!(twice.is_empty(), "reported more than once: {twice:?}");

    // Every byte is accounted for: each server holds exactly the one written to its client.
    for (i, s) in servers.iter_mut().enumerate() {
        let mut buf = [0u8; 2];
        assert_eq!(s.read(&mut buf).unwrap(), 1, "connection {i}");
        assert_eq!(&buf[..1], b"!");
    }

    // Tokens map to the right sockets: data on one connection alone reports its token alone.
    for i in (0..CONNS).step_by(7) {
        clients[i].write_all(b"?").unwrap();
        match poll.poll(&mut events, Some(DEADLINE)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            res => res.unwrap(),
        }
        let mut got: Vec<Token> = events.iter().map(|e| e.token()).collect();
        got.extend(tokens_now(&mut poll, &mut events));
        assert_eq!(got, [Token(i)], "data only on connection {i}");
        let mut buf = [0u8; 2];
        assert_eq!(servers[i].read(&mut buf).unwrap(), 1, "connection {i}");
    }
}
