//! Waking: `waker_eventfd` and `waker_pipe` (a wake, then the poll that sees it).

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use corium::sys as cs;
use corium::sys::syscall;
use criterion::Criterion;

use crate::fixtures::{
    corium_poll, drain, eventfd, eventfd_add_one, mio_poll, pipe, RawEpoll, BLOCK, BLOCK_MS,
    EP_READ,
};

pub(crate) fn waker(c: &mut Criterion, name: &str, kind: WakeKind) -> String {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WakeKind {
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

fn write_byte(fd: RawFd) -> io::Result<()> {
    // SAFETY: one readable byte from a static.
    syscall!(write(fd, b"\x01".as_ptr().cast(), 1)).map(drop)
}
