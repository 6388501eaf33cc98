//! 10,000 TCP connections open at once, both ends on corium (both flavours, one after the
//! other).
//!
//! The runtime under test holds the 10,000 server-side sockets: every one accepted, registered
//! and served by its own task, all open at the same moment. The 10,000 client ends live in a
//! child process (this test binary, run again as [`client_process`]), because both ends in
//! one process would need 20,000 descriptors and this machine's hard `RLIMIT_NOFILE` is 20,000
//! (an unprivileged process cannot raise a hard limit). The child runs a corium runtime of the
//! same flavour with 10,000 `TcpStream::connect` tasks, all spawned before any may start, so
//! corium's connect path carries the same load as its accept path.
//!
//! The listener's backlog is as large as the kernel allows (`somaxconn`, 4096 by default):
//! a burst of 10,000 connects can still overflow it, in which case the kernel drops SYNs and
//! the client retries them after its 1 s retransmission timeout. That costs time, not
//! correctness, and the test reports how long it took.
mod net_common;

use std::future::poll_fn;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use corium::runtime::Handle;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpSocket, TcpStream};
use net_common::{fd_count, raise_nofile_to_hard, report_time, run_on, runtime, watchdog, Flavor};

const WANTED: usize = 10_000;
/// Descriptors kept free for the runtime, the test harness and std.
const SPARE_FDS: usize = 100;
/// Both processes' bound; a run takes a few seconds, or one more per SYN retransmission round.
const LIMIT: Duration = Duration::from_secs(60);
/// Tells a run of this binary to be the client process: `ADDR COUNT FLAVOR`.
const CLIENT_ENV: &str = "CORIUM_TEST_CONCURRENT_CLIENT";

/// The two flavours take turns: each needs half the descriptor limit.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds tasks back until it is opened: the client spawns all its tasks first, then opens it,
/// so on a multi-thread runtime no connect starts (or finishes) while others are unspawned.
struct Gate {
    /// `None` once open; until then the wakers of the tasks waiting.
    waiting: Mutex<Option<Vec<Waker>>>,
}

impl Gate {
    fn closed() -> Gate {
        Gate {
            waiting: Mutex::new(Some(Vec::new())),
        }
    }

