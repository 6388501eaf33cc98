//! 10,000 TCP connections open at once on one runtime (both flavours, one after the other).
//!
//! The runtime under test holds the 10,000 server-side sockets: every one accepted, registered
//! and served by its own task, all open at the same moment. The 10,000 client ends live in a
//! child process (this test binary, run again as [`client_process`]), because both ends in
//! one process would need 20,000 descriptors and this machine's hard `RLIMIT_NOFILE` is 20,000
//! (an unprivileged process cannot raise a hard limit).

mod net_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use corium::runtime::Handle;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::TcpSocket;
use net_common::{fd_count, raise_nofile_to_hard, report_time, run_on, Flavor};

const WANTED: usize = 10_000;
/// Descriptors kept free for the runtime, the test harness and std.
const SPARE_FDS: usize = 100;
const LIMIT: Duration = Duration::from_secs(120);
/// Tells a run of this binary to be the client process: `ADDR COUNT`.
const CLIENT_ENV: &str = "CORIUM_TEST_CONCURRENT_CLIENT";

/// The two flavours take turns: each needs half the descriptor limit.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The client side, when run as a child (a no-op test otherwise): opens COUNT connections,
/// sends each its id and checks the echo, keeps them all open, prints `ready`, and closes
/// them all when its stdin closes.
#[test]
fn client_process() {
    let Ok(spec) = std::env::var(CLIENT_ENV) else {
        return;
    };
    let (addr, count) = spec.split_once(' ').expect("ADDR COUNT");
    let addr: SocketAddr = addr.parse().expect("client address");
    let count: usize = count.parse().expect("client count");
    raise_nofile_to_hard();
    let mut streams = Vec::with_capacity(count);
    for i in 0..count {
        let mut s = std::net::TcpStream::connect(addr).expect("client connect");
        let id = (i as u64).to_le_bytes();
        s.write_all(&id).expect("client write id");
        let mut back = [0; 8];
        s.read_exact(&mut back).expect("client read echo");
        assert_eq!(back, id, "connection {i} got another's echo");
        streams.push(s);
    }
    // Straight to the pipe: `println!` would be caught by the test harness's capture.
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready {}", streams.len()).unwrap();
    out.flush().unwrap();
    drop(out);
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
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

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "client_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CLIENT_ENV, format!("{addr} {n}"))
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
    assert_eq!(
        ready.as_deref(),
        Some(format!("ready {n}").as_str()),
        "client process failed"
    );

    // Every connection is open right now: a descriptor and a registration each, here.
    let open = fd_count() - fds_before;
    assert!(open >= n, "expected {n} open server sockets, found {open}");
    let registered = Handle::current().metrics().io_registered_fds();
    assert!(
        registered >= n as u64,
        "only {registered} registrations for {n} connections"
    );
    eprintln!("{n} connections open at once on this runtime ({open} new descriptors)");

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
    assert_eq!(fd_count(), fds_before, "descriptors leaked");
}

fn run(flavor: Flavor, name: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let hard = raise_nofile_to_hard() as usize;
    assert!(
        hard >= WANTED + fd_count() + SPARE_FDS,
        "RLIMIT_NOFILE hard limit {hard} is too low for {WANTED} connections"
    );
    let n = WANTED;
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
