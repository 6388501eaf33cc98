//! Corium issue 5: "a tokio echo server, with `tokio::` renamed to `corium::`, compiles and runs
//! unchanged" — and, since issue 14, its `#[tokio::main]` and `select!` too.
//!
//! `echo_program!` below holds the program text *once*: an echo server as a tokio user writes
//! it (bind, accept loop, `spawn` per connection, `read` / `write_all`), a second server in the
//! `split` + `io::copy` style, and clients using `connect`, `write_all`, `read_exact` raced
//! against a timer with `select!`, `into_split`, `BufReader::lines`, `time::timeout`, and
//! `try_join!`. The macro's only parameter is the crate the program is written against:
//! `echo_program!(tokio)` compiles it against real tokio, `echo_program!(corium)` against
//! corium. Both expansions are the same tokens apart from that one name, so the program is
//! ported by renaming and nothing else.
//!
//! The program has two entry points, one per way a tokio user starts a runtime:
//! `#[tokio::main]` (multi-thread) and `#[tokio::main(flavor = "current_thread")]`, each on an
//! `async fn` returning `Result` (renamed, `#[corium::main]`). Each run records the flavour its
//! runtime reports, so a port that silently ran on the other scheduler fails.
//!
//! The tests run all four (two crates × two flavours), each against the same expected
//! transcript, so all four are identical; then they cross the halves over the wire (corium's
//! client against tokio's server and the other way round).

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What one run of the program observed; both runtimes must produce the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The reply to `ping`, sent and read back whole with `read_exact`.
    pub ping: Vec<u8>,
    /// The lines the line client read back from the `read`/`write_all` server.
    pub lines: Vec<String>,
    /// Bytes a bulk client sent to the `io::copy` server and received back.
    pub bulk: Vec<u8>,
    /// The `Debug` form of `Handle::current().runtime_flavor()` inside the program.
    pub flavor: String,
}

/// The lines the line client sends.
const LINES: usize = 200;
/// The bulk client's payload size: larger than socket buffers, so both sides must interleave.
const BULK: usize = 3 * 1024 * 1024 + 17;

macro_rules! echo_program {
    ($rt:ident) => {
        use std::error::Error;
        use std::net::SocketAddr;
        use std::time::Duration;

        use $rt::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        use $rt::net::{TcpListener, TcpStream};
        use $rt::runtime::Handle;
        use $rt::time::timeout;

        use super::Transcript;

        pub type BoxError = Box<dyn Error + Send + Sync>;

        /// The echo server of every tutorial: a task per connection, a fixed buffer, `read`
        /// then `write_all` until the peer closes.
        pub async fn serve(listener: TcpListener) -> Result<(), BoxError> {
            loop {
                let (mut socket, _peer) = listener.accept().await?;
                $rt::spawn(async move {
                    let mut buf = vec![0; 1024];
                    loop {
                        let n = match socket.read(&mut buf).await {
                            Ok(0) => return,
                            Ok(n) => n,
                            Err(e) => {
                                eprintln!("read from socket failed: {e}");
                                return;
                            }
                        };
                        if let Err(e) = socket.write_all(&buf[..n]).await {
                            eprintln!("write to socket failed: {e}");
                            return;
                        }
                    }
                });
            }
        }

        /// The other common style: borrow the two halves and let `io::copy` pump them.
        pub async fn serve_with_copy(listener: TcpListener) -> Result<(), BoxError> {
            loop {
                let (mut socket, _) = listener.accept().await?;
                $rt::spawn(async move {
                    let (mut reader, mut writer) = socket.split();
                    if let Err(e) = $rt::io::copy(&mut reader, &mut writer).await {
                        eprintln!("copy failed: {e}");
                    }
                });
            }
        }

        /// Sends `ping` and reads exactly as many bytes back.
        pub async fn ping(addr: SocketAddr) -> Result<Vec<u8>, BoxError> {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            stream.write_all(b"ping").await?;
            let mut reply = [0u8; 4];
            $rt::select! {
                read = stream.read_exact(&mut reply) => {
                    read?;
                }
                () = $rt::time::sleep(Duration::from_secs(10)) => {
                    return Err("no reply to ping in 10 s".into());
                }
            }
            Ok(reply.to_vec())
        }

        /// Writes numbered lines from one task while this one reads them back line by line.
        pub async fn line_client(addr: SocketAddr, count: usize) -> Result<Vec<String>, BoxError> {
            let stream = TcpStream::connect(addr).await?;
            let (read_half, mut write_half) = stream.into_split();
            let writer = $rt::spawn(async move {
                for i in 0..count {
                    write_half
                        .write_all(format!("line {i}\n").as_bytes())
                        .await?;
                }
                write_half.shutdown().await?;
                Ok::<_, std::io::Error>(())
            });
            let mut lines = BufReader::new(read_half).lines();
            let mut received = Vec::new();
            while let Some(line) = timeout(Duration::from_secs(10), lines.next_line()).await?? {
                received.push(line);
            }
            writer.await??;
            Ok(received)
        }

        /// Sends `size` bytes through `io::split` halves while reading the echo concurrently.
        pub async fn bulk_client(addr: SocketAddr, size: usize) -> Result<Vec<u8>, BoxError> {
            let stream = TcpStream::connect(addr).await?;
            let (mut reader, mut writer) = $rt::io::split(stream);
            let sender = $rt::spawn(async move {
                let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
                writer.write_all(&data).await?;
                writer.shutdown().await?;
                Ok::<_, std::io::Error>(())
            });
            let mut echoed = Vec::new();
            timeout(Duration::from_secs(30), reader.read_to_end(&mut echoed)).await??;
            sender.await??;
            Ok(echoed)
        }

        /// The body of `async fn main()`: start both servers and run the clients against
        /// them. The servers outlive it; the runtime that ran it ends them when dropped.
        pub async fn program() -> Result<Transcript, BoxError> {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            $rt::spawn(async move {
                if let Err(e) = serve(listener).await {
                    eprintln!("server failed: {e}");
                }
            });
            let copy_listener = TcpListener::bind("127.0.0.1:0").await?;
            let copy_addr = copy_listener.local_addr()?;
            $rt::spawn(serve_with_copy(copy_listener));

            let (ping, lines) = $rt::try_join!(ping(addr), line_client(addr, super::LINES))?;
            let bulk = bulk_client(copy_addr, super::BULK).await?;
            let flavor = format!("{:?}", Handle::current().runtime_flavor());
            Ok(Transcript {
                ping,
                lines,
                bulk,
                flavor,
            })
        }

        /// `#[tokio::main]`: a multi-thread runtime; returning when the clients are done
        /// drops the runtime and with it the servers.
        #[$rt::main]
        pub async fn main() -> Result<Transcript, BoxError> {
            program().await
        }

        /// `#[tokio::main(flavor = "current_thread")]`: every task, servers included, runs on
        /// this thread.
        #[$rt::main(flavor = "current_thread")]
        pub async fn main_current_thread() -> Result<Transcript, BoxError> {
            program().await
        }
    };
}

