//! Seed 003's poll loop, on corium's selector: one thread, one `Poll`, many sockets.
//!
//! ```text
//! cargo run --release --example poll_echo                 # 3 built-in clients, then exit
//! cargo run --release --example poll_echo -- --clients 50
//! cargo run --release --example poll_echo -- --addr 127.0.0.1:13265 --clients 0   # serve `nc` forever
//! ```
//!
//! The walk, step by step (each step names the corium item that does it):
//!
//! 1. `Poll::new` creates the kernel queue (`epoll_create1` / `kqueue`).
//! 2. `TcpListener::bind` makes a nonblocking socket with `SO_REUSEADDR`, binds, `listen(1024)`.
//! 3. `Registry::register(listener, SERVER, READABLE)`: `epoll_ctl(ADD)` with `EPOLLET`.
//! 4. `Poll::poll` blocks in `epoll_wait` until something changes.
//! 5. `SERVER` readable: **accept until `WouldBlock`** (edge-triggered: one event may stand for
//!    many pending connections) and register each with its own token, READABLE | WRITABLE.
//! 6. A connection writable for the first time: send the greeting, then `reregister` for
//!    READABLE only (we have nothing more to say until it speaks).
//! 7. Readable: **read until `WouldBlock`**, echoing every byte back. A write that would block
//!    keeps the rest and asks for WRITABLE again. `read` returning 0 means the peer closed:
//!    deregister and drop.
//! 8. `Interrupted` from any call means "do it again"; spurious events are ignored.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::thread;

use corium::sys::event::Event;
use corium::sys::net::{TcpListener, TcpStream};
use corium::sys::{Events, Interest, Poll, Registry, Token};

/// The listener's token; connections count up from 1.
const SERVER: Token = Token(0);
/// What every connection hears first.
pub const GREETING: &[u8] = b"Hello from corium!\n";

/// What the example is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// How many built-in clients to start; the server exits once that many connections have
    /// closed. 0 means: no clients, serve forever.
    pub clients: usize,
}

/// What happened, for the test that drives this example.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Connections accepted.
    pub accepted: usize,
    /// Connections that closed cleanly.
    pub closed: usize,
    /// Bytes echoed back.
    pub echoed: usize,
}

/// One accepted connection and what is still owed to it.
struct Connection {
    stream: TcpStream,
    greeted: bool,
    /// Echo bytes the socket would not take yet.
    unsent: Vec<u8>,
}

/// Runs the poll loop until `options.clients` connections have closed (forever if 0).
pub fn run(options: &Options) -> io::Result<Summary> {
    let mut poll = Poll::new()?; // step 1
    let mut events = Events::with_capacity(128);

    let mut listener = TcpListener::bind(options.addr)?; // step 2
    let addr = listener.local_addr()?;
    poll.registry()
        .register(&mut listener, SERVER, Interest::READABLE)?; // step 3
    println!("poll_echo: listening on {addr}");

    let clients: Vec<_> = (0..options.clients)
        .map(|i| thread::spawn(move || client(addr, i)))
        .collect();

    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1;
    let mut summary = Summary::default();

    while options.clients == 0 || summary.closed < options.clients {
        match poll.poll(&mut events, None) {
            // step 4
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue, // step 8
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            if event.token() == SERVER {
                // step 5: drain the accept queue.
                loop {
                    match listener.accept() {
                        Ok((mut stream, peer)) => {
                            let token = Token(next_token);
                            next_token += 1;
                            poll.registry().register(
                                &mut stream,
                                token,
                                Interest::READABLE | Interest::WRITABLE,
                            )?;
                            println!("poll_echo: accepted {peer} as {token:?}");
                            summary.accepted += 1;
                            connections.insert(
                                token,
                                Connection {
                                    stream,
                                    greeted: false,
                                    unsent: Vec::new(),
                                },
                            );
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            // A token we no longer know is a spurious event for a closed connection: skip it.
            let Some(conn) = connections.get_mut(&event.token()) else {
                continue;
            };
            match handle_connection(poll.registry(), conn, event, &mut summary.echoed) {
                Ok(true) => {}
                Ok(false) | Err(_) => {
                    let mut conn = connections.remove(&event.token()).expect("present above");
                    poll.registry().deregister(&mut conn.stream)?;
                    summary.closed += 1;
                    println!("poll_echo: {:?} closed", event.token());
                }
            }
        }
    }

    for client in clients {
        client.join().expect("client thread panicked")?;
    }
    Ok(summary)
}

/// Steps 6 and 7. Returns whether the connection stays open.
fn handle_connection(
    registry: &Registry,
    conn: &mut Connection,
    event: &Event,
    echoed: &mut usize,
) -> io::Result<bool> {
    if event.is_writable() {
        if !conn.greeted {
            // step 6: the greeting is short; a fresh socket's buffer always takes it whole.
            write_retrying(&mut conn.stream, GREETING)?;
            conn.greeted = true;
        }
        if !flush_unsent(conn)? {
            return Ok(true); // still blocked: stay registered for WRITABLE
        }
        registry.reregister(&mut conn.stream, event.token(), Interest::READABLE)?;
    }
    if event.is_readable() {
        // step 7: drain until WouldBlock, echoing as we go.
        let mut buf = [0u8; 4096];
        loop {
            match conn.stream.read(&mut buf) {
                Ok(0) => return Ok(false), // peer closed its write side: we are done
                Ok(n) => {
                    *echoed += n;
                    conn.unsent.extend_from_slice(&buf[..n]);
                    if !flush_unsent(conn)? {
                        // The peer is slow to read: wait for WRITABLE before echoing more.
                        let both = Interest::READABLE | Interest::WRITABLE;
                        registry.reregister(&mut conn.stream, event.token(), both)?;
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
    Ok(true)
}

/// Writes as much of `conn.unsent` as the socket takes; `true` once it is all gone.
fn flush_unsent(conn: &mut Connection) -> io::Result<bool> {
    while !conn.unsent.is_empty() {
        match conn.stream.write(&conn.unsent) {
            Ok(n) => {
                conn.unsent.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn write_retrying(stream: &mut TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match stream.write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A built-in blocking client: read the greeting, send a line, read the echo, close.
fn client(addr: SocketAddr, i: usize) -> io::Result<()> {
    let stream = std::net::TcpStream::connect(addr)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if line.as_bytes() != GREETING {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("greeting was {line:?}"),
        ));
    }
    let message = format!("ping from client {i}\n");
    (&stream).write_all(message.as_bytes())?;
    line.clear();
    reader.read_line(&mut line)?;
    if line != message {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("echo was {line:?}"),
        ));
    }
    stream.shutdown(std::net::Shutdown::Write)?;
    // Wait for the server to close its side too, so every connection ends cleanly.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest)?;
    Ok(())
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:0".parse().unwrap(),
        clients: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--addr" => {
                let v = value("--addr")?;
                options.addr = v.parse().map_err(|e| format!("--addr {v}: {e}"))?;
            }
            "--clients" => {
                let v = value("--clients")?;
                options.clients = v.parse().map_err(|e| format!("--clients {v}: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use --addr ADDR --clients N"
                ))
            }
        }
    }
    Ok(options)
}

#[allow(dead_code)] // when included by the test, `main` is not called
fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("poll_echo: {msg}");
            std::process::exit(2);
        }
    };
    match run(&options) {
        Ok(s) => println!(
            "poll_echo: done: {} accepted, {} closed, {} bytes echoed",
            s.accepted, s.closed, s.echoed
        ),
        Err(e) => {
            eprintln!("poll_echo: {e}");
            std::process::exit(1);
        }
    }
}
