//! Registration: `register_deregister` (`epoll_ctl` ADD + DEL) and `reregister` (MOD).

use std::os::fd::AsRawFd;

use corium::sys as cs;
use criterion::Criterion;

use crate::fixtures::{corium_poll, mio_poll, pipe, RawEpoll, EP_READ, EP_WRITE};

pub(crate) fn register_deregister(c: &mut Criterion) -> String {
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

pub(crate) fn reregister(c: &mut Criterion) -> String {
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
