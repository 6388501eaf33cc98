//! Asynchronous byte streams: traits, helpers and in-memory streams, shaped like `tokio::io`.
//!
//! * The traits: [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`], and [`ReadBuf`], the buffer
//!   readers fill.
//! * Their `.await`-able methods: [`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`].
//! * Adaptors: [`BufReader`], [`BufWriter`], [`BufStream`], [`split`], and (from the extension
//!   traits) [`Take`], [`Chain`], [`Lines`], [`Split`].
//! * Pumps: [`copy`], [`copy_buf`], [`copy_bidirectional`].
//! * Streams for tests and plumbing: [`duplex`], [`empty`], [`sink`], [`repeat`].
//!
//! Porting from tokio: replace `tokio::io` with `corium::io`. The one visible difference is
//! [`AsyncReadExt::read_buf`], which takes a `Vec<u8>` where tokio takes any `bytes::BufMut`.
//!
//! # The `poll_*` contract
//!
//! Every trait method is a *poll*: it either makes progress and returns `Poll::Ready`, or
//! cannot and returns `Poll::Pending` — and then it **must have arranged for the waker in the
//! `Context` to be woken** when progress becomes possible (a socket turning readable, the peer
//! of a [`duplex`] reading, ...). Returning `Pending` without registering the waker leaves the
//! task asleep forever. Conversely a caller that sees `Pending` may stop polling until woken;
//! polling again early is allowed and merely wasteful.
//!
//! Only the waker from the most recent poll needs to be woken: tasks move between threads, so
//! an implementation keeps the latest waker (cloning it when `Waker::will_wake` says it
//! changed), not the first.
//!
//! A `Pending` return takes nothing from the caller: no byte was put in its `ReadBuf`, none of
//! its bytes were accepted for writing. So a caller may drop the operation at that point
//! without losing data, which is what makes the single-call futures (`read`, `write`) safe to
//! cancel.
//!
//! # `ReadBuf`: two cursors over caller memory
//!
//! `std::io::Read::read` takes `&mut [u8]`, which must be initialised memory: callers zero
//! fresh buffers before every read only to have them overwritten. [`AsyncRead::poll_read`]
//! takes a [`ReadBuf`] instead, which may wrap uninitialised memory and tracks two cursors:
//!
//! ```text
//!  0            filled         initialized         capacity
//!  |--- filled ---|-- initialised, unfilled --|-- uninitialised --|
//! ```
//!
//! * *filled*: bytes a reader has put there; this is the data (`ReadBuf::filled`);
//! * *initialised*: bytes known to hold some value, which may be handed out as `&mut [u8]`
//!   (`ReadBuf::initialize_unfilled` zeroes only what lies beyond this cursor).
//!
//! The invariant `filled <= initialized <= capacity` always holds; the safe methods keep it
//! (or panic on a contract violation by the calling reader, like advancing past initialised
//! bytes), and the unsafe ones state what the caller must prove.
//!
//! # How `AsyncRead` differs from `std::io::Read`
//!
//! * It never blocks: "no data yet" is `Poll::Pending` plus a registered waker, not a
//!   sleeping thread (nor an `ErrorKind::WouldBlock` error for the caller to retry).
//! * The buffer is a [`ReadBuf`], not `&mut [u8]`, and the count of bytes read is how far
//!   its filled part grew. A read that adds nothing to a buffer with room means end of
//!   stream, exactly like `Ok(0)` in std.
//! * `self` is `Pin<&mut Self>`, so a reader may be a self-referential future-like state
//!   machine; the extension traits require `Unpin` (or a pinned reader) for convenience.
//! * The convenience methods (`read_exact`, ...) live in an extension trait and return
//!   futures, so the core trait stays one method that implementors write.
//!
//! [`AsyncWrite`] mirrors `std::io::Write` the same way, and adds
//! [`poll_shutdown`](AsyncWrite::poll_shutdown): an async stream has a graceful close (a
//! TCP FIN) that may itself need to wait.

mod async_buf_read;
mod async_read;
mod async_write;
#[cfg(feature = "futures-io")]
pub mod compat;
mod read_buf;
pub mod util;

// tokio users find these in `tokio::io`; they are the reactor's readiness types.
pub use corium_reactor::{Interest, Ready};

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_write::AsyncWrite;
pub use read_buf::ReadBuf;
pub use util::{
    copy, copy_bidirectional, copy_buf, duplex, empty, repeat, sink, split, AsyncBufReadExt,
    AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, DuplexStream, Empty,
    Lines, ReadHalf, Repeat, Sink, Split, Take, WriteHalf,
};

// The std names tokio re-exports, so `use tokio::io::{Error, ErrorKind, Result}` ports as is.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
