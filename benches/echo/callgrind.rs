//! Instructions per round trip: each server under callgrind in a child process (so only the
//! server's instructions are counted), driven from the bench process by the same client as the
//! matrix.
//!
//! Why the load is *paced* by default: callgrind runs the server about 50 times slower while
//! the client runs at full speed, so in a closed loop the next message is always already
//! waiting when the server finishes an echo. A server that reads again before parking then
//! never parks at all, one that parks after a short read always does: the counts would
//! measure valgrind's timing, not the server. Sending in bursts with a pause after each
//! makes every burst find the server parked in its poller, the path a server takes at any
//! load below saturation. `--saturated` measures the closed loop anyway.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::server::{Kind, WORKERS};
use crate::{flag, invalid, median, min_max, number, ratio_table, render_text};

/// The pause after each burst: far longer than the instrumented server needs to finish a
/// burst's echoes and park.
const GAP: Duration = Duration::from_millis(2);

/// What the client sends in one run.
#[derive(Debug, Clone, Copy)]
struct Load {
    conns: usize,
    size: usize,
    /// Bursts of one round trip per connection (paced), or `None` for one closed-loop run.
    bursts: u64,
    paced: bool,
}

impl Load {
    fn round_trips(self) -> u64 {
        self.bursts * self.conns as u64
    }

    fn drive(self, addr: SocketAddr) -> io::Result<u64> {
        let mut client = Client::connect(addr, self.conns, self.size)?;
        if self.paced {
            client.run_paced(self.bursts, GAP)
        } else {
            client.run(self.round_trips(), None)
        }
    }
}

/// `--serve KIND --conns C`: the server alone, for valgrind. Prints `listening ADDR`.
pub(crate) fn serve_mode(args: &[String]) -> io::Result<()> {
    let kind = Kind::parse(&flag(args, "--serve")?)?;
    let conns = number(args, "--conns")?;
    let echoed = kind.serve(conns as usize, |addr| {
        println!("listening {addr}");
        let _ = io::stdout().flush();
    })?;
    eprintln!("{}: echoed {echoed} bytes", kind.name());
    Ok(())
}

/// `--drive ADDR --conns C --size S --count N [--saturated]`: the client alone, against any
/// echo server; paced bursts unless `--saturated`.
pub(crate) fn drive_mode(args: &[String]) -> io::Result<()> {
    let addr: SocketAddr = flag(args, "--drive")?
        .parse()
        .map_err(|e| invalid(format!("--drive: {e}")))?;
    let conns = number(args, "--conns")?.max(1) as usize;
    let load = Load {
        conns,
        size: number(args, "--size")? as usize,
        bursts: number(args, "--count")?.div_ceil(conns as u64),
        paced: !args.iter().any(|a| a == "--saturated"),
    };
    let start = Instant::now();
    let done = load.drive(addr)?;
    println!(
        "{done} round trips in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `kind` under callgrind, drives `load` from here, returns the server's total Ir.
fn callgrind_run(kind: Kind, load: Load, out: &Path) -> io::Result<u64> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args(["--serve", &kind.name(), "--conns", &load.conns.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run valgrind: {e}")))?;
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    let addr: Option<SocketAddr> = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|a| a.parse().ok());
    let Some(addr) = addr else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io::Error::other(format!(
            "{} under valgrind said {line:?}, not `listening ADDR`",
            kind.name()
        )));
    };
    let done = load.drive(addr);
    let status = child.wait()?;
    let done = done?;
    if !status.success() || done != load.round_trips() {
        return Err(io::Error::other(format!(
            "{}: {done} of {} round trips, server exit {status}",
            kind.name(),
            load.round_trips()
        )));
    }
    let mut text = String::new();
    std::fs::File::open(out)?.read_to_string(&mut text)?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no Ir total in {}", out.display())))
}

/// The callgrind matrix: (connections, message size, bursts). One connection shows the
/// per-turn costs, 20 and 50 the per-event path with the turn's costs spread thin, 16 KiB a
/// message that takes several reads and writes.
const LOADS: [(usize, usize, u64); 4] = [
    (1, 64, 2_000),
    (20, 64, 400),
    (50, 64, 200),
    (20, 16 * 1024, 200),
];

