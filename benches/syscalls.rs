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
#[path = "syscalls/accept.rs"]
mod accept;
#[cfg(target_os = "linux")]
#[path = "syscalls/ctl.rs"]
mod ctl;
#[cfg(target_os = "linux")]
#[path = "syscalls/fixtures.rs"]
mod fixtures;
#[cfg(target_os = "linux")]
#[path = "syscalls/poll.rs"]
mod poll;
#[cfg(target_os = "linux")]
#[path = "support/ratio_table.rs"]
mod ratio_table;
#[cfg(target_os = "linux")]
#[path = "syscalls/waker.rs"]
mod waker;

#[cfg(target_os = "linux")]
fn main() {
    imp::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("syscalls bench: compares against raw epoll, so it runs on Linux only; skipped.");
}

/// The driver: every group in order, then the ratio table.
#[cfg(target_os = "linux")]
mod imp {
    use std::time::{Duration, SystemTime};

    use criterion::Criterion;

    use crate::accept::accept_connect;
    use crate::ctl::{register_deregister, reregister};
    use crate::fixtures::{raise_fd_limit, CAPACITY};
    use crate::poll::{poll_idle, poll_ready};
    use crate::ratio_table::{self, RatioTable, Target};
    use crate::waker::{waker, WakeKind};

    const READY_COUNTS: [usize; 3] = [1, 64, 1024];

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
}
