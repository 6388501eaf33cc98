//! hyper 1.x on corium beside the same hyper server on tokio (feature `hyper`): HTTP/1.1
//! keep-alive, requests per second and the server's CPU time per request, measured side by
//! side in the same run.
//!
//! The server is one program text (`hyper_server!` in `hyper/server.rs`) expanded against
//! corium (with `corium::net::hyper_rt`) and tokio (with hyper-util's `TokioIo`/`TokioTimer`):
//! a current-thread runtime, a task per connection, hyper's `http1` connection serving
//! `GET /` with a 5-byte body. The client is the echo bench's (`echo/client.rs`): one thread,
//! no runtime, every connection keeping one request in flight and checking every response.
//!
//! For 1, 50 and 500 connections, each server gets a warm-up, then 9 windows of 1 s alternate
//! corium, tokio, ... Reported (medians): requests per second, and the server's user + kernel
//! CPU time per request (`getrusage` of the process minus the client thread's own; Linux only).
//! Targets: corium's CPU per request at most tokio's (ratio <= 1.00); requests/s are shown
//! beside it. Most of that CPU is the kernel's (both servers make the same system calls,
//! one `recvfrom` and one gathering write per request), so a single window moves by several
//! percent with the machine's load; 9 windows keep the median steadier than 5 did.
//!
//! ```text
//! cargo bench --bench hyper --features hyper    # the table, about two minutes
//! cargo test --bench hyper --features hyper     # smoke run: every server once, tiny load
//! ```
//!
//! One server alone, in its own process, for `callgrind`, `strace -c` or `perf` (`S` is `corium`
//! or `tokio`, `C` connections, `N` requests):
//!
//! ```text
//! cargo bench --bench hyper --features hyper --no-run
//! B=$(ls -t target/release/deps/hyper-* | grep -v '\.d$' | head -1)
//! strace -f -c $B --serve S --conns C &          # prints "listening ADDR"
//! $B --drive ADDR --conns C --count N
//! ```

// Shared with the echo bench, which uses the parts this bench does not.
#[allow(dead_code)]
#[path = "echo/client.rs"]
mod client;
#[path = "echo/cpu.rs"]
mod cpu;
#[path = "hyper/server.rs"]
mod server;

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::cpu::{cpu_used, raise_fd_limit};
use crate::server::{Runtime, Server};

/// How long anything waits for the other side before declaring it stuck.
const STALL: Duration = Duration::from_secs(10);

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n";

/// The response every server sends: status line first, the body last.
fn good_response(reply: &[u8]) -> bool {
    reply.starts_with(b"HTTP/1.1 200 OK\r\n") && reply.ends_with(b"\r\n\r\nhello")
}

/// The length of the server's response, from one request on a connection of its own. hyper's
/// response has a fixed length (its `date` header has a fixed format), which the client needs.
fn response_len(addr: SocketAddr) -> io::Result<usize> {
    let mut probe = std::net::TcpStream::connect(addr)?;
    probe.set_read_timeout(Some(STALL))?;
    probe.write_all(REQUEST)?;
    let mut got = Vec::new();
    let mut chunk = [0; 1024];
    while !got.ends_with(b"hello") {
        let n = probe.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("the server closed the probe connection"));
        }
        got.extend_from_slice(&chunk[..n]);
    }
    if !good_response(&got) {
        return Err(io::Error::other(format!(
            "unexpected response: {:?}",
            String::from_utf8_lossy(&got)
        )));
    }
    Ok(got.len())
}

