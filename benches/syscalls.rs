//! Syscall microbenchmarks: corium's selector (`corium::sys`) against raw libc and mio.
//!
//! Every criterion group has three functions doing the same operation:
//!
//! * `libc` — the syscalls called directly (`epoll_create1`/`epoll_ctl`/`epoll_wait`, with the
//!   flags corium and mio use: `EPOLLIN | EPOLLRDHUP | EPOLLET` for readable, `EPOLLOUT |
//!   EPOLLET` for writable). The floor: what the kernel alone costs.
//! * `corium` — `corium::sys::{Poll, Registry, Events, Waker}`, fds registered through
//!   `corium::sys::unix::SourceFd`.
//! * `mio` — the same through `mio::{Poll, Registry, Events, Waker}` and `mio::unix::SourceFd`.
//!
//! Each side owns its own epoll instance and fds, created before and closed after its
//! function runs; everything except the layer under test is the same raw syscall on all three
//! sides, so the difference between two columns is the cost of the layer.
//!
//! | group | what one iteration is (what is timed) |
//! |---|---|
//! | `poll_idle` | one `epoll_wait` with timeout 0 returning nothing; 4 idle pipe read ends registered readable |
//! | `poll_ready_{1,64,1024}` | one `epoll_wait` (timeout 0) returning N events, plus reading the N tokens. Untimed before it: one `write` to an eventfd registered N times (N `dup`s of it, each its own registration and token), which makes all N edge-triggered registrations ready at once, so the poll really returns N fresh edges without any re-arming syscall. Timed with `Instant` around the poll alone (`iter_custom`) |
//! | `register_deregister` | `epoll_ctl(ADD)` + `epoll_ctl(DEL)` of one idle pipe read end |
//! | `reregister` | one `epoll_ctl(MOD)` of an idle pipe read end, alternating readable and writable interest (a read end is never writable, so nothing is queued) |
//! | `waker_eventfd` | wake then poll, on one thread: `write` of 1 to an eventfd + `epoll_wait` (timeout 1 s, returns at once) seeing its one event. corium and mio use their real `Waker` (eventfd on Linux) |
//! | `waker_pipe` | the same with a pipe: `write` of one byte + `epoll_wait`; like corium's pipe waker, bytes are drained only when the pipe is full (amortised over 64 Ki wakes). corium's pipe `Waker` exists only under `--cfg corium_force_pipe_waker` and mio's only under its own cfg, so by default both sides register the read end with their `SourceFd` and `write` the byte raw: the poll layer is what differs |
//! | `accept_connect` | nonblocking `socket` + `connect` to a loopback listener, `epoll_wait` (timeout 1 s) for the listener's readable edge, `accept4(NONBLOCK|CLOEXEC)`, `setsockopt(SO_LINGER 0)` on the client, `close` both |
//!
//! Under `--cfg corium_force_pipe_waker` the roles of the two waker groups swap: corium's
//! real `Waker` is measured in `waker_pipe`, and `waker_eventfd` emulates it.
//!
//! In `accept_connect`, `libc` and `corium` use the same raw `socket`/`connect`/`accept4`
//! calls (corium's own sockets are not used here) and differ only in the poll; `mio` uses
//! `mio::net::{TcpListener, TcpStream}`, which make the same syscalls (`socket` with
//! `SOCK_NONBLOCK | SOCK_CLOEXEC`, `connect` tolerating `EINPROGRESS`, `accept4`) plus the
//! conversion of the peer address. `SO_LINGER 0` makes the close send a reset, so no
//! connection is left in `TIME_WAIT` and a long run never runs out of ephemeral ports.
//!
//! After the groups, a summary table (median per operation, corium/libc and corium/mio
//! ratios against the targets 1.02 and 1.00) is printed and written to
//! `<target>/criterion/syscalls-summary.md` (see `support/ratio_table.rs`).
//!
//! Run: `cargo bench --bench syscalls` (a few minutes), or `cargo bench --bench syscalls --
//! --test` to run each routine once as a check.

#[cfg(target_os = "linux")]
#[path = "support/ratio_table.rs"]
mod ratio_table;

#[cfg(target_os = "linux")]
fn main() {
    imp::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("syscalls bench: compares against raw epoll, so it runs on Linux only; skipped.");
}

