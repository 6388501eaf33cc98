//! An echo server with a deadline, written the way a tokio user writes one: `#[corium::main]`
//! on a `main` that returns `io::Result`, `select!` between accepting and the deadline,
//! `join!` to run the server and its clients side by side.
//!
//! ```text
//! cargo run --example deadline_echo
//! ```
//!
//! The server accepts connections until it has served as many as expected or the deadline
//! fires, whichever is first; each client sends a line and reads the echo. `main` prints what
//! came back.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use corium::io::{AsyncReadExt, AsyncWriteExt};
use corium::net::{TcpListener, TcpStream};
use corium::time::sleep;

/// How many clients `main` runs.
const CLIENTS: usize = 3;

/// What one run did.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    /// Connections the server accepted before it stopped.
    pub accepted: usize,
    /// Whether the server stopped because the deadline fired.
    pub timed_out: bool,
    /// What each client read back, in client order.
    pub echoes: Vec<String>,
}

/// Accepts up to `expected` connections, echoing each on its own task, until `deadline`.
pub async fn serve(
    listener: TcpListener,
    expected: usize,
    deadline: Duration,
) -> io::Result<(usize, bool)> {
    let deadline = sleep(deadline);
    corium::pin!(deadline);
    let mut accepted = 0;
    while accepted < expected {
        corium::select! {
            conn = listener.accept() => {
                let (mut socket, _) = conn?;
                accepted += 1;
                corium::spawn(async move {
                    let mut buf = [0; 256];
                    while let Ok(n @ 1..) = socket.read(&mut buf).await {
                        if socket.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
            () = &mut deadline => return Ok((accepted, true)),
        }
    }
    Ok((accepted, false))
}

/// Connects `count` clients one after another; each sends a line and reads it back.
async fn clients(addr: SocketAddr, count: usize) -> io::Result<Vec<String>> {
    let mut echoes = Vec::new();
    for i in 0..count {
        let mut stream = TcpStream::connect(addr).await?;
        let line = format!("hello {i}\n");
        stream.write_all(line.as_bytes()).await?;
        let mut back = vec![0; line.len()];
        stream.read_exact(&mut back).await?;
        echoes.push(String::from_utf8_lossy(&back).into_owned());
    }
    Ok(echoes)
}

/// Runs the server and `count` clients together, the server bounded by `deadline`.
pub async fn run(count: usize, deadline: Duration) -> io::Result<Report> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (served, echoes) =
        corium::try_join!(serve(listener, count, deadline), clients(addr, count))?;
    Ok(Report {
        accepted: served.0,
        timed_out: served.1,
        echoes,
    })
}

/// `pub` only so `tests/macros_example.rs` can call it.
#[corium::main]
pub async fn main() -> io::Result<()> {
    let report = run(CLIENTS, Duration::from_secs(10)).await?;
    for echo in &report.echoes {
        print!("echoed: {echo}");
    }
    println!(
        "accepted {} connection(s){}",
        report.accepted,
        if report.timed_out {
            ", then the deadline fired"
        } else {
            ""
        }
    );
    Ok(())
}
