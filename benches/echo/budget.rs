//! `--budget`: the syscalls corium's echo server makes per round trip, by kind, beside the
//! floor — a raw-epoll server on libc (`raw_server.rs`) under the same load.
//!
//! corium's figures come from its syscall budget (`corium::sys::trace::budget`, built with
//! the `trace` feature), which counts every call made through `syscall!` anywhere in the
//! process. So that only the *server* is counted, the load client here uses `std::net`
//! blocking sockets, which call libc directly and never pass through `syscall!` (the
//! matrix's client runs on `corium::sys` and would be counted too). It keeps one message in
//! flight per connection: each round writes one message on every connection, then reads
//! every echo back and checks it.
//!
//! The window: connections are made and warmed up first; then `budget::start()` (which
//! resets), the measured rounds with `budget::op()` per round trip, `budget::stop()`. The
//! window opens and closes the same way (right after the client has read the last echo), so a
//! server's trailing calls of one round trip (a `recv` seeing `EAGAIN`, the next `epoll_wait`)
//! fall on one side of each edge alike: at most one round trip's worth off, over thousands.
//!
//! Not counted, on either side: syscalls made outside `syscall!` — chiefly std's futex calls
//! when a corium worker thread parks or unparks on a `Condvar`.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use corium::sys::trace::{self, budget};

use crate::raw_server::RawServer;
use crate::server::{Kind, Server, WORKERS};
use crate::{invalid, ratio_table, render_text};

/// One load: `conns` connections, `rounds` round trips each, `size`-byte messages.
#[derive(Debug, Clone, Copy)]
struct Load {
    conns: usize,
    rounds: u64,
    size: usize,
}

impl Load {
    fn label(self) -> String {
        format!(
            "{} conn × {} round trips × {} B",
            self.conns, self.rounds, self.size
        )
    }

    fn round_trips(self) -> u64 {
        self.conns as u64 * self.rounds
    }
}

/// Syscalls by kind over one window, and the round trips in it.
#[derive(Debug, Clone)]
struct Count {
    rows: Vec<(&'static str, u64)>,
    round_trips: u64,
}

impl Count {
    fn total(&self, kind: &str) -> u64 {
        self.rows
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |&(_, n)| n)
    }

    fn all(&self) -> u64 {
        self.rows.iter().map(|&(_, n)| n).sum()
    }

    fn per_rt(&self, n: u64) -> f64 {
        n as f64 / self.round_trips.max(1) as f64
    }
}

/// The blocking client: `conns` streams to `addr`, one message in flight on each.
struct Client {
    streams: Vec<TcpStream>,
    messages: Vec<Vec<u8>>,
    echo: Vec<u8>,
    round: u64,
    total: u64,
}

impl Client {
    fn connect(addr: SocketAddr, load: Load) -> io::Result<Client> {
        let mut streams = Vec::with_capacity(load.conns);
        let mut messages = Vec::with_capacity(load.conns);
        for id in 0..load.conns {
            let stream = TcpStream::connect(addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(crate::STALL))?;
            streams.push(stream);
            messages.push(
                (0..load.size.max(8))
                    .map(|i| (i as u64).wrapping_mul(131).wrapping_add(id as u64) as u8)
                    .collect(),
            );
        }
        Ok(Client {
            streams,
            messages,
            echo: vec![0; load.size.max(8)],
            round: 0,
            total: 0,
        })
    }

    /// `rounds` rounds, each one round trip per connection; `budget::op()` per round trip.
    fn run(&mut self, rounds: u64) -> io::Result<()> {
        for _ in 0..rounds {
            for (stream, message) in self.streams.iter_mut().zip(&mut self.messages) {
                message[..8].copy_from_slice(&self.round.to_le_bytes());
                stream.write_all(message)?;
            }
            for (stream, message) in self.streams.iter_mut().zip(&self.messages) {
                stream.read_exact(&mut self.echo)?;
                if self.echo != *message {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("round {}: the echo differs from the message", self.round),
                    ));
                }
                budget::op();
                self.total += 1;
            }
            self.round += 1;
        }
        Ok(())
    }

    /// The bytes the server must have echoed.
    fn bytes(&self) -> u64 {
        self.total * self.echo.len() as u64
    }
}

/// Warms up, then counts one window of `load` against corium's server of `kind`.
fn corium_window(kind: Kind, load: Load) -> io::Result<Count> {
    let server = Server::start(kind, load.conns)?;
    let mut client = Client::connect(server.addr, load)?;
    client.run(load.rounds / 10 + 1)?;
    budget::start();
    let run = client.run(load.rounds);
    budget::stop();
    run?;
    let report = budget::report();
    let expected = client.bytes();
    drop(client);
    check_echoed(&kind.name(), server.join()?, expected)?;
    if report.ops() != load.round_trips() {
        return Err(io::Error::other(format!(
            "{}: the budget saw {} ops, the client made {} round trips",
            kind.name(),
            report.ops(),
            load.round_trips()
        )));
    }
    Ok(Count {
        rows: report.rows().to_vec(),
        round_trips: report.ops(),
    })
}

/// The same window against the raw-epoll server, counted by its own counters.
fn raw_window(load: Load) -> io::Result<Count> {
    let server = RawServer::start(load.conns)?;
    let mut client = Client::connect(server.addr, load)?;
    client.run(load.rounds / 10 + 1)?;
    server.counts.reset();
    client.run(load.rounds)?;
    let rows = server.counts.snapshot();
    let expected = client.bytes();
    drop(client);
    check_echoed("raw-epoll", server.join()?, expected)?;
    Ok(Count {
        rows,
        round_trips: load.round_trips(),
    })
}

