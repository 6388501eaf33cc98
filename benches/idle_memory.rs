//! Memory per idle connection: 10,000 echo connections parked on corium's server and on
//! tokio's, the server's RSS side by side.
//!
//! Each server kind (corium and tokio, current-thread and multi-thread with 2 workers) runs in
//! its own child process (`--serve KIND --conns C --buf B`): the echo bench's server, one
//! program text expanded for both runtimes (`echo/server.rs`: a task per connection reading into
//! a zeroed `Vec` of `B` bytes and `write_all`-ing what it read). This process is the client
//! (`echo/client.rs`, no runtime): it reads the child's RSS, opens 10,000 loopback connections,
//! does exactly one 64-byte round trip on each — so every server task has polled its read once
//! more, got `Pending` and is parked with its waker registered — waits until the server's heap
//! stops changing, and reads the RSS again. The two processes are separate because 10,000
//! sockets on each side would not fit under one `RLIMIT_NOFILE` (each process raises its soft
//! limit to the hard one).
//!
//! Reported per kind, median of the runs:
//!
//! * `VmRSS` (from `/proc/<pid>/status`) before connecting and with 10,000 idle connections;
//! * bytes per idle connection: `(after - before) / 10,000`;
//! * the heap the server asked for per connection (a counting global allocator in the child:
//!   live bytes requested and live allocations), glibc's in-use bytes per connection
//!   (`mallinfo2`: requested bytes plus malloc's headers and rounding, mmap'd blocks included),
//!   and each allocation size that occurs about once per connection (`size×count`, `a128` for
//!   a 128-byte alignment): which objects the bytes are.
//!
//! Three read buffers: 64 B (the message size: the runtimes' own costs dominate), 1 KiB (the
//! configuration of issue #18's 17.0 against 21.3 MB), and the echo bench's 16 KiB (zeroed with
//! `calloc`, so mostly resident: the same for both runtimes). The buffer is the application's
//! and identical on both sides, so the larger it is the closer the ratio gets to 1 whatever the
//! runtime does. The target is corium's total RSS ≤ 0.70× tokio's with 10,000 idle
//! connections; the README's `idle_memory` section breaks the bytes per connection down.
//!
//! ```text
//! cargo bench --bench idle_memory            # the table, about a minute
//! cargo test --bench idle_memory             # smoke run: every kind once, 200 connections
//! ```

// The echo bench's client and server; this bench uses part of each.
#[allow(dead_code)]
#[path = "echo/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "echo/server.rs"]
mod server;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use crate::client::Client;
use crate::server::{Kind, WORKERS};

/// How long anything waits for the other side before declaring it stuck.
const STALL: Duration = Duration::from_secs(20);
/// Connections of the measured runs.
const CONNS: usize = 10_000;
/// The round trip's message.
const MESSAGE: usize = 64;
/// Connections opened (and given their round trip) at a time.
const BATCH: usize = 100;
/// The target: corium's total RSS over tokio's.
const TARGET: f64 = 0.70;

// ---------------------------------------------------------------------------------------------
// The counting allocator (the server child's heap, by allocation size)
// ---------------------------------------------------------------------------------------------

/// Forwards to `System`, counting live bytes and allocations, and live allocations per
/// `(size, align)` in a small lock-free table.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_COUNT: AtomicUsize = AtomicUsize::new(0);
/// Open addressing: `KEYS[i]` is `size << 8 | align.trailing_zeros() + 1` (0 = empty), and
/// `COUNTS[i]` the live allocations of that layout. A full table just stops classifying.
const SLOTS: usize = 4096;
static KEYS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static COUNTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];

