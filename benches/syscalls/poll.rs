//! Polling: `poll_idle` (nothing ready) and `poll_ready_N` (N fresh edges in one poll).

use std::hint::black_box;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use corium::sys as cs;
use criterion::Criterion;

use crate::fixtures::{corium_poll, eventfd, eventfd_add_one, mio_poll, pipe, RawEpoll, EP_READ};

/// Registered-but-idle fds in `poll_idle`.
const IDLE_FDS: usize = 4;

pub(crate) fn poll_idle(c: &mut Criterion) -> String {
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

pub(crate) fn poll_ready(c: &mut Criterion, n: usize) -> String {
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
fn timed_polls(iters: u64, n: usize, src: &ReadyFan, mut poll: impl FnMut() -> usize) -> Duration {
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
