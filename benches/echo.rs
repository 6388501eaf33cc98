//! Echo over loopback: corium's runtime and net types beside tokio's, in the same run.
//!
//! The server is *one* program text (`echo_server!` in `echo/server.rs`), expanded once against
//! `corium` and once against `tokio`: a task per connection reading into a 16 KiB buffer and
//! `write_all`-ing what it read, `TCP_NODELAY` on. Both runtime flavours are measured
//! (current-thread, and multi-thread with 2 workers). The client (`echo/client.rs`) is the
//! *same* for both servers and uses neither runtime: a plain edge-triggered poll loop on the
//! bench's main thread, built on `corium::sys` only (the bare selector), every connection
//! keeping exactly one message in flight. So only the server differs between the columns.
//!
//! Matrix: 1, 50 and 1,000 connections × 64 B and 16 KiB messages × 2 flavours. For each cell
//! both servers run side by side (the idle one parks and costs nothing), each gets a warm-up,
//! then three measured windows alternate corium, tokio, corium, ... so drift on the shared
//! machine hits both alike. Reported per runtime (medians of the windows):
//!
//! * round trips per second;
//! * the server's user-space CPU time per round trip, and its user + kernel total:
//!   `getrusage(RUSAGE_SELF)` over the window minus the client thread's own
//!   `getrusage(RUSAGE_THREAD)`. The process holds nothing else that runs, so the rest is the
//!   server's threads (workers, the `block_on` thread). Linux only; elsewhere shown as `-`.
//!   The total is exact; the kernel splits it into user and kernel time by sampling ticks, so
//!   on loopback, where ~90% of the time is kernel time, the user figure is noisy (tens of
//!   percent between windows). The exact user-space figure is callgrind's, below.
//!
//! After the run every server is checked to have echoed exactly the bytes the client counted.
//! The table gives corium/tokio ratios against the targets: throughput ≥ 1.00× tokio's, and
//! user CPU per round trip ≤ 0.50× tokio's (the instruction target, measured exactly below).
//! It is also written to `<target>/criterion/echo-summary.md`.
//!
//! # Running
//!
//! ```text
//! cargo bench --bench echo                   # the matrix, about 2 minutes
//! cargo bench --bench echo -- --callgrind    # instructions per round trip, about 3 minutes
//! cargo bench --bench echo -- --callgrind --uninit  # the same, reads into uninitialised memory
//! cargo bench --bench echo --features trace -- --budget   # syscalls per round trip, seconds
//! cargo test --bench echo                    # smoke run: every server once, tiny load
//! ```
//!
//! # Instructions per round trip (callgrind)
//!
//! `--callgrind` runs each server kind under callgrind in a child process (so the client's
//! instructions are not counted) and drives it from this process: once with a short load to
//! measure start-up and shut-down, then three times with the full load; it reports the median
//! of `(Ir(full) - Ir(short)) / (extra round trips)`. The load is paced (bursts of one round
//! trip per connection, 2 ms apart; see `echo/callgrind.rs` for why), `--saturated` runs it
//! closed-loop instead. One run by hand, for kind `K` (`corium-current`, `corium-multi`,
//! `tokio-current`, `tokio-multi`), `C` connections and `N` round trips:
//!
//! ```text
//! cargo bench --bench echo --no-run
//! B=$(ls -t target/release/deps/echo-* | grep -v '\.d$' | head -1)
//! valgrind --tool=callgrind --callgrind-out-file=echo-K.out $B --serve K --conns C &
//! #   ... prints "listening ADDR"; then, with the same client as the matrix:
//! $B --drive ADDR --conns C --size 64 --count N     # add --saturated for the closed loop
//! callgrind_annotate echo-K.out | head -60          # the costliest functions, self cost
//! ```
//!
//! With `--uninit`, each row runs corium's server as usual, then corium's and tokio's reading
//! with `read_buf` into a `Vec::with_capacity` (uninitialised memory, as hyper's read cursor or
//! a `BytesMut`), and reports corium's uninitialised/initialised ratio: a runtime that zeroes
//! a buffer before reading into it pays a memset per poll there. Kinds `K-uninit` select that
//! server by hand.
//!
//! The bench's own output files are kept in `<target>/criterion/echo-callgrind/`.
//!
//! # Syscalls per round trip (`--budget`)
//!
//! `--budget` (needs `--features trace`) counts corium's server's syscalls by kind per round
//! trip, current-thread and multi-thread, beside a raw-epoll server on libc (the floor), and
//! writes the table to `<target>/criterion/echo-budget.md`; see `echo/budget.rs`.

#[cfg(any(target_os = "linux", target_os = "android"))]
#[path = "echo/budget.rs"]
mod budget;
#[path = "echo/callgrind.rs"]
mod callgrind;
#[path = "echo/client.rs"]
mod client;
#[path = "echo/cpu.rs"]
mod cpu;
#[path = "support/ratio_table.rs"]
mod ratio_table;
#[cfg(any(target_os = "linux", target_os = "android"))]
#[path = "echo/raw_server.rs"]
mod raw_server;
#[path = "echo/server.rs"]
mod server;