fn layout_slot(layout: Layout) -> Option<usize> {
    let key = (layout.size() << 8) | (layout.align().trailing_zeros() as usize + 1);
    let mut i = key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52;
    for _ in 0..SLOTS {
        i %= SLOTS;
        match KEYS[i].compare_exchange(0, key, Relaxed, Relaxed) {
            Ok(_) => return Some(i),
            Err(k) if k == key => return Some(i),
            Err(_) => i += 1,
        }
    }
    None
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are plain atomics and never affect the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        LIVE_COUNT.fetch_add(1, Relaxed);
        if let Some(i) = layout_slot(layout) {
            COUNTS[i].fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded caller contract (non-zero size layout).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        LIVE_COUNT.fetch_add(1, Relaxed);
        if let Some(i) = layout_slot(layout) {
            COUNTS[i].fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded caller contract (non-zero size layout).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        LIVE_COUNT.fetch_sub(1, Relaxed);
        if let Some(i) = layout_slot(layout) {
            COUNTS[i].fetch_sub(1, Relaxed);
        }
        // SAFETY: forwarded caller contract (`ptr` came from this allocator with `layout`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded caller contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE_BYTES.fetch_add(new_size, Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
            if let Some(i) = layout_slot(layout) {
                COUNTS[i].fetch_sub(1, Relaxed);
            }
            // `new_size` is non-zero and, with the old alignment, a valid layout (the
            // `realloc` contract).
            if let Ok(grown) = Layout::from_size_align(new_size, layout.align()) {
                if let Some(i) = layout_slot(grown) {
                    COUNTS[i].fetch_add(1, Relaxed);
                }
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// glibc's bytes in use (chunks with their headers, plus mmap'd blocks); `None` elsewhere.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_in_use() -> Option<usize> {
    // SAFETY: `mallinfo2` takes no arguments and only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    Some(info.uordblks + info.hblkhd)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn malloc_in_use() -> Option<usize> {
    None
}

/// One line describing the child's heap now: `heap LIVE COUNT MALLOC size:align:count...`.
fn heap_line() -> String {
    let mut line = format!(
        "heap {} {} {}",
        LIVE_BYTES.load(Relaxed),
        LIVE_COUNT.load(Relaxed),
        malloc_in_use().map_or(-1, |b| b as i64)
    );
    for (key, count) in KEYS.iter().zip(&COUNTS) {
        let (key, count) = (key.load(Relaxed), count.load(Relaxed));
        if key != 0 && count != 0 {
            line.push_str(&format!(
                " {}:{}:{count}",
                key >> 8,
                1usize << ((key & 0xff) - 1)
            ));
        }
    }
    line
}

// ---------------------------------------------------------------------------------------------
// The server child
// ---------------------------------------------------------------------------------------------

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (10,000 sockets need more than 1,024).
fn raise_fd_limit() {
    // SAFETY: all-zero bytes are a valid `rlimit` (two integers).
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is a live, writable `rlimit` for the duration of the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: `limit` is a valid `rlimit` read above with the soft limit raised to the
        // hard one; a failure just leaves the old limit (and the connects then fail clearly).
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    }
}

/// `--serve KIND --conns C --buf B`: one server; prints `listening ADDR`, answers each `heap`
/// line on stdin with [`heap_line`], and prints `echoed N` and `future N` at the end.
fn serve_mode(args: &[String]) -> io::Result<()> {
    raise_fd_limit();
    let kind = Kind::parse(&flag(args, "--serve")?)?;
    let conns = number(args, "--conns")? as usize;
    let buf = number(args, "--buf")? as usize;
    std::thread::Builder::new()
        .name("heap-reporter".into())
        .spawn(|| {
            for line in io::stdin().lock().lines() {
                match line.as_deref() {
                    Ok("heap") => println!("{}", heap_line()),
                    _ => break,
                }
            }
        })?;
    let echoed = kind.serve_with_buffer(buf, conns, |addr| println!("listening {addr}"))?;
    println!("echoed {echoed}");
    println!(
        "future {}",
        server::FUTURE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The driver (this process: the client)
// ---------------------------------------------------------------------------------------------

/// The child's heap as `heap_line` described it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Heap {
    live: i64,
    count: i64,
    malloc: i64,
    by_layout: Vec<(usize, usize, i64)>,
}

impl Heap {
    fn parse(line: &str) -> io::Result<Heap> {
        let bad = || io::Error::other(format!("the server child said {line:?}"));
        let mut words = line.split_whitespace();
        if words.next() != Some("heap") {
            return Err(bad());
        }
        let mut num =
            || -> io::Result<i64> { words.next().and_then(|w| w.parse().ok()).ok_or_else(bad) };
        let (live, count, malloc) = (num()?, num()?, num()?);
        let by_layout = line
            .split_whitespace()
            .skip(4)
            .map(|w| {
                let mut parts = w.split(':').map(|p| p.parse::<i64>().ok());
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(Some(s)), Some(Some(a)), Some(Some(c))) => {
                        Ok((s as usize, a as usize, c))
                    }
                    _ => Err(bad()),
                }
            })
            .collect::<io::Result<_>>()?;
        Ok(Heap {
            live,
            count,
            malloc,
            by_layout,
        })
    }
}

/// One server child and its pipes.
struct ServerChild {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
}

impl ServerChild {
    fn start(kind: Kind, conns: usize, buf: usize) -> io::Result<ServerChild> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--serve", &kind.name(), "--conns", &conns.to_string()])
            .args(["--buf", &buf.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok());
        match addr {
            Some(addr) => Ok(ServerChild {
                child,
                stdin,
                stdout,
                addr,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::other(format!(
                    "{} said {line:?}, not `listening ADDR`",
                    kind.name()
                )))
            }
        }
    }

    fn heap(&mut self) -> io::Result<Heap> {
        writeln!(self.stdin, "heap")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Heap::parse(line.trim())
    }

    /// The child's resident set in bytes (`VmRSS` in `/proc/<pid>/status`).
    fn rss(&self) -> io::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| io::Error::other("no VmRSS line in /proc/<pid>/status"))
    }

    /// Waits for the server to finish (every client socket closed): `(echoed, future size)`.
    fn finish(mut self) -> io::Result<(u64, usize)> {
        drop(self.stdin);
        let (mut echoed, mut future) = (None, None);
        let mut line = String::new();
        while self.stdout.read_line(&mut line)? != 0 {
            let mut words = line.split_whitespace();
            match (
                words.next(),
                words.next().and_then(|w| w.parse::<u64>().ok()),
            ) {
                (Some("echoed"), Some(n)) => echoed = Some(n),
                (Some("future"), Some(n)) => future = Some(n as usize),
                _ => {}
            }
            line.clear();
        }
        let status = self.child.wait()?;
        match (status.success(), echoed, future) {
            (true, Some(e), Some(f)) => Ok((e, f)),
            _ => Err(io::Error::other(format!(
                "server child ended with {status}"
            ))),
        }
    }
}