    async fn pass(&self) {
        poll_fn(|cx| match self.waiting.lock().unwrap().as_mut() {
            None => Poll::Ready(()),
            Some(wakers) => {
                wakers.push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }

    fn open(&self) {
        let wakers = self.waiting.lock().unwrap().take().unwrap_or_default();
        for waker in wakers {
            waker.wake();
        }
    }
}

/// Counts live members of a set and remembers the largest count it reached.
#[derive(Default)]
struct Peak {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Peak {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::CurrentThread => "current_thread",
        Flavor::MultiThread => "multi_thread",
    }
}

/// The client side, when run as a child (a no-op test otherwise): connects COUNT corium
/// streams at once on a FLAVOR runtime, sends each its id and checks the echo, keeps them all
/// open, prints `ready COUNT PEAK` (PEAK: most connects in progress at one moment), and closes
/// them all when its stdin closes.
#[test]
fn client_process() {
    let Ok(spec) = std::env::var(CLIENT_ENV) else {
        return;
    };
    let fields: Vec<&str> = spec.split(' ').collect();
    let [addr, count, flavor] = fields[..] else {
        panic!("{CLIENT_ENV} must be ADDR COUNT FLAVOR, not {spec:?}");
    };
    let addr: SocketAddr = addr.parse().expect("client address");
    let count: usize = count.parse().expect("client count");
    let flavor = match flavor {
        "current_thread" => Flavor::CurrentThread,
        "multi_thread" => Flavor::MultiThread,
        other => panic!("unknown flavour {other:?}"),
    };
    raise_nofile_to_hard();
    // The parent's watchdog cannot reach this process: it gets its own.
    watchdog(LIMIT, move || {
        let rt = runtime(flavor);
        let (streams, connecting_peak) = rt.block_on(connect_all(addr, count));
        // Straight to the pipe: `println!` would be caught by the test harness's capture.
        let mut out = std::io::stdout().lock();
        writeln!(out, "ready {} {connecting_peak}", streams.len()).unwrap();
        out.flush().unwrap();
        drop(out);
        let mut rest = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut rest);
        drop(streams);
    });
}

/// Spawns `n` tasks that each connect to `addr` and exchange their id with the echo server,
/// and opens them all at once; returns the `n` open streams and the peak number of connects
/// in progress together.
async fn connect_all(addr: SocketAddr, n: usize) -> (Vec<TcpStream>, usize) {
    let gate = Arc::new(Gate::closed());
    let connecting = Arc::new(Peak::default());
    let spawned = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (gate, connecting, all_spawned) = (gate.clone(), connecting.clone(), spawned.clone());
        tasks.push(corium::spawn(async move {
            gate.pass().await;
            connecting.enter();
            let mut stream = TcpStream::connect(addr).await.expect("client connect");
            connecting.leave();
            // The gate promises this; checked where it matters, at the first completions.
            assert_eq!(all_spawned.load(Ordering::SeqCst), n, "a connect ran early");
            let id = (i as u64).to_le_bytes();
            stream.write_all(&id).await.expect("client write id");
            let mut back = [0; 8];
            stream
                .read_exact(&mut back)
                .await
                .expect("client read echo");
            assert_eq!(back, id, "connection {i} got another's echo");
            stream
        }));
        spawned.fetch_add(1, Ordering::SeqCst);
    }
    gate.open();
    let mut streams = Vec::with_capacity(n);
    for task in tasks {
        streams.push(task.await.expect("client task"));
    }
    (streams, connecting.max())
}

async fn many_connections(n: usize, flavor: Flavor) {
    let fds_before = fd_count();
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    // The kernel clamps this to `somaxconn`; asking for `n` takes all it gives.
    let listener = socket.listen(n as u32).unwrap();
    let addr = listener.local_addr().unwrap();

    // Server: accept n connections; each handler echoes 8 bytes and holds the connection
    // until the client closes it. `live` counts the handlers between accept and EOF.
    let live = Arc::new(Peak::default());
    let server_live = live.clone();
    let server = corium::spawn(async move {
        let mut handlers = Vec::with_capacity(n);
        for _ in 0..n {
            let (mut s, _) = listener.accept().await.expect("accept");
            let live = server_live.clone();
            handlers.push(corium::spawn(async move {
                live.enter();
                let mut id = [0; 8];
                s.read_exact(&mut id).await.expect("server read id");
                s.write_all(&id).await.expect("server echo id");
                let mut rest = [0; 1];
                assert_eq!(s.read(&mut rest).await.expect("server wait for close"), 0);
                live.leave();
            }));
        }
        for h in handlers {
            h.await.expect("handler");
        }
    });

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "client_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CLIENT_ENV, format!("{addr} {n} {}", flavor_name(flavor)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the client process");
    let stdout = child.stdout.take().unwrap();
    let (ready, mut stdout) = corium::task::spawn_blocking(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // The harness may put `test client_process ... ` in front of it on the same line.
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(at) = line.find("ready ") {
                return (Some(line[at..].trim_end().to_owned()), stdout);
            }
            line.clear();
        }
        (None, stdout)
    })
    .await
    .expect("reader thread");
    let ready = ready.expect("client process failed before it was ready");
    let (connected, connecting_peak) = match ready.split(' ').collect::<Vec<_>>()[..] {
        ["ready", count, peak] => (count.parse::<usize>(), peak.parse::<usize>()),
        _ => panic!("client process: unexpected {ready:?}"),
    };
    assert_eq!(connected, Ok(n), "client round trips: {ready:?}");
    let connecting_peak = connecting_peak.expect("client's connect peak");
    // The client spawned every connect before any ran, so they overlapped; how many were in
    // progress at once depends on the scheduler, but one at a time would mean they did not.
    assert!(
        connecting_peak > 1,
        "the client's connects ran one at a time ({ready:?})"
    );

    // Every connection is open right now: the client holds its n streams, and every server
    // handler has echoed and is waiting for EOF, with a descriptor and a registration here.
    assert_eq!(
        live.now.load(Ordering::SeqCst),
        n,
        "live server connections"
    );
    let open = fd_count() - fds_before;
    assert!(open >= n, "expected {n} open server sockets, found {open}");
    let registered = Handle::current().metrics().io_registered_fds();
    assert!(
        registered >= n as u64,
        "only {registered} registrations for {n} connections"
    );
    eprintln!(
        "{n} connections open at once on this runtime ({open} new descriptors); \
         the client had up to {connecting_peak} connects in progress at once"
    );

    drop(child.stdin.take()); // the client closes everything and exits
    let status = corium::task::spawn_blocking(move || {
        // Keep reading: the child still reports its test result, and must not get EPIPE.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        child.wait()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "client process: {status}");
    server.await.expect("server");
    assert_eq!(live.max(), n, "server connections open at once");
    assert_eq!(
        live.now.load(Ordering::SeqCst),
        0,
        "a handler never saw EOF"
    );
    assert_eq!(fd_count(), fds_before, "descriptors leaked");
}

fn run(flavor: Flavor) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let hard = raise_nofile_to_hard() as usize;
    assert!(
        hard >= WANTED + fd_count() + SPARE_FDS,
        "RLIMIT_NOFILE hard limit {hard} is too low for {WANTED} connections"
    );
    let n = WANTED;
    run_on(flavor, LIMIT, move || async move {
        let start = Instant::now();
        many_connections(n, flavor).await;
        let name = flavor_name(flavor);
        report_time(&format!("{n} concurrent connections, {name}"), start);
    });
}

#[test]
fn ten_thousand_concurrent_connections_current_thread() {
    run(Flavor::CurrentThread);
}

#[test]
fn ten_thousand_concurrent_connections_multi_thread() {
    run(Flavor::MultiThread);
}
