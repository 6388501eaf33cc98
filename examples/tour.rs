//! The tour: the seeds' walk, happening live, with every step traced.
//!
//! ```text
//! cargo run --release --example tour --features trace
//! cargo run --release --example tour --features trace -- --json tour.json   # + a Perfetto picture
//! cargo run --release --example tour --features trace -- --threads 2         # work-stealing runtime
//! ```
//!
//! Seed 000 starts from one line, `TcpStream::connect("127.0.0.1:6142").await`, and follows
//! it down through the runtime to the kernel and back. This example runs that line — against
//! a listener it starts itself, so it needs nothing else — prints "created stream", sends one
//! message through an echo task, and exits. Built with the `trace` feature, it prints one line
//! per step, each naming the corium function that does it:
//!
//! 1. `TcpListener::bind`: `socket`, `setsockopt(SO_REUSEADDR)`, `bind`, `listen(1024)`.
//! 2. `spawn` the client task; the scheduler queues it and runs it.
//! 3. `TcpStream::connect` → `to_socket_addrs` (a literal address: no thread, no DNS) →
//!    `connect_addr` → a nonblocking `socket` + `connect` = `EINPROGRESS`.
//! 4. The socket is registered with the reactor: `epoll_ctl(ADD, …, READABLE | WRITABLE)`.
//! 5. The task waits in `poll_write_ready`; with nothing left to run, the thread parks on the
//!    driver: `epoll_wait`.
//! 6. The handshake completes in the kernel; `epoll_wait` returns the socket's token;
//!    the reactor sets `+WRITABLE` and bumps the write tick; the task is woken and scheduled.
//! 7. The task checks `take_error` (`getsockopt(SO_ERROR)` = 0): connected.
//! 8. Only now does the listener side `accept` — the kernel finished the handshake without
//!    it; the connection waited in the accept queue — and `spawn`s an echo task for it.
//! 9. One message goes out and comes back; everything shuts down.
//!
//! Without the feature the example still runs (and says how to see the trace).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use corium::io::{AsyncReadExt, AsyncWriteExt};
use corium::net::{TcpListener, TcpStream};
use corium::runtime::Builder;
use corium::sys::trace::{self, Layer};

/// The seed's port; taken only if it is free.
const SEED_PORT: u16 = 6142;
/// What the client sends, and the echo task sends back.
pub const MESSAGE: &[u8] = b"hello from the tour\n";

/// What the tour is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also write a Chrome Trace Event file here (open it at <https://ui.perfetto.dev>).
    pub json: Option<PathBuf>,
    /// Worker threads; 0 (the default) runs everything on one thread, so the trace reads in
    /// causal order, line after line.
    pub threads: usize,
    /// Leave tracing as the environment (`CORIUM_TRACE`) sets it instead of turning every
    /// layer on; the test uses this to capture lines itself.
    pub keep_trace_config: bool,
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    /// The listener's address (port 6142 unless it was taken).
    pub addr: SocketAddr,
    /// The bytes the echo task sent back.
    pub echoed: Vec<u8>,
}

/// Runs the tour.
pub fn run(options: &Options) -> io::Result<Report> {
    if trace::COMPILED {
        if !options.keep_trace_config {
            trace::enable(&Layer::ALL);
        }
        trace::budget::start();
        if let Some(path) = &options.json {
            trace::chrome::start(path)?;
        }
    }

    // `#[tokio::main]` in the seed builds a multi-thread runtime. The tour defaults to one
    // thread so every step happens in order and the task really waits for its connect (with
    // idle workers, one may see the socket become writable before the task first looks).
    let rt = if options.threads == 0 {
        Builder::new_current_thread().enable_all().build()?
    } else {
        Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()?
    };
    let report = rt.block_on(async {
        // Step 1: the listener. The seed's port if free, else any.
        let listener = match TcpListener::bind(("127.0.0.1", SEED_PORT)).await {
            Ok(l) => l,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                TcpListener::bind("127.0.0.1:0").await?
            }
            Err(e) => return Err(e),
        };
        let addr = listener.local_addr()?;

        // Steps 2–7: the seed's demo, verbatim but for the address.
        let client = corium::spawn(async move {
            let stream = TcpStream::connect(addr).await?;
            println!("created stream");
            Ok::<_, io::Error>(stream)
        });
        let mut stream = client.await.map_err(io::Error::other)??;

        // Step 8: the accept, and a task per connection.
        let (mut socket, _peer) = listener.accept().await?;
        let echo = corium::spawn(async move {
            let mut buf = vec![0; MESSAGE.len()];
            socket.read_exact(&mut buf).await?;
            socket.write_all(&buf).await?;
            Ok::<_, io::Error>(())
        });

        // Step 9: one round trip.
        stream.write_all(MESSAGE).await?;
        let mut echoed = vec![0; MESSAGE.len()];
        stream.read_exact(&mut echoed).await?;
        trace::budget::op();
        echo.await.map_err(io::Error::other)??;
        Ok(Report { addr, echoed })
    })?;
    drop(rt);

    if trace::COMPILED {
        let budget = trace::budget::report();
        trace::budget::stop();
        trace::finish()?;
        eprintln!("\nsyscalls made by the whole tour:\n{budget}");
    } else {
        eprintln!(
            "(built without the trace feature: run `cargo run --release --example tour \
             --features trace` to watch every step)"
        );
    }
    Ok(report)
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => options.json = Some(args.next().ok_or("--json needs a path")?.into()),
            "--threads" => {
                let v = args.next().ok_or("--threads needs a number")?;
                options.threads = v.parse().map_err(|e| format!("--threads {v}: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --json PATH, --threads N"
                ))
            }
        }
    }
    Ok(options)
}

#[allow(dead_code)] // when included by the test, `main` is not called
fn main() {
    let options = parse_args().unwrap_or_else(|msg| {
        eprintln!("tour: {msg}");
        std::process::exit(2);
    });
    match run(&options) {
        Ok(report) => println!(
            "tour: {} echoed {:?}",
            report.addr,
            String::from_utf8_lossy(&report.echoed)
        ),
        Err(e) => {
            eprintln!("tour: {e}");
            std::process::exit(1);
        }
    }
}