use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::budget::{budget_mode, smoke as budget_smoke};
use crate::client::Client;
use crate::cpu::{cpu_used, raise_fd_limit, Cpu};
use crate::server::{Kind, Server, WORKERS};

/// How long anything waits for the other side before declaring it stuck.
const STALL: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// One measured window.
#[derive(Debug, Clone, Copy)]
struct Window {
    rounds: u64,
    elapsed: Duration,
    cpu: Option<Cpu>,
}

impl Window {
    fn rate(&self) -> f64 {
        self.rounds as f64 / self.elapsed.as_secs_f64()
    }

    fn user_ns(&self) -> Option<f64> {
        self.cpu
            .map(|c| c.user.as_nanos() as f64 / self.rounds.max(1) as f64)
    }

    /// User plus kernel time: the kernel measures this sum exactly, unlike its split.
    fn total_ns(&self) -> Option<f64> {
        self.cpu
            .map(|c| (c.user + c.sys).as_nanos() as f64 / self.rounds.max(1) as f64)
    }
}

/// Runs the client for `length` and charges the process's CPU, less the client's, to the server.
fn measure(client: &mut Client, length: Duration) -> io::Result<Window> {
    let (all0, me0) = (cpu_used(false), cpu_used(true));
    let start = Instant::now();
    let rounds = client.run(u64::MAX, Some(start + length))?;
    let elapsed = start.elapsed();
    let (all1, me1) = (cpu_used(false), cpu_used(true));
    let cpu = match (all0, me0, all1, me1) {
        (Some(a0), Some(m0), Some(a1), Some(m1)) => Some(a1.minus(a0).minus(m1.minus(m0))),
        _ => None,
    };
    Ok(Window {
        rounds,
        elapsed,
        cpu,
    })
}

/// A matrix cell's result: the windows of corium's server and tokio's.
struct Cell {
    label: String,
    corium: Vec<Window>,
    tokio: Vec<Window>,
}

/// Both servers of one flavour side by side, `conns` connections of `size` bytes to each.
fn run_cell(
    workers: usize,
    conns: usize,
    size: usize,
    windows: usize,
    warm_up: Duration,
    length: Duration,
) -> io::Result<Cell> {
    let kinds = [Kind::new(true, workers), Kind::new(false, workers)];
    let servers = kinds
        .iter()
        .map(|&k| Server::start(k, conns))
        .collect::<io::Result<Vec<_>>>()?;
    let mut clients = servers
        .iter()
        .map(|s| Client::connect(s.addr, conns, size))
        .collect::<io::Result<Vec<_>>>()?;
    for client in &mut clients {
        client.run(u64::MAX, Some(Instant::now() + warm_up))?;
    }
    let mut results = [Vec::new(), Vec::new()];
    for _ in 0..windows {
        for (client, result) in clients.iter_mut().zip(&mut results) {
            result.push(measure(client, length)?);
        }
    }
    // Closing the client's sockets ends every server connection; each server then returns
    // what it echoed, which must be exactly what the client counted.
    for ((server, client), kind) in servers.into_iter().zip(clients).zip(kinds) {
        let expected = client.total * size as u64;
        drop(client);
        let echoed = server.join()?;
        if echoed != expected {
            return Err(io::Error::other(format!(
                "{}: server echoed {echoed} bytes, client counted {expected}",
                kind.name()
            )));
        }
    }
    let [corium, tokio] = results;
    Ok(Cell {
        label: format!(
            "{} {:>4} conn × {}",
            kinds[0].flavour(),
            conns,
            if size >= 1024 {
                format!("{} KiB", size / 1024)
            } else {
                format!("{size} B")
            }
        ),
        corium,
        tokio,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// `"1.23 PASS"`; a `~` when the spread of the windows reaches both sides of the target.
/// `higher_is_better` flips the comparison (throughput).
fn verdict(anchor: &[f64], other: &[f64], target: f64, higher_is_better: bool) -> String {
    if anchor.is_empty() || other.is_empty() {
        return "-".to_string();
    }
    let ratio = median(anchor.to_vec()) / median(other.to_vec());
    let (amin, amax) = min_max(anchor);
    let (omin, omax) = min_max(other);
    let (lo, hi) = (amin / omax, amax / omin);
    let pass = if higher_is_better {
        ratio >= target
    } else {
        ratio <= target
    };
    let noisy = lo < target && hi > target;
    format!(
        "{ratio:.2} {}{}",
        if pass { "PASS" } else { "MISS" },
        if noisy { "~" } else { "" }
    )
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

fn table(cells: &[Cell]) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "server flavour, load",
        "corium rt/s",
        "tokio rt/s",
        "rt/s ratio (>= 1.00)",
        "corium user/rt",
        "tokio user/rt",
        "user CPU ratio (<= 0.50)",
        "corium cpu/rt",
        "tokio cpu/rt",
        "cpu ratio",
    ]
    .map(String::from)
    .to_vec()];
    for cell in cells {
        let rates = |w: &[Window]| w.iter().map(Window::rate).collect::<Vec<_>>();
        let users = |w: &[Window]| w.iter().filter_map(Window::user_ns).collect::<Vec<_>>();
        let totals = |w: &[Window]| w.iter().filter_map(Window::total_ns).collect::<Vec<_>>();
        let ns = |v: Vec<f64>| {
            if v.is_empty() {
                "-".to_string()
            } else {
                ratio_table::format_ns(median(v))
            }
        };
        rows.push(vec![
            cell.label.clone(),
            format!("{:.0}", median(rates(&cell.corium))),
            format!("{:.0}", median(rates(&cell.tokio))),
            verdict(&rates(&cell.corium), &rates(&cell.tokio), 1.0, true),
            ns(users(&cell.corium)),
            ns(users(&cell.tokio)),
            verdict(&users(&cell.corium), &users(&cell.tokio), 0.5, false),
            ns(totals(&cell.corium)),
            ns(totals(&cell.tokio)),
            match (totals(&cell.corium), totals(&cell.tokio)) {
                (c, t) if !c.is_empty() && !t.is_empty() => {
                    format!("{:.2}", median(c) / median(t))
                }
                _ => "-".to_string(),
            },
        ]);
    }
    rows
}

fn render_text(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let w = widths[c];
            if c == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.push('\n');
    }
    out
}