mod on_tokio {
    echo_program!(tokio);
}

mod on_corium {
    echo_program!(corium);
}

fn expected(flavor: &str) -> Transcript {
    Transcript {
        ping: b"ping".to_vec(),
        lines: (0..LINES).map(|i| format!("line {i}")).collect(),
        bulk: (0..BULK).map(|i| (i % 251) as u8).collect(),
        flavor: flavor.to_owned(),
    }
}

/// Compares field by field, so a 3 MiB bulk mismatch is reported without printing it.
#[track_caller]
fn check(transcript: Transcript, flavor: &str) {
    let expected = expected(flavor);
    assert_eq!(
        transcript.flavor, expected.flavor,
        "ran on the wrong scheduler"
    );
    assert_eq!(transcript.ping, expected.ping);
    assert_eq!(transcript.lines, expected.lines);
    assert_eq!(transcript.bulk.len(), BULK);
    assert!(transcript.bulk == expected.bulk, "bulk echo corrupted");
    assert_eq!(transcript, expected);
}

#[test]
fn the_tokio_program_runs_on_tokio() {
    check(
        on_tokio::main().expect("the program failed on tokio"),
        "MultiThread",
    );
}

#[test]
fn the_same_program_renamed_runs_on_corium() {
    check(
        on_corium::main().expect("the program failed on corium"),
        "MultiThread",
    );
}

#[test]
fn the_current_thread_tokio_program_runs_on_tokio() {
    check(
        on_tokio::main_current_thread().expect("the current-thread program failed on tokio"),
        "CurrentThread",
    );
}

#[test]
fn the_same_current_thread_program_renamed_runs_on_corium() {
    check(
        on_corium::main_current_thread().expect("the current-thread program failed on corium"),
        "CurrentThread",
    );
}

/// A server thread: its address, and the handle to join once its `stop` sender is dropped.
type ServerThread = (SocketAddr, thread::JoinHandle<()>);

/// Starts `serve` on its own runtime on a thread that lives until `stop` is dropped. Each
/// runtime's own API is used here, outside the shared program text.
fn corium_server(stop: mpsc::Receiver<()>) -> ServerThread {
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let rt = corium::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let listener = corium::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            corium::spawn(on_corium::serve(listener));
        });
        // The server task keeps running on the workers until the runtime is dropped.
        let _ = stop.recv();
    });
    (rx.recv_timeout(Duration::from_secs(10)).unwrap(), thread)
}

fn tokio_server(stop: mpsc::Receiver<()>) -> ServerThread {
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            tokio::spawn(on_tokio::serve(listener));
        });
        let _ = stop.recv();
    });
    (rx.recv_timeout(Duration::from_secs(10)).unwrap(), thread)
}

#[test]
fn corium_and_tokio_halves_talk_to_each_other() {
    let (stop_tokio, rx) = mpsc::channel::<()>();
    let (tokio_addr, tokio_thread) = tokio_server(rx);
    let lines = corium::runtime::Runtime::new()
        .unwrap()
        .block_on(on_corium::line_client(tokio_addr, LINES))
        .expect("corium client against tokio server");
    assert_eq!(lines, expected("").lines);
    drop(stop_tokio);
    tokio_thread.join().unwrap();

    let (stop_corium, rx) = mpsc::channel::<()>();
    let (corium_addr, corium_thread) = corium_server(rx);
    let lines = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(on_tokio::line_client(corium_addr, LINES))
        .expect("tokio client against corium server");
    assert_eq!(lines, expected("").lines);
    drop(stop_corium);
    corium_thread.join().unwrap();
}
