//! Asynchronous byte streams: traits, helpers and in-memory streams, shaped like `tokio::io`.
//!
//! * The traits: [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`], [`AsyncSeek`], and
//!   [`ReadBuf`], the buffer readers fill.
//! * Their `.await`-able methods: [`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`],
//!   [`AsyncSeekExt`].
//! * Adaptors: [`BufReader`], [`BufWriter`], [`BufStream`], [`split`] and its inverse
//!   [`join`], and (from the extension traits) [`Take`], [`Chain`], [`Lines`], [`Split`].
//! * Pumps: [`copy`], [`copy_buf`], [`copy_bidirectional`] (and
//!   [`copy_bidirectional_with_sizes`]).
//! * The process's standard streams: [`stdin`], [`stdout`], [`stderr`] (blocking calls on the
//!   runtime's blocking pool).
//! * Streams for tests and plumbing: [`duplex`], [`empty`], [`sink`], [`repeat`].
//! * With the `futures-io` feature, `compat`: adapters to and from the `futures-io` traits.
//! * With the `tokio-io` feature, `tokio_compat`: adapters to and from tokio's io traits.
//!
//! Porting from tokio: replace `tokio::io` with `corium::io`. corium does not depend on the
//! `bytes` crate, which makes the visible differences:
//!
//! * `read_buf`: tokio's takes any `bytes::BufMut`; [`AsyncReadExt::read_buf`] takes a
//!   `Vec<u8>` (pass the vector, or `read` into a slice of your buffer).
//! * `write_buf` / `write_all_buf`: tokio's take a `bytes::Buf`; corium has neither — call
//!   [`write`](AsyncWriteExt::write) / [`write_all`](AsyncWriteExt::write_all) on the
//!   buffer's bytes and advance it by the count returned.
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
//! corium's own readers never zero: every socket read goes straight into the unfilled part,
//! possibly uninitialised, through [`ReadBuf::fill_uninit`], and only after the socket was
//! found readable, so a `Pending` poll touches no byte. Exactly the bytes the kernel wrote
//! become filled and initialised. `read_buf` into `Vec::with_capacity(n)`, or a reader
//! handing out a `BytesMut`'s spare capacity, therefore costs what a read into an
//! initialised buffer costs.
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

//!
//! # The standard streams
//!
//! Descriptors 0, 1 and 2 are shared with the parent (a shell, a pipeline) and with every
//! `println!` in the process, so corium does not switch them to nonblocking mode: another
//! program reading the same terminal would suddenly see `EAGAIN`. Instead each read or write
//! of [`Stdin`], [`Stdout`] and [`Stderr`] is a blocking call on the runtime's blocking pool,
//! through std's own handles (so the bytes pass the same locks, and `Stdout`'s line buffer,
//! as `println!`'s). What callers see, as with tokio's:
//!
//! * one operation at a time per handle, each a trip to the blocking pool: wrap `Stdin` in a
//!   [`BufReader`] or `Stdout` in a [`BufWriter`] for many small operations;
//! * a write is reported complete once its bytes (up to 64 KiB per call) are copied and
//!   queued; a failure shows up on the next write or flush. `Stdout` is line-buffered by std,
//!   so **call `flush`** (or `shutdown`) before relying on output being visible;
//! * a read in progress cannot be cancelled: dropping the read future leaves a pool thread
//!   waiting for input; what it reads goes to the handle's next read (or is dropped with the
//!   handle). A runtime shutting down waits for that thread as for any blocking task
//!   (`Runtime::shutdown_timeout` bounds the wait);
//! * a write still queued, not started, when the runtime shuts down is dropped: flush before
//!   `block_on` returns;
//! * the handles can be created anywhere, but their operations need a corium runtime:
//!   outside one they return an error (kind `Other`), never panic.

mod async_buf_read;
mod async_fd;
mod async_read;
mod async_seek;
mod async_write;
mod blocking;
#[cfg(feature = "futures-io")]
pub mod compat;
mod read_buf;
mod stdio;
#[cfg(feature = "tokio-io")]
pub mod tokio_compat;
pub mod util;

/// Unix-only I/O: [`AsyncFd`](unix::AsyncFd), readiness waits for a file descriptor you own.
pub mod unix {
    pub use super::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, AsyncFdTryNewError,
        TryIoError,
    };
}

// tokio users find these in `tokio::io`; they are the reactor's readiness types.
pub use corium_reactor::{Interest, Ready};

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use read_buf::ReadBuf;
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use util::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat,
    sink, split, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufStream,
    BufWriter, Chain, DuplexStream, Empty, Join, Lines, ReadHalf, Repeat, Sink, Split, Take,
    WriteHalf,
};

// The std names tokio re-exports, so `use tokio::io::{Error, ErrorKind, Result}` ports as is.
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
