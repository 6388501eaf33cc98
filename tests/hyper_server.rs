//! Feature `hyper`: the `hyper_server` example's server, on corium, against a hyper client on
//! corium over loopback — HTTP/1.1 and HTTP/2 (prior knowledge, detected by the server), a
//! 10 MB body echoed byte-exact on each, keep-alive and concurrent streams, and graceful
//! shutdown with connections open.

mod net_common;

#[allow(dead_code)]
#[path = "../examples/hyper_server.rs"]
mod hyper_server;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use corium::net::hyper_rt::{CoriumExecutor, CoriumTimer, HyperIo};
use corium::net::{TcpListener, TcpStream};
use corium::task::JoinHandle;
use corium::time::timeout;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper::{Request, StatusCode};
use hyper_server::Graceful;

const BIG: usize = 10 * 1024 * 1024;

/// The example's server on a fresh loopback port: its address, shutdown switch and task.
async fn start_server() -> (SocketAddr, Graceful, JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let graceful = Graceful::default();
    let server = corium::spawn(hyper_server::serve(listener, graceful.clone()));
    (addr, graceful, server)
}

/// Bytes that differ from position to position, so a reordering or a dropped chunk shows.
fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0])
        .collect::<Vec<u8>>()
        .into()
}

async fn h1_client(addr: SocketAddr) -> (http1::SendRequest<Full<Bytes>>, JoinHandle<()>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = http1::handshake(HyperIo::new(stream)).await.unwrap();
    let conn = corium::spawn(async move { conn.await.unwrap() });
    (sender, conn)
}

async fn h2_client(addr: SocketAddr) -> (http2::SendRequest<Full<Bytes>>, JoinHandle<()>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = http2::Builder::new(CoriumExecutor::new())
        .timer(CoriumTimer::new())
        .handshake(HyperIo::new(stream))
        .await
        .unwrap();
    let conn = corium::spawn(async move { conn.await.unwrap() });
    (sender, conn)
}

fn request(path: &str, body: Bytes) -> Request<Full<Bytes>> {
    let method = if body.is_empty() { "GET" } else { "POST" };
    Request::builder()
        .method(method)
        .uri(format!("http://localhost{path}"))
        .body(Full::new(body))
        .unwrap()
}

/// Sends `body` to `/echo` (or GETs `/` if empty) and returns status and response body.
macro_rules! exchange {
    ($sender:expr, $path:expr, $body:expr) => {{
        $sender.ready().await.unwrap();
        let response = $sender.send_request(request($path, $body)).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    }};
}

both_flavors! {
    async fn http1_hello_echo_and_ten_megabytes() {
        let (addr, graceful, server) = start_server().await;
        let (mut sender, conn) = h1_client(addr).await;
        let (status, body) = exchange!(sender, "/", Bytes::new());
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello from hyper on corium\n"[..]));
        // Keep-alive: the same connection carries the next requests.
        let (status, body) = exchange!(sender, "/echo", Bytes::from_static(b"ping"));
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"ping"[..]));
        let big = pattern(BIG);
        let (status, body) = exchange!(sender, "/echo", big.clone());
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.len(), BIG);
        assert!(body == big, "the 10 MB body came back different");
        let (status, _) = exchange!(sender, "/nowhere", Bytes::new());
        assert_eq!(status, StatusCode::NOT_FOUND);

        drop(sender);
        conn.await.unwrap();
        graceful.shutdown();
        timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    }

    async fn http2_hello_concurrent_streams_and_ten_megabytes() {
        let (addr, graceful, server) = start_server().await;
        let (mut sender, conn) = h2_client(addr).await;
        let (status, body) = exchange!(sender, "/", Bytes::new());
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello from hyper on corium\n"[..]));
        // Streams in flight at once on the one connection.
        let streams: Vec<_> = (0..8u8)
            .map(|i| {
                let mut sender = sender.clone();
                corium::spawn(async move {
                    let sent = Bytes::from(vec![i; 1000 + i as usize]);
                    let (status, body) = exchange!(sender, "/echo", sent.clone());
                    assert_eq!(status, StatusCode::OK);
                    assert!(body == sent);
                })
            })
            .collect();
        for stream in streams {
            stream.await.unwrap();
        }
        let big = pattern(BIG);
        let (status, body) = exchange!(sender, "/echo", big.clone());
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.len(), BIG);
        assert!(body == big, "the 10 MB body came back different");

        drop(sender);
        conn.await.unwrap();
        graceful.shutdown();
        timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    }

    async fn graceful_shutdown_closes_open_connections_and_returns() {
        let (addr, graceful, server) = start_server().await;
        let (mut h1, h1_conn) = h1_client(addr).await;
        let (mut h2, h2_conn) = h2_client(addr).await;
        // Both connections served a request and stay open (keep-alive, an idle h2 session).
        assert_eq!(exchange!(h1, "/", Bytes::new()).0, StatusCode::OK);
        assert_eq!(exchange!(h2, "/", Bytes::new()).0, StatusCode::OK);
        assert_eq!(graceful.active(), 2);

        graceful.shutdown();
        // The server closes the idle HTTP/1.1 connection and sends GOAWAY on HTTP/2; both
        // client connections end cleanly, and then the server returns.
        timeout(Duration::from_secs(10), h1_conn).await.unwrap().unwrap();
        timeout(Duration::from_secs(10), h2_conn).await.unwrap().unwrap();
        timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
        assert_eq!(graceful.active(), 0);
        // And nothing listens any more.
        assert!(TcpStream::connect(addr).await.is_err());
        drop((h1, h2));
    }
}
