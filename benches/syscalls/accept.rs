//! Accepting: `accept_connect` (a loopback connect, the listener's edge, `accept4`, close).

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use corium::sys as cs;
use corium::sys::syscall;
use criterion::Criterion;

use crate::fixtures::{corium_poll, mio_poll, owned, RawEpoll, BLOCK, BLOCK_MS, EP_READ};

pub(crate) fn accept_connect(c: &mut Criterion) -> String {
    let name = "accept_connect";
    let mut g = c.benchmark_group(name);
    {
        let (listener, sa) = raw_listener();
        let lfd = listener.as_raw_fd();
        let mut ep = RawEpoll::new();
        ep.add(lfd, 0, EP_READ);
        g.bench_function("libc", |b| {
            b.iter(|| {
                let client = raw_connect(&sa);
                assert_eq!(ep.wait(BLOCK_MS), 1);
                let server = raw_accept(lfd);
                linger_zero(client.as_raw_fd());
                drop(client);
                drop(server);
            })
        });
    }
    {
        let (listener, sa) = raw_listener();
        let lfd = listener.as_raw_fd();
        let (mut poll, mut events) = corium_poll();
        poll.registry()
            .register(
                &mut cs::unix::SourceFd(&lfd),
                cs::Token(0),
                cs::Interest::READABLE,
            )
            .expect("corium register");
        g.bench_function("corium", |b| {
            b.iter(|| {
                let client = raw_connect(&sa);
                poll.poll(&mut events, Some(BLOCK)).expect("corium poll");
                assert_eq!(events.iter().len(), 1);
                let server = raw_accept(lfd);
                linger_zero(client.as_raw_fd());
                drop(client);
                drop(server);
            })
        });
    }
    {
        let mut listener = mio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("mio listener");
        let addr = listener.local_addr().expect("mio listener address");
        let (mut poll, mut events) = mio_poll();
        poll.registry()
            .register(&mut listener, mio::Token(0), mio::Interest::READABLE)
            .expect("mio register");
        g.bench_function("mio", |b| {
            b.iter(|| {
                let client = mio::net::TcpStream::connect(addr).expect("mio connect");
                poll.poll(&mut events, Some(BLOCK)).expect("mio poll");
                assert_eq!(events.iter().count(), 1);
                let (server, _peer) = listener.accept().expect("mio accept");
                linger_zero(client.as_raw_fd());
                drop(client);
                drop(server);
            })
        });
    }
    g.finish();
    name.to_string()
}

fn raw_listener() -> (TcpListener, libc::sockaddr_in) {
    let listener =
        TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind loopback");
    listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let port = listener.local_addr().expect("listener address").port();
    let sa = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(Ipv4Addr::LOCALHOST).to_be(),
        },
        sin_zero: [0; 8],
    };
    (listener, sa)
}

/// A nonblocking socket with its connect to `sa` started (or already done).
fn raw_connect(sa: &libc::sockaddr_in) -> OwnedFd {
    // SAFETY: socket takes plain integers.
    let fd = syscall!(socket(
        libc::AF_INET,
        libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
        0
    ))
    .expect("socket");
    let fd = owned(fd);
    // SAFETY: `sa` is a valid sockaddr_in and the length passed is its size.
    let res = syscall!(connect(
        fd.as_raw_fd(),
        (sa as *const libc::sockaddr_in).cast(),
        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
    ));
    match res {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => panic!("connect to loopback failed: {e}"),
    }
    fd
}

fn raw_accept(listener: RawFd) -> OwnedFd {
    // SAFETY: an all-zero sockaddr_storage is a valid (unspecified) address.
    let mut peer: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `peer` has room for `len` bytes, and `len` is a valid in/out length.
    let fd = syscall!(accept4(
        listener,
        (&mut peer as *mut libc::sockaddr_storage).cast(),
        &mut len,
        libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC
    ))
    .expect("accept4 after a readable event");
    black_box(&peer);
    owned(fd)
}

/// `SO_LINGER` with a zero timeout: `close` resets instead of leaving `TIME_WAIT`.
fn linger_zero(fd: RawFd) {
    let lg = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `lg` is a valid `linger` and the length passed is its size.
    syscall!(setsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_LINGER,
        (&lg as *const libc::linger).cast(),
        std::mem::size_of::<libc::linger>() as libc::socklen_t
    ))
    .expect("setsockopt(SO_LINGER)");
}
