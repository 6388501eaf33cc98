//! An echo server on the corium runtime: one task per connection, each reading into a buffer
//! and writing back what it read until the peer closes.
//!
//! ```text
//! cargo run --release --example echo_server                              # 127.0.0.1:6142, 2 workers
//! cargo run --release --example echo_server -- --threads 0               # current-thread runtime
//! cargo run --release --example echo_server -- --addr 127.0.0.1:0 --max-conns 10
//! ```
//!
//! With `--max-conns N` the server stops accepting after `N` connections and exits once all of
//! them have closed, printing what it echoed; without it, it serves until killed. Drive it
//! with `examples/echo_client.rs`.
//!
//! The shape is the one every tokio tutorial teaches (`TcpListener::bind`, an accept loop,
//! `spawn` per connection, `read` then `write_all`), written against `corium::net` and
//! `corium::io`.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use corium::io::{AsyncReadExt, AsyncWriteExt};
use corium::net::{TcpListener, TcpStream};
use corium::runtime::{Builder, Handle, Runtime, RuntimeFlavor};

/// What the server is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// Worker threads of the multi-thread runtime; 0 selects the current-thread runtime.
    pub threads: usize,
    /// Stop accepting after this many connections and return once they have all closed;
    /// `None` serves forever.
    pub max_conns: Option<usize>,
    /// Size of each connection's read buffer, in bytes.
    pub buffer: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 6142)),
            threads: 2,
            max_conns: None,
            buffer: 16 * 1024,
        }
    }
}

/// What happened, for the test that drives this example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The runtime the server ran on, as that runtime reports itself.
    pub runtime: RuntimeInfo,
    /// Connections accepted.
    pub accepted: usize,
    /// Connections that ended with an error (reset, broken pipe, ...) instead of a clean EOF.
    pub failed: usize,
    /// Bytes read and written back, over all connections.
    pub echoed: u64,
}

/// A runtime's scheduler and worker count, read from the running runtime rather than from the
/// options that asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeInfo {
    /// The scheduler.
    pub flavor: RuntimeFlavor,
    /// Worker threads (1 for the current-thread scheduler).
    pub workers: usize,
}

impl RuntimeInfo {
    /// The runtime the caller runs on.
    ///
    /// # Panics
    /// Outside a corium runtime.
    pub fn current() -> RuntimeInfo {
        let handle = Handle::current();
        RuntimeInfo {
            flavor: handle.runtime_flavor(),
            workers: handle.metrics().num_workers(),
        }
    }
}

impl std::fmt::Display for RuntimeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.flavor {
            RuntimeFlavor::CurrentThread => f.write_str("current-thread runtime"),
            _ => write!(f, "multi-thread runtime, {} workers", self.workers),
        }
    }
}

/// Counters the connection tasks update as they finish, so the serve-forever mode need not
/// keep a handle per connection.
#[derive(Default)]
struct Counters {
    failed: AtomicUsize,
    echoed: AtomicU64,
}

/// Builds the runtime `threads` asks for (0: current-thread).
///
/// # Errors
/// The runtime's own build error (threads or the reactor could not be created).
pub fn runtime(threads: usize) -> io::Result<Runtime> {
    let mut builder = if threads == 0 {
        Builder::new_current_thread()
    } else {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    builder.enable_all().build()
}

/// Runs the server; `listening` is told the bound address and the runtime serving it before
/// the first accept.
///
/// # Errors
/// Building the runtime, binding the listener, or an accept error that is not transient.
pub fn run(
    options: &Options,
    listening: impl FnOnce(SocketAddr, RuntimeInfo),
) -> io::Result<Summary> {
    if options.buffer == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "--buffer must be at least 1 byte",
        ));
    }
    runtime(options.threads)?.block_on(serve(options, listening))
}

async fn serve(
    options: &Options,
    listening: impl FnOnce(SocketAddr, RuntimeInfo),
) -> io::Result<Summary> {
    let listener = TcpListener::bind(options.addr).await?;
    let runtime = RuntimeInfo::current();
    listening(listener.local_addr()?, runtime);

    let counters = Arc::new(Counters::default());
    let mut tasks = Vec::new();
    let mut accepted = 0;
    while options.max_conns.is_none_or(|max| accepted < max) {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) if is_transient(&e) => {
                // Out of descriptors, or a connection that died in the backlog: the listener
                // itself is fine. Back off briefly so an fd shortage does not become a spin.
                corium::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        accepted += 1;
        let counters = Arc::clone(&counters);
        let buffer = options.buffer;
        let task = corium::spawn(async move {
            match echo(stream, buffer, &counters.echoed).await {
                Ok(()) => {}
                Err(e) => {
                    counters.failed.fetch_add(1, Relaxed);
                    eprintln!("echo_server: connection ended with an error: {e}");
                }
            }
        });
        // Only a bounded run waits for its connections; serving forever keeps no handles.
        if options.max_conns.is_some() {
            tasks.push(task);
        }
    }
    for task in tasks {
        if task.await.is_err() {
            counters.failed.fetch_add(1, Relaxed);
        }
    }
    Ok(Summary {
        runtime,
        accepted,
        failed: counters.failed.load(Relaxed),
        echoed: counters.echoed.load(Relaxed),
    })
}

/// Echoes until the peer's EOF, adding each chunk to `echoed` as it goes.
async fn echo(mut stream: TcpStream, buffer: usize, echoed: &AtomicU64) -> io::Result<()> {
    // Request/response traffic: a partial echo must not wait for the peer's delayed ACK.
    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; buffer];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
        echoed.fetch_add(n as u64, Relaxed);
    }
}

/// Accept errors that say something about one connection or a momentary shortage, not about
/// the listener.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || matches!(
        e.raw_os_error(),
        Some(libc_codes::EMFILE | libc_codes::ENFILE | libc_codes::ENOBUFS | libc_codes::ENOMEM)
    )
}

/// The errno values `is_transient` needs, without making the example depend on `libc`.
mod libc_codes {
    pub const ENOMEM: i32 = 12;
    pub const ENFILE: i32 = 23;
    pub const EMFILE: i32 = 24;
    #[cfg(target_os = "linux")]
    pub const ENOBUFS: i32 = 105;
    #[cfg(not(target_os = "linux"))]
    pub const ENOBUFS: i32 = 55;
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
            "--threads" => options.threads = parse(&value("--threads")?, "--threads")?,
            "--max-conns" | "--exit-after" => {
                options.max_conns = Some(parse(&value(&arg)?, &arg)?);
            }
            "--buffer" => options.buffer = parse(&value("--buffer")?, "--buffer")?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --addr ADDR --threads N (0 = current-thread) \
                     --max-conns N --buffer BYTES"
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
            eprintln!("echo_server: {msg}");
            std::process::exit(2);
        }
    };
    let result = run(&options, |addr, runtime| {
        println!("echo_server: listening on {addr} ({runtime})");
    });
    match result {
        Ok(s) => println!(
            "echo_server: done on the {}: {} connections, {} failed, {} bytes echoed",
            s.runtime, s.accepted, s.failed, s.echoed
        ),
        Err(e) => {
            eprintln!("echo_server: {e}");
            std::process::exit(1);
        }
    }
}