fn render_markdown(rows: &[Vec<String>], legend: &str) -> String {
    let mut md = String::from(
        "# `echo` bench summary\n\nMedians over the measured windows \
         (`cargo bench --bench echo`).\n\n",
    );
    for (i, row) in rows.iter().enumerate() {
        let _ = writeln!(md, "| {} |", row.join(" | "));
        if i == 0 {
            let rule: Vec<&str> = (0..row.len())
                .map(|j| if j == 0 { "---" } else { "---:" })
                .collect();
            let _ = writeln!(md, "| {} |", rule.join(" | "));
        }
    }
    let _ = writeln!(md, "\n{legend}");
    md
}

const LEGEND: &str = "rt = round trip (one message out, its echo back). user: the server's \
user-space CPU time per round trip; cpu: user + kernel (getrusage: process minus the client \
thread). The kernel splits the exact total into user and kernel by sampling ticks, and on \
loopback ~90% is kernel time, so the user column is noisy: callgrind (--callgrind) counts \
user-space instructions exactly. Ratios are corium over \
tokio of the medians; a `~` marks a verdict the spread of the windows could flip.";

fn matrix() -> io::Result<()> {
    raise_fd_limit();
    let mut cells = Vec::new();
    for workers in [0, WORKERS] {
        for conns in [1, 50, 1000] {
            for size in [64, 16 * 1024] {
                let cell = run_cell(
                    workers,
                    conns,
                    size,
                    3,
                    Duration::from_millis(300),
                    Duration::from_millis(1200),
                )?;
                let rows = table(std::slice::from_ref(&cell));
                println!("{}", render_text(&rows).lines().nth(1).unwrap_or_default());
                cells.push(cell);
            }
        }
    }
    let rows = table(&cells);
    println!("\necho summary (medians of 3 windows of 1.2 s per server)\n");
    print!("{}", render_text(&rows));
    println!("{LEGEND}");
    let path = ratio_table::criterion_dir().join("echo-summary.md");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, render_markdown(&rows, LEGEND))?;
    println!("(written to {})", path.display());
    Ok(())
}

/// `cargo test`: every server kind once, a light load, every byte checked.
fn smoke() -> io::Result<()> {
    for kind in Kind::ALL {
        for (conns, size, count) in [(3, 64, 150), (2, 16 * 1024 + 3, 20)] {
            let server = Server::start(kind, conns)?;
            let mut client = Client::connect(server.addr, conns, size)?;
            let done = client.run(count, None)?;
            drop(client);
            let echoed = server.join()?;
            if done != count || echoed != count * size as u64 {
                return Err(io::Error::other(format!(
                    "{}: {done} of {count} round trips, {echoed} bytes echoed",
                    kind.name()
                )));
            }
        }
        println!("echo smoke: {} ok", kind.name());
    }
    Ok(())
}

/// The budget's floor is a raw epoll server: elsewhere there is nothing to compare with.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn budget_mode() -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "--budget compares corium with a raw epoll server: Linux only",
    ))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn budget_smoke() -> io::Result<()> {
    Ok(())
}

fn flag(args: &[String], name: &str) -> io::Result<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| invalid(format!("{name} needs a value")))
}

fn number(args: &[String], name: &str) -> io::Result<u64> {
    let text = flag(args, name)?;
    text.parse()
        .map_err(|e| invalid(format!("{name} {text:?}: {e}")))
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |name: &str| args.iter().any(|a| a == name);
    let result = if has("--serve") {
        callgrind::serve_mode(&args)
    } else if has("--drive") {
        callgrind::drive_mode(&args)
    } else if has("--callgrind") {
        callgrind::callgrind_mode(&args)
    } else if has("--budget") {
        budget_mode()
    } else if has("--bench") {
        matrix()
    } else {
        // `cargo test` runs bench targets without `--bench`: a quick correctness pass only.
        smoke().and_then(|()| budget_smoke())
    };
    if let Err(e) = result {
        eprintln!("echo bench: {e}");
        std::process::exit(1);
    }
}