/// One run's figures.
#[derive(Debug, Clone)]
struct Run {
    rss_before: u64,
    rss_after: u64,
    heap_before: Heap,
    heap_after: Heap,
    future: usize,
}

/// One run: a server child, `conns` connections with one round trip each, the heap settled.
fn run(kind: Kind, conns: usize, buf: usize) -> io::Result<Run> {
    let mut server = ServerChild::start(kind, conns, buf)?;
    let heap_before = server.heap()?;
    let rss_before = server.rss()?;
    // In batches, each batch's round trips done before the next connects: a blocking connect
    // returns once the kernel has queued the connection, so a client connecting faster than
    // the server accepts overruns the listen backlog (corium's 1,024; tokio's, through mio,
    // 128 as std's) and the kernel drops SYNs (1 s retransmits).
    let mut clients = Vec::new();
    let mut done = 0;
    for start in (0..conns).step_by(BATCH) {
        let batch = BATCH.min(conns - start);
        let mut client = Client::connect(server.addr, batch, MESSAGE)?;
        // A budget of one round trip per connection: each connection does exactly one.
        done += client.run(batch as u64, None)?;
        clients.push(client);
    }
    if done != conns as u64 {
        return Err(io::Error::other(format!("{done} of {conns} round trips")));
    }
    // Every echo is back, but the last tasks may still be between their write and their next
    // read: wait until two looks 50 ms apart find the same heap and RSS.
    let mut last = (server.heap()?, server.rss()?);
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(50));
        let now = (server.heap()?, server.rss()?);
        if now == last {
            break;
        }
        last = now;
    }
    let (heap_after, rss_after) = last;
    drop(clients);
    let (echoed, future) = server.finish()?;
    if echoed != (conns * MESSAGE) as u64 {
        return Err(io::Error::other(format!(
            "{}: echoed {echoed} bytes, expected {}",
            kind.name(),
            conns * MESSAGE
        )));
    }
    Ok(Run {
        rss_before,
        rss_after,
        heap_before,
        heap_after,
        future,
    })
}