/// One measured window: requests, elapsed time, the server's CPU time (user + kernel).
fn window(client: &mut Client, length: Duration) -> io::Result<(f64, Option<f64>)> {
    let (all0, me0) = (cpu_used(false), cpu_used(true));
    let start = Instant::now();
    let requests = client.run(u64::MAX, Some(start + length))?;
    let elapsed = start.elapsed().as_secs_f64();
    let (all1, me1) = (cpu_used(false), cpu_used(true));
    let cpu = match (all0, me0, all1, me1) {
        (Some(a0), Some(m0), Some(a1), Some(m1)) => {
            let server = a1.minus(a0).minus(m1.minus(m0));
            Some((server.user + server.sys).as_nanos() as f64 / requests.max(1) as f64)
        }
        _ => None,
    };
    Ok((requests as f64 / elapsed, cpu))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Both servers at `conns` connections: medians of (requests/s, CPU ns per request).
fn cell(conns: usize, windows: usize, length: Duration) -> io::Result<[(f64, Option<f64>); 2]> {
    let servers = [Runtime::Corium, Runtime::Tokio]
        .map(|rt| Server::start(rt, conns + 1))
        .into_iter()
        .collect::<io::Result<Vec<_>>>()?;
    let mut clients = Vec::new();
    for server in &servers {
        let len = response_len(server.addr)?;
        clients.push(Client::connect_request(
            server.addr,
            conns,
            REQUEST,
            len,
            good_response,
        )?);
    }
    for client in &mut clients {
        client.run(u64::MAX, Some(Instant::now() + length / 2))?;
    }
    let mut results = [Vec::new(), Vec::new()];
    for _ in 0..windows {
        for (client, result) in clients.iter_mut().zip(&mut results) {
            result.push(window(client, length)?);
        }
    }
    drop(clients);
    for server in servers {
        server.join()?;
    }
    Ok(results.map(|r| {
        let rate = median(r.iter().map(|w| w.0).collect());
        let cpu: Vec<f64> = r.iter().filter_map(|w| w.1).collect();
        (rate, (!cpu.is_empty()).then(|| median(cpu)))
    }))
}

/// The value after `name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> io::Result<&'a str> {
    let at = args.iter().position(|a| a == name);
    at.and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{name} needs a value")))
}

fn number(args: &[String], name: &str) -> io::Result<usize> {
    let text = flag(args, name)?;
    text.parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{name} {text:?}: {e}")))
}

/// `--serve corium|tokio --conns C`: one server in this process (for `callgrind`, `strace -c`
/// or `perf` to see it alone), serving the probe and `C` client connections; prints its address.
fn serve_by_hand(args: &[String]) -> io::Result<()> {
    let runtime = match flag(args, "--serve")? {
        "corium" => Runtime::Corium,
        "tokio" => Runtime::Tokio,
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("--serve: corium or tokio, not {other:?}"),
            ))
        }
    };
    let server = Server::start(runtime, number(args, "--conns")? + 1)?;
    println!("listening {}", server.addr);
    server.join()
}

/// `--drive ADDR --conns C --count N`: the bench's client against a `--serve` process, for `N`
/// requests in all; prints how many it completed.
fn drive_by_hand(args: &[String]) -> io::Result<()> {
    let addr = flag(args, "--drive")?
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("--drive: {e}")))?;
    let len = response_len(addr)?;
    let mut client =
        Client::connect_request(addr, number(args, "--conns")?, REQUEST, len, good_response)?;
    let done = client.run(number(args, "--count")? as u64, None)?;
    println!("{done} requests");
    Ok(())
}

fn main() -> io::Result<()> {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--serve") {
        return serve_by_hand(&args);
    }
    if args.iter().any(|a| a == "--drive") {
        return drive_by_hand(&args);
    }
    let bench = std::env::args().any(|a| a == "--bench");
    let (windows, length, loads) = if bench {
        (9, Duration::from_secs(1), vec![1, 50, 500])
    } else {
        // `cargo test`: every server once, briefly.
        (1, Duration::from_millis(50), vec![1, 5])
    };
    let mut rows = Vec::new();
    for conns in loads {
        let [corium, tokio] = cell(conns, windows, length)?;
        rows.push((conns, corium, tokio));
    }
    println!(
        "\nhyper HTTP/1.1 keep-alive, current-thread servers (median of {windows} windows of \
         {length:?}); target: corium CPU/request <= tokio's\n"
    );
    println!(
        "{:>6}  {:>12} {:>12} {:>6}  {:>13} {:>13} {:>14}",
        "conns",
        "corium req/s",
        "tokio req/s",
        "ratio",
        "corium CPU/req",
        "tokio CPU/req",
        "ratio (<=1.00)"
    );
    for (conns, corium, tokio) in rows {
        let cpu = |c: Option<f64>| c.map_or("-".to_string(), |ns| format!("{:.1} µs", ns / 1e3));
        let cpu_ratio = match (corium.1, tokio.1) {
            (Some(c), Some(t)) => {
                let r = c / t;
                format!("{r:.2} {}", if r <= 1.0 { "PASS" } else { "MISS" })
            }
            _ => "-".to_string(),
        };
        println!(
            "{conns:>6}  {:>12.0} {:>12.0} {:>6.2}  {:>13} {:>13} {:>14}",
            corium.0,
            tokio.0,
            corium.0 / tokio.0,
            cpu(corium.1),
            cpu(tokio.1),
            cpu_ratio
        );
    }
    Ok(())
}