fn check_echoed(name: &str, echoed: u64, expected: u64) -> io::Result<()> {
    if echoed == expected {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "{name}: server echoed {echoed} bytes, client counted {expected}"
        )))
    }
}

/// The three columns of one load: corium current-thread, corium multi-thread, raw floor.
fn measure(load: Load) -> io::Result<[Count; 3]> {
    Ok([
        corium_window(Kind::new(true, 0), load)?,
        corium_window(Kind::new(true, WORKERS), load)?,
        raw_window(load)?,
    ])
}

fn table(counts: &[Count; 3]) -> Vec<Vec<String>> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for count in counts {
        for &(kind, _) in &count.rows {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    // Most frequent first, by corium's current-thread column, then the others.
    kinds.sort_by(|a, b| {
        let key = |k: &str| counts.iter().map(|c| c.total(k)).collect::<Vec<_>>();
        key(b).cmp(&key(a)).then(a.cmp(b))
    });
    let mut rows = vec![[
        "syscall per round trip",
        "corium current-thread",
        "corium multi-thread (2)",
        "raw epoll floor",
    ]
    .map(String::from)
    .to_vec()];
    for kind in kinds {
        let mut row = vec![kind.to_string()];
        row.extend(counts.iter().map(|c| cell(c, c.total(kind))));
        rows.push(row);
    }
    let mut total = vec!["total".to_string()];
    total.extend(counts.iter().map(|c| format!("{:.3}", c.per_rt(c.all()))));
    rows.push(total);
    let mut n = vec!["(round trips counted)".to_string()];
    n.extend(counts.iter().map(|c| c.round_trips.to_string()));
    rows.push(n);
    let mut ratio = vec!["total / floor".to_string()];
    let floor = counts[2].per_rt(counts[2].all());
    ratio.extend(
        counts
            .iter()
            .map(|c| format!("{:.2}×", c.per_rt(c.all()) / floor)),
    );
    rows.insert(rows.len() - 1, ratio);
    rows
}

/// Calls per round trip; a kind too rare to show in three decimals shows its total instead.
fn cell(count: &Count, n: u64) -> String {
    let per_rt = count.per_rt(n);
    if n > 0 && per_rt < 0.0005 {
        format!("{n} in all")
    } else {
        format!("{per_rt:.3}")
    }
}

fn markdown(sections: &[(String, Vec<Vec<String>>)]) -> String {
    let mut md = String::from(
        "# `echo` syscall budget\n\nSyscalls per round trip made by the echo server \
         (`cargo bench --bench echo --features trace -- --budget`).\n",
    );
    for (label, rows) in sections {
        let _ = writeln!(md, "\n## {label}\n");
        for (i, row) in rows.iter().enumerate() {
            let _ = writeln!(md, "| {} |", row.join(" | "));
            if i == 0 {
                let rule: Vec<&str> = (0..row.len())
                    .map(|j| if j == 0 { "---" } else { "---:" })
                    .collect();
                let _ = writeln!(md, "| {} |", rule.join(" | "));
            }
        }
    }
    let _ = writeln!(md, "\n{LEGEND}");
    md
}

const LEGEND: &str = "corium: every call through `syscall!`, counted by the `trace` feature's \
budget, in a window after connect and warm-up; the client uses std blocking sockets (not \
`syscall!`), so only the server is counted. Raw epoll floor: one thread on libc epoll, \
level-triggered, one `recv` per readiness report and one `send` per echo, counting its own \
calls. Neither side counts std's futex calls (a corium worker parking or unparking on a \
Condvar).";

/// `--budget`: the table, printed and written to `<criterion dir>/echo-budget.md`.
pub(crate) fn budget_mode() -> io::Result<()> {
    if !trace::COMPILED {
        return Err(invalid(
            "--budget needs corium's syscall counters, compiled only with the `trace` \
             feature: run `cargo bench --bench echo --features trace -- --budget`"
                .to_string(),
        ));
    }
    let mut sections = Vec::new();
    for load in [
        Load {
            conns: 1,
            rounds: 20_000,
            size: 64,
        },
        Load {
            conns: 50,
            rounds: 400,
            size: 64,
        },
    ] {
        let rows = table(&measure(load)?);
        println!("\necho syscall budget, {}\n", load.label());
        print!("{}", render_text(&rows));
        sections.push((load.label(), rows));
    }
    println!("\n{LEGEND}");
    let path = ratio_table::criterion_dir().join("echo-budget.md");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, markdown(&sections))?;
    println!("(written to {})", path.display());
    Ok(())
}

/// `cargo test`: a tiny budget run, checking what must hold of any server: at least one
/// receive and one send per round trip, and (with `trace`) one budget op per round trip.
pub(crate) fn smoke() -> io::Result<()> {
    let load = Load {
        conns: 2,
        rounds: 50,
        size: 64,
    };
    let raw = raw_window(load)?;
    let rts = load.round_trips();
    if raw.total("recv") < rts || raw.total("send") < rts || raw.total("epoll_wait") == 0 {
        return Err(io::Error::other(format!(
            "raw server counted {:?} for {rts} round trips",
            raw.rows
        )));
    }
    if trace::COMPILED {
        for kind in [Kind::new(true, 0), Kind::new(true, WORKERS)] {
            let count = corium_window(kind, load)?;
            // A server cannot echo a message without one call to read it and one to send it.
            if count.all() < 2 * rts {
                return Err(io::Error::other(format!(
                    "{}: the budget counted {:?} for {rts} round trips",
                    kind.name(),
                    count.rows
                )));
            }
        }
    }
    println!("echo smoke: syscall budget ok");
    Ok(())
}
