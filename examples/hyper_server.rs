//! hyper 1.x on corium: an HTTP server speaking HTTP/1.1 and HTTP/2 on one port (chosen per
//! connection from the client's first bytes), with graceful shutdown. No glue code: the
//! `hyper` feature's `HyperIo`, `CoriumExecutor` and `CoriumTimer` are all hyper needs.
//!
//! ```text
//! cargo run --example hyper_server --features hyper                # 127.0.0.1:3000
//! cargo run --example hyper_server --features hyper -- 127.0.0.1:0
//! curl http://127.0.0.1:3000/                                      # HTTP/1.1
//! curl --http2-prior-knowledge -d hello http://127.0.0.1:3000/echo # HTTP/2
//! ```
//!
//! Routes: `GET /` says hello; `POST /echo` streams the request body back as the response
//! body (any size: nothing is buffered whole). Press Enter (or close standard input) to shut
//! down gracefully: the server stops accepting, asks every connection to finish (HTTP/1.1
//! closes after the response in flight, HTTP/2 sends GOAWAY and completes open streams), and
//! exits once they have.
//!
//! `tests/hyper_server.rs` runs this very server (`serve`) against a hyper client on corium.

use std::convert::Infallible;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use corium::net::hyper_rt::{CoriumExecutor, CoriumTimer, HyperIo};
use corium::net::{TcpListener, TcpStream};
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};

/// The body every response has: either a fixed text or the request's own body, streamed.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// The request handler.
pub async fn handle(request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let text = |status, text: &'static str| {
        let mut response = Response::new(
            Full::new(Bytes::from_static(text.as_bytes()))
                .map_err(|e| match e {})
                .boxed(),
        );
        *response.status_mut() = status;
        response
    };
    Ok(match (request.method(), request.uri().path()) {
        (&Method::GET, "/") => text(StatusCode::OK, "hello from hyper on corium\n"),
        (&Method::POST, "/echo") => Response::new(request.into_body().boxed()),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    })
}