/// `--callgrind [--saturated] [--uninit] [--repeats R]`: the Ir-per-round-trip table.
///
/// `--uninit` compares reads into uninitialised memory instead: corium's server with its
/// usual zeroed buffer, corium's reading with `read_buf` into a `Vec`'s spare capacity, and
/// tokio's doing the same; the target is the uninitialised case within 5% of the initialised.
pub(crate) fn callgrind_mode(args: &[String]) -> io::Result<()> {
    let paced = !args.iter().any(|a| a == "--saturated");
    let uninit = args.iter().any(|a| a == "--uninit");
    let repeats = flag(args, "--repeats")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let dir: PathBuf = ratio_table::criterion_dir().join("echo-callgrind");
    std::fs::create_dir_all(&dir)?;
    let mut rows = vec![if uninit {
        vec![
            "server flavour, load",
            "corium init Ir/rt (range)",
            "corium uninit Ir/rt (range)",
            "tokio uninit Ir/rt (range)",
            "uninit/init (<= 1.05)",
        ]
    } else {
        vec![
            "server flavour, load",
            "corium Ir/rt (range)",
            "tokio Ir/rt (range)",
            "Ir ratio (<= 0.50)",
        ]
    }
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>()];
    for workers in [0, WORKERS] {
        for (conns, size, bursts) in LOADS {
            let mut cells = Vec::new();
            let mut medians = Vec::new();
            let (corium, tokio) = (Kind::new(true, workers), Kind::new(false, workers));
            let kinds = if uninit {
                vec![corium, corium.uninit(), tokio.uninit()]
            } else {
                vec![corium, tokio]
            };
            for kind in kinds {
                let load = |bursts| Load {
                    conns,
                    size,
                    bursts: if paced { bursts } else { bursts * 10 },
                    paced,
                };
                // Start-up, connects and shut-down: everything but the measured round trips.
                let (base_load, full_load) = (load(bursts / 20), load(bursts));
                let file = |tag: &str| {
                    let mode = if paced { "paced" } else { "saturated" };
                    dir.join(format!("echo-{}-{conns}c-{mode}-{tag}.out", kind.name()))
                };
                let base = callgrind_run(kind, base_load, &file("base"))?;
                let mut per_rt = Vec::new();
                for i in 0..repeats {
                    let out = file(&i.to_string());
                    let ir = callgrind_run(kind, full_load, &out)?;
                    let rts = full_load.round_trips() - base_load.round_trips();
                    let marginal = ir.saturating_sub(base) as f64 / rts as f64;
                    println!(
                        "{}: {conns} conn, {} rt: {ir} Ir (base {base}): {marginal:.0} Ir/rt  [{}]",
                        kind.name(),
                        full_load.round_trips(),
                        out.display()
                    );
                    per_rt.push(marginal);
                }
                let (lo, hi) = min_max(&per_rt);
                let m = median(per_rt);
                cells.push(format!("{m:.0} ({lo:.0}-{hi:.0})"));
                medians.push(m);
            }
            // Either uninit/init of corium (target 1.05) or corium/tokio (target 0.50).
            let (ratio, target) = if uninit {
                (medians[1] / medians[0], 1.05)
            } else {
                (medians[0] / medians[1], 0.5)
            };
            let mut row = vec![format!("{} {conns:>2} conn × {size} B", corium.flavour())];
            row.extend(cells);
            row.push(format!(
                "{ratio:.2} {}",
                if ratio <= target { "PASS" } else { "MISS" }
            ));
            rows.push(row);
        }
    }
    println!(
        "\necho: server user-space instructions per round trip{} (callgrind, {}; median of \
         {repeats} runs, start-up subtracted)\n",
        if uninit {
            ", reads into uninitialised memory beside initialised"
        } else {
            ""
        },
        if paced {
            "paced bursts: the server parks between them"
        } else {
            "saturated closed loop"
        }
    );
    print!("{}", render_text(&rows));
    Ok(())
}