/// The run with the median `rss_after`.
fn median_run(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.rss_after);
    runs.swap_remove(runs.len() / 2)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The heap the connections added, by layout: `(size, align, allocations per connection)`
/// for the layouts of about one allocation per connection or more, then the rest (large
/// allocations: the slab's pages, the owned-task list, ...) as `(bytes per connection,
/// allocations, largest)`.
/// `(size, align, allocations per connection)` of one layout.
type PerConn = (usize, usize, f64);
/// `(bytes per connection, allocations, largest)` of the other layouts.
type Rest = (f64, i64, usize);

fn heap_diff(run: &Run, conns: usize) -> (Vec<PerConn>, Rest) {
    let before = |size, align| {
        run.heap_before
            .by_layout
            .iter()
            .find(|&&(s, a, _)| s == size && a == align)
            .map_or(0, |&(_, _, c)| c)
    };
    let mut per_conn = Vec::new();
    let (mut rest_bytes, mut rest_count, mut largest) = (0i64, 0i64, 0usize);
    for &(size, align, count) in &run.heap_after.by_layout {
        let added = count - before(size, align);
        if added as f64 >= 0.5 * conns as f64 {
            per_conn.push((size, align, added as f64 / conns as f64));
        } else if added > 0 {
            rest_bytes += added * size as i64;
            rest_count += added;
            largest = largest.max(size);
        }
    }
    per_conn.sort_by_key(|&(s, _, _)| std::cmp::Reverse(s));
    (
        per_conn,
        (rest_bytes as f64 / conns as f64, rest_count, largest),
    )
}

/// `216 + 64 a128×2.0 + rest 211 (9 allocs ≤ 1 MiB)`.
fn describe_heap(run: &Run, conns: usize) -> String {
    let (per_conn, (rest, count, largest)) = heap_diff(run, conns);
    let mut parts: Vec<String> = per_conn
        .iter()
        .map(|&(s, a, per)| {
            let align = if a > 16 {
                format!(" a{a}")
            } else {
                String::new()
            };
            if (per - 1.0).abs() < 0.05 {
                format!("{s}{align}")
            } else {
                format!("{s}{align}×{per:.1}")
            }
        })
        .collect();
    if count > 0 {
        parts.push(format!(
            "rest {rest:.0} ({count} allocs, largest {:.0} KiB)",
            largest as f64 / 1024.0
        ));
    }
    parts.join(" + ")
}

fn render(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let w = widths[c];
            if c == 0 {
                out.push_str(&format!("{cell:<w$}"));
            } else {
                out.push_str(&format!("  {cell:>w$}"));
            }
        }
        out.push('\n');
    }
    out
}

