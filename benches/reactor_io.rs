//! Reactor I/O benchmarks: corium's I/O driver beside the bare selector and tokio.
//!
//! Each group has three functions doing the same work:
//!
//! * `corium` — `corium_reactor` (`Driver`, `PollEvented`/`Registration`), turned by hand on
//!   the bench thread;
//! * `sys` — the same syscalls through `corium_selector_sys` alone (no reactor): the floor, so
//!   `corium / sys` is the cost of the reactor layer;
//! * `tokio` — the same through a current-thread tokio runtime (`UnixStream::readable`,
//!   `AsyncFd`), timed inside one `block_on` so the runtime's own scheduling is included, as
//!   corium's driver turn is.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `readiness_set_wake` | the peer writes 1 byte; the driver/selector/runtime waits for the edge; the reactor sets readiness (tick bump) and wakes the stored waker; the reader reads the byte, reads again to `WouldBlock`, clears readiness and stores its waker again |
//! | `registration_create_drop` | register one idle socket for readable, deregister it, drop the registration; every 16th iteration the driver turns once (corium) or the task yields (tokio) so released slots are freed, as both reactors batch releases by 16 |
//!
//! After the groups a summary table (median per operation; corium/sys and corium/tokio ratios
//! against their targets) is printed and written to `<target>/criterion/reactor_io-summary.md`
//! (see `support/ratio_table.rs`).
//!
//! Run: `cargo bench --bench reactor_io` (about half a minute), or `cargo bench --bench
//! reactor_io -- --test` to run each routine once.

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::task::{Context, Waker};
use std::time::{Duration, Instant, SystemTime};

use corium_reactor::{Config, Driver, Interest, PollEvented, Registration};
use corium_selector_sys as cs;
use criterion::Criterion;

use crate::ratio_table::{RatioTable, Target};

/// Long enough never to expire on a loaded machine: a missing event fails instead of hanging.
const BLOCK: Duration = Duration::from_secs(1);
/// Releases per driver turn in `registration_create_drop` (the reactors' own batch size).
const RELEASE_BATCH: u64 = 16;

/// A nonblocking socket as a corium source.
struct Sock(UnixStream);

impl cs::event::Source for Sock {
    fn register(&mut self, r: &cs::Registry, t: cs::Token, i: cs::Interest) -> io::Result<()> {
        cs::unix::SourceFd(&self.0.as_raw_fd()).register(r, t, i)
    }
    fn reregister(&mut self, r: &cs::Registry, t: cs::Token, i: cs::Interest) -> io::Result<()> {
        cs::unix::SourceFd(&self.0.as_raw_fd()).reregister(r, t, i)
    }
    fn deregister(&mut self, r: &cs::Registry) -> io::Result<()> {
        cs::unix::SourceFd(&self.0.as_raw_fd()).deregister(r)
    }
}

fn nonblocking_pair() -> (UnixStream, UnixStream) {
    let (ours, peer) = UnixStream::pair().expect("socketpair");
    ours.set_nonblocking(true).expect("set_nonblocking");
    (ours, peer)
}

/// Reads the one byte the peer sent, then reads to `WouldBlock`, as a drained reader does.
fn read_one_then_would_block(mut stream: &UnixStream) {
    let mut buf = [0u8; 8];
    assert_eq!(stream.read(&mut buf).expect("read"), 1);
    let again = stream.read(&mut buf).expect_err("second read must block");
    assert_eq!(again.kind(), io::ErrorKind::WouldBlock);
}

fn main() {
    ratio_table::self_check();
    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .without_plots()
        .configure_from_args();

    let groups = vec![readiness_set_wake(&mut c), registration_create_drop(&mut c)];
    c.final_summary();

    let table = RatioTable {
        bench: "reactor_io",
        functions: &["corium", "sys", "tokio"],
        anchor: "corium",
        targets: &[
            Target {
                other: "sys",
                max_ratio: 1.15,
            },
            Target {
                other: "tokio",
                max_ratio: 1.00,
            },
        ],
    };
    table
        .report(&groups, since)
        .expect("could not write the reactor_io summary");
}

