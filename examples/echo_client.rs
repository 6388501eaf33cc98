//! A bounded load generator for echo servers, on the corium runtime: `C` connections, each
//! sending a message of `--size` bytes and reading the echo back before sending the next.
//!
//! ```text
//! cargo run --release --example echo_client -- --connections 50 --size 64 --duration 5
//! cargo run --release --example echo_client -- --count 100000              # total round trips
//! cargo run --release --example echo_client -- --rate 20000 --duration 10  # fixed load
//! ```
//!
//! * Closed loop (default): every connection has one message in flight; the result is the
//!   highest rate the server sustains at that concurrency.
//! * Fixed rate (`--rate N`): round trips are *scheduled* at `N` per second spread evenly over
//!   the connections, and each latency is measured from its scheduled start. A server that
//!   falls behind therefore shows its queueing delay in p99 and max instead of silently
//!   lowering the offered load, so two servers can be compared at equal load.
//!
//! Every echo is checked byte for byte (each message carries its connection and round number),
//! and the run stops by itself: after `--count` round trips, or `--duration` seconds.
//! Prints round trips per second and p50/p99/max latency in microseconds.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use corium::io::{AsyncReadExt, AsyncWriteExt};
use corium::net::TcpStream;
use corium::runtime::Builder;
use corium::time::{self, Instant};

/// Longest wait for one connect or one round trip before the client gives up on the server.
const STALL: Duration = Duration::from_secs(10);

/// When a run ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After this many round trips in total, spread evenly over the connections.
    Count(u64),
    /// After this long (a round trip in flight at the deadline still completes).
    Duration(Duration),
}

/// What the client is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The echo server.
    pub addr: SocketAddr,
    /// Concurrent connections.
    pub connections: usize,
    /// Bytes per message.
    pub size: usize,
    /// When to stop.
    pub stop: Stop,
    /// Round trips per second over all connections; `None` runs closed-loop, as fast as the
    /// server answers.
    pub rate: Option<f64>,
    /// Worker threads of the client's own (multi-thread) runtime.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 6142)),
            connections: 1,
            size: 64,
            stop: Stop::Duration(Duration::from_secs(5)),
            rate: None,
            threads: 2,
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Round trips completed, each with an echo identical to what was sent.
    pub round_trips: u64,
    /// Bytes sent and received back intact (`round_trips * size`).
    pub bytes: u64,
    /// From the first connection's first send to the last echo.
    pub elapsed: Duration,
    /// Every round trip's latency in microseconds, sorted ascending.
    pub latencies_us: Vec<u32>,
}

impl Report {
    /// Round trips per second over the run.
    pub fn rate(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency below which the fraction `q` (0..=1) of round trips fell, in microseconds.
    pub fn percentile_us(&self, q: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let rank = (q * (self.latencies_us.len() - 1) as f64).round() as usize;
        self.latencies_us[rank.min(self.latencies_us.len() - 1)]
    }

    /// The line `main` prints for a run of `options`: counts, round trips per second, and
    /// p50/p99/max latency.
    pub fn line(&self, options: &Options) -> String {
        format!(
            "echo_client: {} round trips of {} B over {} connections in {:.2} s: {:.0} round \
             trips/s; latency p50 {} µs, p99 {} µs, max {} µs; {} bytes echoed intact",
            self.round_trips,
            options.size,
            options.connections,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.percentile_us(0.50),
            self.percentile_us(0.99),
            self.percentile_us(1.0),
            self.bytes
        )
    }
}

/// Runs the load on a fresh multi-thread corium runtime and returns what it measured.
///
/// # Errors
/// `InvalidInput` for options that describe no load; otherwise the first connection's failure:
/// connect refused, a reset, an echo that differs from what was sent (`InvalidData`), or a
/// server silent for 10 s (`TimedOut`).
pub fn run(options: &Options) -> io::Result<Report> {
    validate(options)?;
    let rt = Builder::new_multi_thread()
        .worker_threads(options.threads)
        .enable_all()
        .build()?;
    rt.block_on(drive(options))
}

fn validate(options: &Options) -> io::Result<()> {
    let bad = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg.to_string()));
    if options.connections == 0 {
        return bad("--connections must be at least 1");
    }
    if options.size < 8 {
        return bad("--size must be at least 8 bytes (each message carries its round number)");
    }
    if options.threads == 0 {
        return bad("--threads must be at least 1");
    }
    match options.rate {
        Some(r) if !(r.is_finite() && r > 0.0) => {
            return bad("--rate must be a positive number of round trips per second")
        }
        _ => {}
    }
    if options.stop == Stop::Count(0) || options.stop == Stop::Duration(Duration::ZERO) {
        return bad("--count / --duration must be positive");
    }
    Ok(())
}