/// The first bytes an HTTP/2 client sends (RFC 9113, section 3.4); HTTP/1.1 starts otherwise.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether the connection speaks HTTP/2: looks at (without consuming) its first bytes.
async fn is_http2(stream: &TcpStream) -> io::Result<bool> {
    let mut first = [0; H2_PREFACE.len()];
    loop {
        let n = stream.peek(&mut first).await?;
        if n == 0 || first[..n] != H2_PREFACE[..n] {
            return Ok(false);
        }
        if n == first.len() {
            return Ok(true);
        }
        // Part of the preface so far: a peek would return at once with the same bytes, so
        // give the rest a moment to arrive (clients send the preface in one segment anyway).
        corium::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Serves one connection with the protocol it speaks, until it closes or, after
/// [`Graceful::shutdown`], until it has finished what it was doing.
pub async fn serve_connection(stream: TcpStream, graceful: Graceful) -> Result<(), String> {
    let _active = graceful.track();
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let h2 = is_http2(&stream).await.map_err(|e| e.to_string())?;
    let io = HyperIo::new(stream);
    let service = service_fn(handle);
    if h2 {
        let conn = http2::Builder::new(CoriumExecutor::new())
            .timer(CoriumTimer::new())
            .serve_connection(io, service);
        drive(conn, &graceful, |c| c.graceful_shutdown()).await
    } else {
        let conn = http1::Builder::new()
            .timer(CoriumTimer::new())
            .header_read_timeout(Duration::from_secs(10))
            .serve_connection(io, service);
        drive(conn, &graceful, |c| c.graceful_shutdown()).await
    }
}

/// Polls a hyper connection to completion, asking it to wind down once shutdown starts.
async fn drive<C, E>(
    conn: C,
    graceful: &Graceful,
    wind_down: impl Fn(Pin<&mut C>),
) -> Result<(), String>
where
    C: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut conn = pin!(conn);
    let mut asked = false;
    poll_fn(|cx| {
        if !asked && graceful.poll_stopping(cx).is_ready() {
            asked = true;
            wind_down(conn.as_mut());
        }
        conn.as_mut().poll(cx)
    })
    .await
    .map_err(|e| e.to_string())
}

/// Accepts connections on `listener` and serves each on its own task until
/// [`Graceful::shutdown`]; then stops accepting and returns once every connection is done.
pub async fn serve(listener: TcpListener, graceful: Graceful) -> io::Result<()> {
    loop {
        let accepted = poll_fn(|cx| match graceful.poll_stopping(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => listener.poll_accept(cx).map(Some),
        })
        .await;
        match accepted {
            None => break,
            Some(Ok((stream, _))) => {
                let graceful = graceful.clone();
                corium::spawn(async move {
                    if let Err(e) = serve_connection(stream, graceful).await {
                        eprintln!("hyper_server: connection: {e}");
                    }
                });
            }
            // Out of descriptors and the like: this connection is lost, the server is not.
            Some(Err(e)) => {
                eprintln!("hyper_server: accept: {e}");
                corium::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    graceful.drained().await;
    Ok(())
}

/// Graceful shutdown: a flag every connection watches, and a count of live connections.
#[derive(Clone, Default)]
pub struct Graceful(Arc<GracefulState>);

#[derive(Default)]
struct GracefulState {
    stopping: AtomicBool,
    active: AtomicUsize,
    wakers: Mutex<Vec<Waker>>,
}

impl Graceful {
    /// Starts the shutdown: no new connections, and live ones finish what they are doing.
    pub fn shutdown(&self) {
        self.0.stopping.store(true, Ordering::SeqCst);
        self.wake_all();
    }

    /// Live connections.
    pub fn active(&self) -> usize {
        self.0.active.load(Ordering::SeqCst)
    }

    fn wake_all(&self) {
        let wakers = std::mem::take(&mut *self.0.wakers.lock().unwrap());
        wakers.into_iter().for_each(Waker::wake);
    }

    /// `Ready` once `ready()` holds; otherwise registers `cx` to be woken on the next change.
    fn poll_until(&self, cx: &mut Context<'_>, ready: impl Fn() -> bool) -> Poll<()> {
        if ready() {
            return Poll::Ready(());
        }
        self.0.wakers.lock().unwrap().push(cx.waker().clone());
        // Checked again after registering, so a change in between is not missed.
        if ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn poll_stopping(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_until(cx, || self.0.stopping.load(Ordering::SeqCst))
    }

    async fn drained(&self) {
        poll_fn(|cx| self.poll_until(cx, || self.active() == 0)).await
    }

    fn track(&self) -> Active {
        self.0.active.fetch_add(1, Ordering::SeqCst);
        Active(self.clone())
    }
}

/// One live connection; dropping it (whatever way the connection ends) counts it out.
struct Active(Graceful);

impl Drop for Active {
    fn drop(&mut self) {
        self.0 .0.active.fetch_sub(1, Ordering::SeqCst);
        self.0.wake_all();
    }
}

fn main() -> io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{a:?}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 3000)),
    };
    corium::runtime::Runtime::new()?.block_on(async move {
        let listener = TcpListener::bind(addr).await?;
        println!(
            "listening on http://{} (HTTP/1.1 and HTTP/2); press Enter to shut down",
            listener.local_addr()?
        );
        let graceful = Graceful::default();
        let trigger = graceful.clone();
        corium::spawn(async move {
            use corium::io::AsyncBufReadExt;
            let mut line = String::new();
            let _ = corium::io::BufReader::new(corium::io::stdin())
                .read_line(&mut line)
                .await;
            println!(
                "shutting down: waiting for {} connection(s)",
                trigger.active()
            );
            trigger.shutdown();
        });
        serve(listener, graceful).await?;
        println!("all connections closed; bye");
        Ok(())
    })
}