fn measure(repeats: usize) -> io::Result<()> {
    raise_fd_limit();
    let mut table = vec![[
        "server, buffer",
        "corium RSS",
        "tokio RSS",
        "RSS ratio (<= 0.70)",
        "corium B/conn",
        "tokio B/conn",
        "B/conn ratio",
    ]
    .map(String::from)
    .to_vec()];
    let mut heaps = vec![[
        "server, buffer",
        "runtime",
        "asked B/conn",
        "allocs/conn",
        "malloc B/conn",
        "future B",
        "allocations per connection (bytes, a = alignment)",
    ]
    .map(String::from)
    .to_vec()];
    for buf in [MESSAGE, 1024, server::SERVER_BUF] {
        for workers in [0, WORKERS] {
            let kinds = [Kind::new(true, workers), Kind::new(false, workers)];
            let mut runs: [Vec<Run>; 2] = [Vec::new(), Vec::new()];
            for _ in 0..repeats {
                for (kind, runs) in kinds.iter().zip(&mut runs) {
                    let r = run(*kind, CONNS, buf)?;
                    println!(
                        "{} buf {buf}: RSS {} -> {} ({:.0} B/conn)",
                        kind.name(),
                        mb(r.rss_before),
                        mb(r.rss_after),
                        (r.rss_after as f64 - r.rss_before as f64) / CONNS as f64
                    );
                    runs.push(r);
                }
            }
            let [c, t] = runs.map(median_run);
            let label = format!(
                "{} × {}",
                kinds[0].flavour(),
                if buf >= 1024 {
                    format!("{} KiB", buf / 1024)
                } else {
                    format!("{buf} B")
                }
            );
            let per = |r: &Run| (r.rss_after as f64 - r.rss_before as f64) / CONNS as f64;
            let ratio = c.rss_after as f64 / t.rss_after as f64;
            table.push(vec![
                label.clone(),
                mb(c.rss_after),
                mb(t.rss_after),
                format!(
                    "{ratio:.2} {}",
                    if ratio <= TARGET { "PASS" } else { "MISS" }
                ),
                format!("{:.0}", per(&c)),
                format!("{:.0}", per(&t)),
                format!("{:.2}", per(&c) / per(&t)),
            ]);
            for (name, r) in [("corium", &c), ("tokio", &t)] {
                let d = |f: fn(&Heap) -> i64| {
                    (f(&r.heap_after) - f(&r.heap_before)) as f64 / CONNS as f64
                };
                heaps.push(vec![
                    label.clone(),
                    name.to_string(),
                    format!("{:.0}", d(|h| h.live)),
                    format!("{:.2}", d(|h| h.count)),
                    if r.heap_after.malloc < 0 {
                        "-".to_string()
                    } else {
                        format!("{:.0}", d(|h| h.malloc))
                    },
                    r.future.to_string(),
                    describe_heap(r, CONNS),
                ]);
            }
        }
    }
    println!(
        "\nidle_memory: server RSS with {CONNS} idle echo connections (one 64 B round trip \
         each, then parked in a read), median of {repeats} runs\n"
    );
    print!("{}", render(&table));
    println!(
        "\nRSS: the server process's VmRSS with the connections idle (it was 'RSS before' + \
         B/conn × {CONNS}); B/conn = (after - before) / {CONNS}.\n\nheap per connection \
         (counting allocator in the server; malloc = glibc's in-use bytes incl. headers and \
         rounding)\n"
    );
    print!("{}", render(&heaps));
    println!(
        "\nsize_of: corium TcpStream {} B, tokio TcpStream {} B; Option<Waker> {} B",
        std::mem::size_of::<corium::net::TcpStream>(),
        std::mem::size_of::<tokio::net::TcpStream>(),
        std::mem::size_of::<Option<std::task::Waker>>(),
    );
    Ok(())
}

/// `cargo test --bench idle_memory`: each kind once with a few connections, every echo checked.
fn smoke() -> io::Result<()> {
    raise_fd_limit();
    for workers in [0, WORKERS] {
        for corium in [true, false] {
            let kind = Kind::new(corium, workers);
            let r = run(kind, 200, MESSAGE)?;
            if r.heap_after.live <= r.heap_before.live || r.rss_after == 0 {
                return Err(io::Error::other(format!(
                    "{}: 200 connections left no trace on the heap",
                    kind.name()
                )));
            }
            println!("idle_memory smoke: {} ok", kind.name());
        }
    }
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
        serve_mode(&args)
    } else if has("--bench") {
        let repeats = flag(&args, "--repeats")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(3);
        measure(repeats)
    } else {
        smoke()
    };
    if let Err(e) = result {
        eprintln!("idle_memory bench: {e}");
        std::process::exit(1);
    }
}
