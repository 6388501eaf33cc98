//! 10,000 TCP connections open at once on one runtime (both flavours, one after the other:
//! each run needs two descriptors per connection, so they cannot overlap).
//!
//! Both ends live in this process, so 10,000 connections need 20,000 descriptors plus the
//! runtime's own. The test raises the soft `RLIMIT_NOFILE` to the hard limit; if the hard
//! limit is too low it says so on stderr and runs the largest count that fits — and asserts
//! that every one of those connections was open at the same moment.

mod net_common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use corium::runtime::Handle;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpSocket, TcpStream};
use net_common::{fd_count, raise_nofile_to_hard, report_time, run_on, Flavor};

const WANTED: usize = 10_000;
/// Descriptors kept free for the runtime, the test harness and std.
const SPARE_FDS: usize = 100;
/// Connections started at once: well under the listener's backlog, so no SYN is dropped.
const WAVE: usize = 256;
const LIMIT: Duration = Duration::from_secs(120);

/// The two flavours take turns: each needs most of the descriptor limit.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How many connections fit, reporting loudly if that is fewer than wanted.
fn connections_that_fit() -> usize {
    let hard = raise_nofile_to_hard() as usize;
    let reserved = fd_count() + SPARE_FDS;
    let fit = hard.saturating_sub(reserved) / 2;
    if fit < WANTED {
        eprintln!(
            "NOTE: RLIMIT_NOFILE hard limit is {hard}, below the {} needed for {WANTED} \
             connections with both ends in one process; running {fit} concurrent \
             connections instead (the most that fit)",
            2 * WANTED + reserved
        );
    }
    fit.min(WANTED)
}

async fn many_connections(n: usize) {
    let fds_before = fd_count();
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(4096).unwrap();
    let addr = listener.local_addr().unwrap();

    // Server: accept n connections; each handler echoes 8 bytes and holds the connection
    // until the client closes it.
    let server = corium::spawn(async move {
        let mut handlers = Vec::with_capacity(n);
        for _ in 0..n {
            let (mut s, _) = listener.accept().await.expect("accept");
            handlers.push(corium::spawn(async move {
                let mut id = [0; 8];
                s.read_exact(&mut id).await.expect("server read id");
                s.write_all(&id).await.expect("server echo id");
                let mut rest = [0; 1];
                assert_eq!(s.read(&mut rest).await.expect("server wait for close"), 0);
            }));
        }
        for h in handlers {
            h.await.expect("handler");
        }
    });

    // Clients, in waves; every stream is kept, so all n are open at the end.
    let mut streams: Vec<TcpStream> = Vec::with_capacity(n);
    let mut next = 0;
    while next < n {
        let wave: Vec<_> = (next..(next + WAVE).min(n))
            .map(|i| {
                corium::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.expect("connect");
                    let id = (i as u64).to_le_bytes();
                    s.write_all(&id).await.expect("client write id");
                    let mut back = [0; 8];
                    s.read_exact(&mut back).await.expect("client read echo");
                    assert_eq!(back, id, "connection {i} got another's echo");
                    s
                })
            })
            .collect();
        next += wave.len();
        for h in wave {
            streams.push(h.await.expect("client task"));
        }
    }

    // Every connection is open right now: both ends hold a descriptor and a registration.
    assert_eq!(streams.len(), n);
    let open = fd_count() - fds_before;
    assert!(
        open >= 2 * n,
        "expected {} open sockets, found {open}",
        2 * n
    );
    let registered = Handle::current().metrics().io_registered_fds();
    assert!(
        registered >= 2 * n as u64,
        "only {registered} registrations for {n} connections"
    );
    eprintln!("{n} connections open at once ({open} new descriptors)");

    drop(streams);
    server.await.expect("server");
    assert_eq!(fd_count(), fds_before, "descriptors leaked");
}

fn run(flavor: Flavor, name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let n = connections_that_fit();
    assert!(
        n >= 1000,
        "fewer than 1000 connections fit: raise RLIMIT_NOFILE"
    );
    let name = name.to_owned();
    run_on(flavor, LIMIT, move || async move {
        let start = Instant::now();
        many_connections(n).await;
        report_time(&format!("{n} concurrent connections, {name}"), start);
    });
}

#[test]
fn ten_thousand_concurrent_connections_current_thread() {
    run(Flavor::CurrentThread, "current_thread");
}

#[test]
fn ten_thousand_concurrent_connections_multi_thread() {
    run(Flavor::MultiThread, "multi_thread");
}
