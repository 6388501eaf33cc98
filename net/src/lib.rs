//! # corium-net
//!
//! The top layer of corium: the asynchronous byte-stream vocabulary that sockets, pipes and
//! in-memory streams share, and (soon) the sockets themselves.
//!
//! ## What is here today
//!
//! * [`io`] — the traits [`AsyncRead`](io::AsyncRead), [`AsyncWrite`](io::AsyncWrite) and
//!   [`AsyncBufRead`](io::AsyncBufRead), the [`ReadBuf`](io::ReadBuf) cursor, the extension
//!   traits whose methods return futures (`read_exact`, `write_all`, `read_line`, ...),
//!   buffering adaptors, `copy`/`copy_bidirectional`, `split`, and in-memory streams such as
//!   [`duplex`](io::duplex). The module is shaped like `tokio::io`: a tokio program ports by
//!   renaming `tokio::io` to `corium::io`.
//!
//! Nothing in [`io`] needs a runtime: the traits are plain `poll_*` functions, so the module is
//! usable (and tested) with any executor, or with a hand-written `block_on`.
//!
//! ## What comes next
//!
//! TCP, UDP and Unix-domain socket types arrive with the reactor and executor layers they are
//! built on; they will implement the traits defined here.
//!
//! ## Cargo features
//!
//! * `futures-io` (off by default) — `io::compat`, adapters to and from the `futures-io`
//!   traits used by the `futures` ecosystem.

pub mod io;
