//! # corium and the ecosystem — hyper, tokio-util, futures, bytes
//!
//! *No seed walks through this; it is what a program needs beyond corium's own types. Layer:
//! `corium-net`, behind four off-by-default Cargo features, each forwarded by `corium`'s
//! feature of the same name.*
//!
//! Most async libraries are written against *traits*, not a runtime: hyper against its own
//! `hyper::rt` traits, tokio-util's codecs and tokio-rustls against tokio's `AsyncRead`/
//! `AsyncWrite`, futures-rustls and async-compression's futures flavour against futures-io, and
//! buffer-juggling code against `bytes`. corium does not depend on any of them by default (its
//! run-time dependencies are libc, crossbeam-deque and pin-project-lite); one feature per
//! family brings in the family's trait crate, *without* its runtime, and the adapters:
//!
//! | you use | turn on | what you get |
//! |---|---|---|
//! | hyper 1.x (server or client) | `hyper` | `net::hyper_rt`: `HyperIo` (hyper's io traits for any corium stream), `CoriumExecutor`, `CoriumTimer` |
//! | tokio-util (`Framed`, codecs), tokio-rustls, any crate generic over tokio's io traits | `tokio-io` | `io::tokio_compat::TokioCompat`, both directions |
//! | futures-io crates (futures-rustls, async-tungstenite's futures flavour, ...) | `futures-io` | `io::compat::Compat`, both directions |
//! | `bytes` (`BytesMut`, `Buf` chains) | `bytes` | `read_buf` into any `BufMut`, `write_buf`/`write_all_buf`, `try_read_buf`, `recv_buf*`, `ReadBuf` as a `BufMut` |
//!
//! ```toml
//! corium = { version = "0.1", features = ["hyper", "bytes"] }
//! ```
//!
//! ## Zero-copy, all the way
//!
//! Every bridge hands the *caller's* memory to corium's socket read, which goes straight into
//! it — possibly uninitialised memory: hyper's read cursor, a `BytesMut`'s spare capacity,
//! tokio's `ReadBuf::uninit` — and reports exactly how many bytes the kernel wrote. Nothing is
//! zeroed first, and a `Pending` poll touches no byte: the socket is found readable before the
//! buffer is looked at. The one exception is futures-io, whose `poll_read` takes `&mut [u8]`,
//! which must be initialised. [`ReadBuf::fill_uninit`](crate::io::ReadBuf::fill_uninit) is the
//! piece that makes this safe without `unsafe` in the socket code: the syscall layer returns
//! the bytes it stored as a `&mut [u8]`, and a `&mut [u8]` can only exist over initialised
//! memory.
//!
//! ## Seed step → corium item
//!
//! What a tokio program reaches for, and its corium counterpart (the items exist only with
//! their feature on, so they are named here, not linked):
//!
//! | tokio ecosystem | corium |
//! |---|---|
//! | `hyper_util::rt::TokioIo` | `HyperIo` |
//! | `hyper_util::rt::TokioExecutor` | `CoriumExecutor` |
//! | `hyper_util::rt::TokioTimer` | `CoriumTimer` (sleeps reset in place) |
//! | a tokio `TcpStream` passed to `Framed::new` | `Framed::new(TokioCompat::new(stream), codec)` |
//! | `tokio_util::compat::Compat` | `io::compat::Compat` |
//! | `AsyncReadExt::read_buf(&mut BytesMut)` | the same call, feature `bytes` |
//! | `UdpSocket::recv_buf_from` | the same call, feature `bytes` |
//!
//! ## hyper
//!
//! A whole HTTP/1.1 server; `examples/hyper_server.rs` adds HTTP/2 detection and graceful
//! shutdown. (The example runs under `cargo test --doc --features hyper`.)
//!
//! ```rust
//! # #[cfg(feature = "hyper")]
//! # mod run {
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use hyper::{server::conn::http1, service::service_fn, Request, Response};
//! use corium::net::hyper_rt::{CoriumExecutor, CoriumTimer, HyperIo};
//! use corium::net::{TcpListener, TcpStream};
//!
//! async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
//! }
//!
//! pub fn main() {
//!     corium::runtime::Runtime::new().unwrap().block_on(async {
//!         let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!         let addr = listener.local_addr().unwrap();
//!         corium::spawn(async move {
//!             let (stream, _) = listener.accept().await.unwrap();
//!             http1::Builder::new()
//!                 .timer(CoriumTimer::new())
//!                 .serve_connection(HyperIo::new(stream), service_fn(hello))
//!                 .await
//!                 .unwrap();
//!         });
//!
//!         // A hyper client on corium, on the same runtime.
//!         let stream = TcpStream::connect(addr).await.unwrap();
//!         let (mut sender, conn) =
//!             hyper::client::conn::http1::handshake(HyperIo::new(stream)).await.unwrap();
//!         corium::spawn(conn);
//!         let request = Request::get("http://localhost/").body(Full::<Bytes>::default()).unwrap();
//!         let response = sender.send_request(request).await.unwrap();
//!         let body = response.into_body().collect().await.unwrap().to_bytes();
//!         assert_eq!(&body[..], b"hello");
//!         let _ = CoriumExecutor::new(); // for HTTP/2: http2::Builder::new(CoriumExecutor::new())
//!     });
//! }
//! # }
//! # fn main() {
//! #     #[cfg(feature = "hyper")]
//! #     run::main();
//! # }
//! ```
//!
//! ## tokio-util (and any crate on tokio's io traits)
//!
//! ```rust
//! # #[cfg(feature = "tokio-io")]
//! # mod run {
//! use corium::io::tokio_compat::TokioCompat;
//! use tokio_util::codec::{Decoder, LinesCodec};
//!
//! pub fn main() {
//!     corium::runtime::Runtime::new().unwrap().block_on(async {
//!         let (a, b) = corium::net::UnixStream::pair().unwrap();
//!         // `Framed` (a Stream + Sink of lines) over a corium stream.
//!         let _framed = LinesCodec::new().framed(TokioCompat::new(a));
//!         // Code generic over tokio's traits runs on corium types as they are.
//!         use tokio::io::AsyncWriteExt;
//!         let mut b = TokioCompat::new(b);
//!         b.write_all(b"line\n").await.unwrap();
//!     });
//! }
//! # }
//! # fn main() {
//! #     #[cfg(feature = "tokio-io")]
//! #     run::main();
//! # }
//! ```
//!
//! ## futures-io
//!
//! ```rust
//! # #[cfg(feature = "futures-io")]
//! # mod run {
//! // The futures-io crate, re-exported so its version always matches corium's.
//! use corium::io::compat::{futures_io, Compat};
//!
//! fn wants_futures_io<S: futures_io::AsyncRead + futures_io::AsyncWrite>(_: S) {}
//!
//! pub fn main() {
//!     let (a, _b) = corium::io::duplex(64);
//!     wants_futures_io(Compat::new(a));
//! }
//! # }
//! # fn main() {
//! #     #[cfg(feature = "futures-io")]
//! #     run::main();
//! # }
//! ```
//!
//! ## bytes
//!
//! ```rust
//! # #[cfg(feature = "bytes")]
//! # mod run {
//! use bytes::{Buf, BytesMut};
//! use corium::io::{AsyncReadExt, AsyncWriteExt};
//!
//! pub fn main() {
//!     corium::runtime::Runtime::new().unwrap().block_on(async {
//!         let (mut a, mut b) = corium::net::UnixStream::pair().unwrap();
//!         // Two chunks, one vectored write.
//!         let mut out = Buf::chain(&b"zero-"[..], &b"copy"[..]);
//!         a.write_all_buf(&mut out).await.unwrap();
//!         // Read straight into the BytesMut's uninitialised spare capacity.
//!         let mut got = BytesMut::with_capacity(64);
//!         while got.len() < 9 {
//!             b.read_buf(&mut got).await.unwrap();
//!         }
//!         assert_eq!(&got[..], b"zero-copy");
//!     });
//! }
//! # }
//! # fn main() {
//! #     #[cfg(feature = "bytes")]
//! #     run::main();
//! # }
//! ```
//!
//! ## What the trace shows
//!
//! With the `trace` feature (`CORIUM_TRACE=selector`), `tests/hyper_server.rs` shows the
//! server peek at the first 24 bytes (the HTTP/2 preface check), then each read as one `recv`
//! straight into hyper's 8 KiB read buffer, returning what arrived. No zeroing precedes them;
//! the trace lists syscalls only, so that absence shows in the callgrind profile of
//! `cargo bench --bench echo -- --callgrind --uninit` instead (no `memset`).
//!
//! ```text
//!     19461µs thread-1        [selector] Socket::recv → recv(fd=8, len=24, flags=MSG_PEEK) = 24
//!     19526µs thread-1        [selector] Socket::recv → recv(fd=8, len=8192, flags=0) = 34
//!     19802µs thread-1        [selector] Socket::recv → recv(fd=7, len=8192, flags=0) = 103
//! ```