fn readiness_set_wake(c: &mut Criterion) -> String {
    let name = "readiness_set_wake";
    let mut g = c.benchmark_group(name);
    {
        let mut driver = Driver::new(Config::default()).unwrap();
        let (ours, mut peer) = nonblocking_pair();
        let io = PollEvented::new_with_interest_and_handle(
            Sock(ours),
            Interest::READABLE,
            driver.handle(),
        )
        .unwrap();
        let reg = io.registration();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(reg.poll_read_ready(&mut cx).is_pending());
        g.bench_function("corium", |b| {
            b.iter(|| {
                peer.write_all(b"x").unwrap();
                assert_eq!(driver.turn(Some(BLOCK)).unwrap(), 1);
                let event = match reg.poll_read_ready(&mut cx) {
                    std::task::Poll::Ready(ev) => ev.unwrap(),
                    std::task::Poll::Pending => panic!("event delivered but not ready"),
                };
                read_one_then_would_block(&io.get_ref().0);
                reg.clear_readiness(event);
                assert!(reg.poll_read_ready(&mut cx).is_pending());
            })
        });
    }
    {
        let mut poll = cs::Poll::new().unwrap();
        let mut events = cs::Events::with_capacity(1024);
        let (ours, mut peer) = nonblocking_pair();
        let fd = ours.as_raw_fd();
        poll.registry()
            .register(
                &mut cs::unix::SourceFd(&fd),
                cs::Token(0),
                cs::Interest::READABLE,
            )
            .unwrap();
        g.bench_function("sys", |b| {
            b.iter(|| {
                peer.write_all(b"x").unwrap();
                poll.poll(&mut events, Some(BLOCK)).unwrap();
                assert_eq!(events.iter().count(), 1);
                read_one_then_would_block(&ours);
            })
        });
    }
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let (ours, mut peer) = nonblocking_pair();
        let stream = {
            let _guard = rt.enter();
            tokio::net::UnixStream::from_std(ours).unwrap()
        };
        g.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    let mut buf = [0u8; 8];
                    for _ in 0..iters {
                        peer.write_all(b"x").unwrap();
                        stream.readable().await.unwrap();
                        assert_eq!(stream.try_read(&mut buf).unwrap(), 1);
                        let again = stream.try_read(&mut buf).unwrap_err();
                        assert_eq!(again.kind(), io::ErrorKind::WouldBlock);
                    }
                    start.elapsed()
                })
            })
        });
    }
    g.finish();
    name.to_string()
}

fn registration_create_drop(c: &mut Criterion) -> String {
    let name = "registration_create_drop";
    let mut g = c.benchmark_group(name);
    {
        let mut driver = Driver::new(Config::default()).unwrap();
        let handle = driver.handle();
        let (ours, _peer) = nonblocking_pair();
        let mut sock = Sock(ours);
        let mut since_turn: u64 = 0;
        g.bench_function("corium", |b| {
            b.iter(|| {
                let mut reg = Registration::new_with_interest_and_handle(
                    &mut sock,
                    Interest::READABLE,
                    handle.clone(),
                )
                .unwrap();
                reg.deregister(&mut sock).unwrap();
                drop(reg);
                since_turn += 1;
                if since_turn == RELEASE_BATCH {
                    since_turn = 0;
                    driver.turn(Some(Duration::ZERO)).unwrap();
                }
            })
        });
        driver.turn(Some(Duration::ZERO)).unwrap();
        assert_eq!(handle.metrics().registered_fds, 0);
    }
    {
        let poll = cs::Poll::new().unwrap();
        let (ours, _peer) = nonblocking_pair();
        let fd = ours.as_raw_fd();
        g.bench_function("sys", |b| {
            b.iter(|| {
                let mut source = cs::unix::SourceFd(&fd);
                poll.registry()
                    .register(&mut source, cs::Token(0), cs::Interest::READABLE)
                    .unwrap();
                poll.registry().deregister(&mut source).unwrap();
            })
        });
    }
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let (ours, _peer) = nonblocking_pair();
        let mut slot = Some(ours);
        g.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    let mut since_yield = 0;
                    for _ in 0..iters {
                        // Deprecated in newer tokio (I/O safety); sound here: the AsyncFd owns
                        // the socket and `into_inner` deregisters it before it can be closed.
                        #[allow(deprecated)]
                        let fd = tokio::io::unix::AsyncFd::with_interest(
                            slot.take().unwrap(),
                            tokio::io::Interest::READABLE,
                        )
                        .unwrap();
                        slot = Some(fd.into_inner());
                        since_yield += 1;
                        if since_yield == RELEASE_BATCH {
                            since_yield = 0;
                            tokio::task::yield_now().await;
                        }
                    }
                    start.elapsed()
                })
            })
        });
    }
    g.finish();
    name.to_string()
}