async fn drive(options: &Options) -> io::Result<Report> {
    let conns = options.connections;
    // Connect everything first, so the measured run holds round trips only.
    let connecting: Vec<_> = (0..conns)
        .map(|_| corium::spawn(connect(options.addr)))
        .collect();
    let mut streams = Vec::with_capacity(conns);
    for task in connecting {
        streams.push(
            task.await
                .map_err(|e| io::Error::other(format!("a connect task failed: {e}")))??,
        );
    }
    // A common start a little ahead, so every task is waiting when the clock starts.
    let start = Instant::now() + Duration::from_millis(2);
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(id, stream)| {
            let plan = Plan {
                id,
                start,
                size: options.size,
                quota: match options.stop {
                    Stop::Count(n) => n / conns as u64 + u64::from((id as u64) < n % conns as u64),
                    Stop::Duration(_) => u64::MAX,
                },
                deadline: match options.stop {
                    Stop::Count(_) => None,
                    Stop::Duration(d) => Some(start + d),
                },
                // Connection `id` of `C` at total rate `R` sends every C/R seconds, offset by
                // id/R so the sends interleave evenly instead of arriving in bursts of C.
                pacing: options.rate.map(|r| {
                    let period = Duration::from_secs_f64(conns as f64 / r);
                    (start + Duration::from_secs_f64(id as f64 / r), period)
                }),
            };
            corium::spawn(connection(stream, plan))
        })
        .collect();

    let mut report = Report::default();
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(latencies)) => report.latencies_us.extend(latencies),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(join) => {
                first_error.get_or_insert(io::Error::other(format!(
                    "a connection task failed: {join}"
                )));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    report.elapsed = start.elapsed();
    report.round_trips = report.latencies_us.len() as u64;
    report.bytes = report.round_trips * options.size as u64;
    report.latencies_us.sort_unstable();
    Ok(report)
}

/// One connection's share of the load.
struct Plan {
    id: usize,
    /// When the closed loop starts sending.
    start: Instant,
    size: usize,
    /// Round trips to make at most.
    quota: u64,
    deadline: Option<Instant>,
    /// First scheduled send and the period between sends, in fixed-rate mode.
    pacing: Option<(Instant, Duration)>,
}

/// Makes the connection's round trips and returns their latencies in microseconds.
async fn connection(mut stream: TcpStream, plan: Plan) -> io::Result<Vec<u32>> {
    // Distinct bytes per connection, so an echo crossed between connections is caught.
    let mut message: Vec<u8> = (0..plan.size)
        .map(|i| {
            (i as u64)
                .wrapping_mul(131)
                .wrapping_add(plan.id as u64 * 7) as u8
        })
        .collect();
    let mut echo = vec![0u8; plan.size];
    let mut latencies = Vec::new();

    if plan.pacing.is_none() {
        time::sleep_until(plan.start).await;
    }
    let mut round = 0u64;
    while round < plan.quota {
        let begin = match plan.pacing {
            Some((first, period)) => {
                let at = first + period.mul_f64(round as f64);
                if plan.deadline.is_some_and(|d| at >= d) {
                    break;
                }
                time::sleep_until(at).await;
                at
            }
            None => {
                let now = Instant::now();
                if plan.deadline.is_some_and(|d| now >= d) {
                    break;
                }
                now
            }
        };
        message[..8].copy_from_slice(&round.to_le_bytes());
        stalled(
            async {
                stream.write_all(&message).await?;
                stream.read_exact(&mut echo).await
            },
            "round trip",
        )
        .await?;
        if echo != message {
            let at = echo.iter().zip(&message).position(|(a, b)| a != b);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "connection {} round {round}: echo differs from what was sent \
                     (first difference at byte {at:?})",
                    plan.id
                ),
            ));
        }
        let micros = begin.elapsed().as_micros();
        latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
        round += 1;
    }
    // A clean close: the server sees EOF and ends the connection without an error.
    stream.shutdown().await?;
    Ok(latencies)
}

async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = stalled(TcpStream::connect(addr), "connect")
        .await
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "connect to {addr}: {e}; is an echo server listening there? \
                     (`cargo run --release --example echo_server -- --addr {addr}`)"
                ),
            )
        })?;
    // Request/response traffic: a message split in two must not wait for a delayed ACK.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Bounds one step by `STALL`, naming the step in the error.
async fn stalled<T>(
    step: impl std::future::Future<Output = io::Result<T>>,
    what: &str,
) -> io::Result<T> {
    match time::timeout(STALL, step).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{what}: no progress from the server in {STALL:?}"),
        )),
    }
}

/// Parses the command line (program name already skipped).
///
/// # Errors
/// A message naming the bad argument and the accepted forms.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--addr" => options.addr = parse(&value("--addr")?, "--addr")?,
            "--connections" => {
                options.connections = parse(&value("--connections")?, "--connections")?;
            }
            "--size" => options.size = parse(&value("--size")?, "--size")?,
            "--count" => options.stop = Stop::Count(parse(&value("--count")?, "--count")?),
            "--duration" => {
                let secs: f64 = parse(&value("--duration")?, "--duration")?;
                options.stop = Stop::Duration(
                    Duration::try_from_secs_f64(secs)
                        .map_err(|e| format!("--duration {secs}: {e}"))?,
                );
            }
            "--rate" => options.rate = Some(parse(&value("--rate")?, "--rate")?),
            "--threads" => options.threads = parse(&value("--threads")?, "--threads")?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --addr ADDR --connections C --size BYTES \
                     (--duration SECS | --count N) [--rate PER_SEC] [--threads N]"
                ))
            }
        }
    }
    Ok(options)
}

fn parse<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| format!("{name} {text:?}: {e}"))
}

#[allow(dead_code)] // when included by a test, `main` is not called
fn main() {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("echo_client: {msg}");
            std::process::exit(2);
        }
    };
    match run(&options) {
        Ok(report) => println!("{}", report.line(&options)),
        Err(e) => {
            eprintln!("echo_client: {e}");
            std::process::exit(1);
        }
    }
}