#[cfg(target_os = "linux")]
mod imp {
    use std::hint::black_box;
    use std::io;
    use std::net::{Ipv4Addr, SocketAddr, TcpListener};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::time::{Duration, Instant, SystemTime};

    use corium::sys as cs;
    use corium::sys::syscall;
    use criterion::Criterion;

    use crate::ratio_table::{self, RatioTable, Target};

    /// Events buffer capacity, the same on all three sides and in every group.
    const CAPACITY: usize = 1024;
    /// Registered-but-idle fds in `poll_idle`.
    const IDLE_FDS: usize = 4;
    const READY_COUNTS: [usize; 3] = [1, 64, 1024];
    /// Timeout of the polls that must see an event: long enough never to expire on a loaded
    /// machine, so a missing event fails the bench instead of hanging it.
    const BLOCK: Duration = Duration::from_secs(1);
    const BLOCK_MS: libc::c_int = 1000;

    const EP_READ: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
    const EP_WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLET) as u32;

    pub(crate) fn main() {
        ratio_table::self_check();
        raise_fd_limit(4 * CAPACITY as u64);
        // File times come from a coarse clock that can lag `now()` by a tick.
        let since = SystemTime::now() - Duration::from_millis(100);
        let mut c = Criterion::default()
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_millis(1500))
            .without_plots()
            .configure_from_args();

        let mut groups = Vec::new();
        groups.push(poll_idle(&mut c));
        for n in READY_COUNTS {
            groups.push(poll_ready(&mut c, n));
        }
        groups.push(register_deregister(&mut c));
        groups.push(reregister(&mut c));
        groups.push(waker(&mut c, "waker_eventfd", WakeKind::EventFd));
        groups.push(waker(&mut c, "waker_pipe", WakeKind::Pipe));
        groups.push(accept_connect(&mut c));
        c.final_summary();

        let table = RatioTable {
            bench: "syscalls",
            functions: &["libc", "corium", "mio"],
            anchor: "corium",
            targets: &[
                Target {
                    other: "libc",
                    max_ratio: 1.02,
                },
                Target {
                    other: "mio",
                    max_ratio: 1.00,
                },
            ],
        };
        table
            .report(&groups, since)
            .expect("could not write the syscalls summary");
    }

    // ---------------------------------------------------------------------------------------
    // The groups
    // ---------------------------------------------------------------------------------------

    fn poll_idle(c: &mut Criterion) -> String {
        let name = "poll_idle";
        let mut g = c.benchmark_group(name);
        {
            let fds = IdlePipes::new(IDLE_FDS);
            let mut ep = RawEpoll::new();
            for (i, fd) in fds.readers().enumerate() {
                ep.add(fd, i as u64, EP_READ);
            }
            g.bench_function("libc", |b| b.iter(|| assert_eq!(ep.wait(0), 0)));
        }
        {
            let fds = IdlePipes::new(IDLE_FDS);
            let (mut poll, mut events) = corium_poll();
            for (i, fd) in fds.readers().enumerate() {
                poll.registry()
                    .register(
                        &mut cs::unix::SourceFd(&fd),
                        cs::Token(i),
                        cs::Interest::READABLE,
                    )
                    .expect("corium register");
            }
            g.bench_function("corium", |b| {
                b.iter(|| {
                    poll.poll(&mut events, Some(Duration::ZERO))
                        .expect("corium poll");
                    assert!(events.is_empty());
                })
            });
        }
        {
            let fds = IdlePipes::new(IDLE_FDS);
            let (mut poll, mut events) = mio_poll();
            for (i, fd) in fds.readers().enumerate() {
                poll.registry()
                    .register(
                        &mut mio::unix::SourceFd(&fd),
                        mio::Token(i),
                        mio::Interest::READABLE,
                    )
                    .expect("mio register");
            }
            g.bench_function("mio", |b| {
                b.iter(|| {
                    poll.poll(&mut events, Some(Duration::ZERO))
                        .expect("mio poll");
                    assert!(events.is_empty());
                })
            });
        }
        g.finish();
        name.to_string()
    }

    fn poll_ready(c: &mut Criterion, n: usize) -> String {
        let name = format!("poll_ready_{n}");
        let mut g = c.benchmark_group(&name);
        {
            let src = ReadyFan::new(n);
            let mut ep = RawEpoll::new();
            for (i, fd) in src.fds().enumerate() {
                ep.add(fd, i as u64, EP_READ);
            }
            g.bench_function("libc", |b| {
                b.iter_custom(|iters| {
                    timed_polls(iters, n, &src, || {
                        let got = ep.wait(0);
                        let tokens: u64 = ep.buf[..got].iter().map(|e| e.u64).sum();
                        black_box(tokens);
                        got
                    })
                })
            });
        }
        {
            let src = ReadyFan::new(n);
            let (mut poll, mut events) = corium_poll();
            for (i, fd) in src.fds().enumerate() {
                poll.registry()
                    .register(
                        &mut cs::unix::SourceFd(&fd),
                        cs::Token(i),
                        cs::Interest::READABLE,
                    )
                    .expect("corium register");
            }
            g.bench_function("corium", |b| {
                b.iter_custom(|iters| {
                    timed_polls(iters, n, &src, || {
                        poll.poll(&mut events, Some(Duration::ZERO))
                            .expect("corium poll");
                        let tokens: usize = events.iter().map(|e| e.token().0).sum();
                        black_box(tokens);
                        events.iter().len()
                    })
                })
            });
        }
        {
            let src = ReadyFan::new(n);
            let (mut poll, mut events) = mio_poll();
            for (i, fd) in src.fds().enumerate() {
                poll.registry()
                    .register(
                        &mut mio::unix::SourceFd(&fd),
                        mio::Token(i),
                        mio::Interest::READABLE,
                    )
                    .expect("mio register");
            }
            g.bench_function("mio", |b| {
                b.iter_custom(|iters| {
                    timed_polls(iters, n, &src, || {
                        poll.poll(&mut events, Some(Duration::ZERO))
                            .expect("mio poll");
                        let tokens: usize = events.iter().map(|e| e.token().0).sum();
                        black_box(tokens);
                        events.iter().count()
                    })
                })
            });
        }
        g.finish();
        name
    }

    /// `iters` rounds of: make all `n` registrations ready (untimed), then `poll` (timed),
    /// which returns how many events it saw.
    fn timed_polls(
        iters: u64,
        n: usize,
        src: &ReadyFan,
        mut poll: impl FnMut() -> usize,
    ) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            src.fire();
            let start = Instant::now();
            let got = poll();
            total += start.elapsed();
            assert_eq!(
                got, n,
                "every registration was made ready, so all must be reported"
            );
        }
        total
    }

    fn register_deregister(c: &mut Criterion) -> String {
        let name = "register_deregister";
        let mut g = c.benchmark_group(name);
        {
            let (r, _w) = pipe();
            let ep = RawEpoll::new();
            let fd = r.as_raw_fd();
            g.bench_function("libc", |b| {
                b.iter(|| {
                    ep.add(fd, 1, EP_READ);
                    ep.del(fd);
                })
            });
        }
        {
            let (r, _w) = pipe();
            let (poll, _events) = corium_poll();
            let fd = r.as_raw_fd();
            let reg = poll.registry();
            g.bench_function("corium", |b| {
                b.iter(|| {
                    reg.register(
                        &mut cs::unix::SourceFd(&fd),
                        cs::Token(1),
                        cs::Interest::READABLE,
                    )
                    .expect("corium register");
                    reg.deregister(&mut cs::unix::SourceFd(&fd))
                        .expect("corium deregister");
                })
            });
        }
        {
            let (r, _w) = pipe();
            let (poll, _events) = mio_poll();
            let fd = r.as_raw_fd();
            let reg = poll.registry();
            g.bench_function("mio", |b| {
                b.iter(|| {
                    reg.register(
                        &mut mio::unix::SourceFd(&fd),
                        mio::Token(1),
                        mio::Interest::READABLE,
                    )
                    .expect("mio register");
                    reg.deregister(&mut mio::unix::SourceFd(&fd))
                        .expect("mio deregister");
                })
            });
        }
        g.finish();
        name.to_string()
    }

    fn reregister(c: &mut Criterion) -> String {
        let name = "reregister";
        let mut g = c.benchmark_group(name);
        {
            let (r, _w) = pipe();
            let ep = RawEpoll::new();
            let fd = r.as_raw_fd();
            ep.add(fd, 1, EP_READ);
            let mut flip = false;
            g.bench_function("libc", |b| {
                b.iter(|| {
                    flip = !flip;
                    ep.modify(fd, 1, if flip { EP_WRITE } else { EP_READ });
                })
            });
        }
        {
            let (r, _w) = pipe();
            let (poll, _events) = corium_poll();
            let fd = r.as_raw_fd();
            let reg = poll.registry();
            reg.register(
                &mut cs::unix::SourceFd(&fd),
                cs::Token(1),
                cs::Interest::READABLE,
            )
            .expect("corium register");
            let mut flip = false;
            g.bench_function("corium", |b| {
                b.iter(|| {
                    flip = !flip;
                    let interest = if flip {
                        cs::Interest::WRITABLE
                    } else {
                        cs::Interest::READABLE
                    };
                    reg.reregister(&mut cs::unix::SourceFd(&fd), cs::Token(1), interest)
                        .expect("corium reregister");
                })
            });
        }
        {
            let (r, _w) = pipe();
            let (poll, _events) = mio_poll();
            let fd = r.as_raw_fd();
            let reg = poll.registry();
            reg.register(
                &mut mio::unix::SourceFd(&fd),
                mio::Token(1),
                mio::Interest::READABLE,
            )
            .expect("mio register");
            let mut flip = false;
            g.bench_function("mio", |b| {
                b.iter(|| {
                    flip = !flip;
                    let interest = if flip {
                        mio::Interest::WRITABLE
                    } else {
                        mio::Interest::READABLE
                    };
                    reg.reregister(&mut mio::unix::SourceFd(&fd), mio::Token(1), interest)
                        .expect("mio reregister");
                })
            });
        }
        g.finish();
        name.to_string()
    }

    fn waker(c: &mut Criterion, name: &str, kind: WakeKind) -> String {
        let mut g = c.benchmark_group(name);
        {
            let wake = RawWake::new(kind);
            let mut ep = RawEpoll::new();
            ep.add(wake.read_fd(), 0, EP_READ);
            g.bench_function("libc", |b| {
                b.iter(|| {
                    wake.wake();
                    assert_eq!(ep.wait(BLOCK_MS), 1);
                })
            });
        }
        {
            let (mut poll, mut events) = corium_poll();
            // corium's real Waker is an eventfd by default and a pipe under the cfg.
            if kind == WakeKind::default_corium_waker() {
                let waker = cs::Waker::new(poll.registry(), cs::Token(0)).expect("corium waker");
                g.bench_function("corium", |b| {
                    b.iter(|| {
                        waker.wake().expect("corium wake");
                        poll.poll(&mut events, Some(BLOCK)).expect("corium poll");
                        assert_eq!(events.iter().len(), 1);
                    })
                });
            } else {
                let wake = RawWake::new(kind);
                let fd = wake.read_fd();
                poll.registry()
                    .register(
                        &mut cs::unix::SourceFd(&fd),
                        cs::Token(0),
                        cs::Interest::READABLE,
                    )
                    .expect("corium register");
                g.bench_function("corium", |b| {
                    b.iter(|| {
                        wake.wake();
                        poll.poll(&mut events, Some(BLOCK)).expect("corium poll");
                        assert_eq!(events.iter().len(), 1);
                    })
                });
            }
        }
        {
            let (mut poll, mut events) = mio_poll();
            // mio's Waker is an eventfd on Linux (a pipe only under mio's own cfg).
            if kind == WakeKind::EventFd {
                let waker = mio::Waker::new(poll.registry(), mio::Token(0)).expect("mio waker");
                g.bench_function("mio", |b| {
                    b.iter(|| {
                        waker.wake().expect("mio wake");
                        poll.poll(&mut events, Some(BLOCK)).expect("mio poll");
                        assert_eq!(events.iter().count(), 1);
                    })
                });
            } else {
                let wake = RawWake::new(kind);
                let fd = wake.read_fd();
                poll.registry()
                    .register(
                        &mut mio::unix::SourceFd(&fd),
                        mio::Token(0),
                        mio::Interest::READABLE,
                    )
                    .expect("mio register");
                g.bench_function("mio", |b| {
                    b.iter(|| {
                        wake.wake();
                        poll.poll(&mut events, Some(BLOCK)).expect("mio poll");
                        assert_eq!(events.iter().count(), 1);
                    })
                });
            }
        }
        g.finish();
        name.to_string()
    }

    fn accept_connect(c: &mut Criterion) -> String {
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
            let mut listener =
                mio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
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

    // ---------------------------------------------------------------------------------------
    // Fixtures
    // ---------------------------------------------------------------------------------------

    fn corium_poll() -> (cs::Poll, cs::Events) {
        (
            cs::Poll::new().expect("corium Poll::new"),
            cs::Events::with_capacity(CAPACITY),
        )
    }

    fn mio_poll() -> (mio::Poll, mio::Events) {
        (
            mio::Poll::new().expect("mio Poll::new"),
            mio::Events::with_capacity(CAPACITY),
        )
    }

    /// A bare epoll instance and a preallocated event array, as a C program would have.
    struct RawEpoll {
        ep: OwnedFd,
        buf: Vec<libc::epoll_event>,
    }

    impl RawEpoll {
        fn new() -> RawEpoll {
            // SAFETY: epoll_create1 takes only flags.
            let fd = syscall!(epoll_create1(libc::EPOLL_CLOEXEC)).expect("epoll_create1");
            RawEpoll {
                ep: owned(fd),
                buf: vec![libc::epoll_event { events: 0, u64: 0 }; CAPACITY],
            }
        }

        fn ctl(&self, op: libc::c_int, fd: RawFd, token: u64, events: u32) {
            let mut ev = libc::epoll_event { events, u64: token };
            // SAFETY: `ev` is a valid epoll_event that outlives the call; `self.ep` is a live
            // epoll fd; a bad `fd` is an error return (EBADF), not undefined behaviour.
            syscall!(epoll_ctl(self.ep.as_raw_fd(), op, fd, &mut ev)).expect("epoll_ctl");
        }

        fn add(&self, fd: RawFd, token: u64, events: u32) {
            self.ctl(libc::EPOLL_CTL_ADD, fd, token, events);
        }

        fn modify(&self, fd: RawFd, token: u64, events: u32) {
            self.ctl(libc::EPOLL_CTL_MOD, fd, token, events);
        }

        fn del(&self, fd: RawFd) {
            // SAFETY: DEL ignores the event pointer (Linux >= 2.6.9), so null is allowed.
            syscall!(epoll_ctl(
                self.ep.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut()
            ))
            .expect("epoll_ctl(DEL)");
        }

        /// `epoll_wait` into the array; returns how many events it holds.
        fn wait(&mut self, timeout_ms: libc::c_int) -> usize {
            // SAFETY: the array has `buf.len()` initialised entries the kernel may overwrite,
            // and `len <= CAPACITY` fits a c_int.
            let n = syscall!(epoll_wait(
                self.ep.as_raw_fd(),
                self.buf.as_mut_ptr(),
                self.buf.len() as libc::c_int,
                timeout_ms
            ))
            .expect("epoll_wait");
            n as usize
        }
    }

    /// Pipes nobody writes to: registered readable, they never become ready.
    struct IdlePipes(Vec<(OwnedFd, OwnedFd)>);

    impl IdlePipes {
        fn new(n: usize) -> IdlePipes {
            IdlePipes((0..n).map(|_| pipe()).collect())
        }

        fn readers(&self) -> impl Iterator<Item = RawFd> + '_ {
            self.0.iter().map(|(r, _)| r.as_raw_fd())
        }
    }

    /// One eventfd and `n - 1` duplicates of it. epoll keys a registration by (file, fd), so
    /// each duplicate is its own registration, and one `write` wakes all of them: `n` fresh
    /// edges for one syscall, whatever `n` is.
    struct ReadyFan {
        fds: Vec<OwnedFd>,
    }

    impl ReadyFan {
        fn new(n: usize) -> ReadyFan {
            let first = eventfd();
            let mut fds = Vec::with_capacity(n);
            for _ in 1..n {
                fds.push(first.try_clone().expect("dup eventfd (raise `ulimit -n`?)"));
            }
            fds.push(first);
            ReadyFan { fds }
        }

        fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
            self.fds.iter().map(|f| f.as_raw_fd())
        }

        fn fire(&self) {
            eventfd_add_one(self.fds[0].as_raw_fd());
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum WakeKind {
        EventFd,
        Pipe,
    }

    impl WakeKind {
        /// The mechanism of `corium::sys::Waker` in this build.
        fn default_corium_waker() -> WakeKind {
            if cfg!(corium_force_pipe_waker) {
                WakeKind::Pipe
            } else {
                WakeKind::EventFd
            }
        }
    }

    /// A waker written with raw syscalls, the way corium's eventfd and pipe wakers work:
    /// one write per wake, and a drain only when the write is refused (counter or pipe full).
    struct RawWake {
        read: OwnedFd,
        /// The pipe's write end; `None` for an eventfd (one fd for both).
        write: Option<OwnedFd>,
    }

    impl RawWake {
        fn new(kind: WakeKind) -> RawWake {
            match kind {
                WakeKind::EventFd => RawWake {
                    read: eventfd(),
                    write: None,
                },
                WakeKind::Pipe => {
                    let (r, w) = pipe();
                    RawWake {
                        read: r,
                        write: Some(w),
                    }
                }
            }
        }

        fn read_fd(&self) -> RawFd {
            self.read.as_raw_fd()
        }

        fn wake(&self) {
            match &self.write {
                None => eventfd_add_one(self.read.as_raw_fd()),
                Some(w) => {
                    if write_byte(w.as_raw_fd()).is_err() {
                        drain(self.read.as_raw_fd());
                        write_byte(w.as_raw_fd()).expect("write to a just-drained pipe");
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Raw syscalls
    // ---------------------------------------------------------------------------------------

    fn owned(fd: RawFd) -> OwnedFd {
        // SAFETY: every caller passes a descriptor a syscall has just returned to it, which
        // nothing else owns.
        unsafe { OwnedFd::from_raw_fd(fd) }
    }

    fn pipe() -> (OwnedFd, OwnedFd) {
        let mut fds = [-1; 2];
        // SAFETY: `fds` is an array of two c_ints, what pipe2 writes.
        syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC)).expect("pipe2");
        (owned(fds[0]), owned(fds[1]))
    }

    fn eventfd() -> OwnedFd {
        // SAFETY: eventfd takes an initial value and flags only.
        owned(syscall!(eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)).expect("eventfd"))
    }

    /// Adds 1 to an eventfd counter; if it is full (EAGAIN), reads it to zero and adds again.
    fn eventfd_add_one(fd: RawFd) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: `one` is 8 readable bytes, the size an eventfd write takes.
        if syscall!(write(fd, one.as_ptr().cast(), one.len())).is_err() {
            drain(fd);
            // SAFETY: as above.
            syscall!(write(fd, one.as_ptr().cast(), one.len())).expect("eventfd write");
        }
    }

    fn write_byte(fd: RawFd) -> io::Result<()> {
        // SAFETY: one readable byte from a static.
        syscall!(write(fd, b"\x01".as_ptr().cast(), 1)).map(drop)
    }

    /// Reads a nonblocking fd until it would block.
    fn drain(fd: RawFd) {
        let mut buf = [0u8; 4096];
        // SAFETY: `buf` is writable for its whole length.
        while matches!(syscall!(read(fd, buf.as_mut_ptr().cast(), buf.len())), Ok(n) if n > 0) {}
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

    /// `poll_ready_1024` holds over a thousand fds per side; the default soft limit may be 1024.
    fn raise_fd_limit(want: u64) {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `lim` is a valid rlimit to fill.
        if syscall!(getrlimit(libc::RLIMIT_NOFILE, &mut lim)).is_err() || lim.rlim_cur >= want {
            return;
        }
        lim.rlim_cur = want.min(lim.rlim_max);
        // SAFETY: `lim` is a valid rlimit whose soft limit does not exceed its hard limit.
        if let Err(e) = syscall!(setrlimit(libc::RLIMIT_NOFILE, &lim)) {
            eprintln!("could not raise the fd limit to {want}: {e}");
        }
    }
}
