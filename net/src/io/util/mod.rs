//! The types behind [`io`](crate::io)'s functions and extension traits: futures returned by
//! `read_exact`, `write_all`, ..., adaptors such as [`Take`] and [`Lines`], and the buffered
//! and in-memory streams.
//!
//! The commonly named ones are re-exported from [`io`](crate::io) as well; the futures are
//! listed here so they can be named (stored in a struct, say) but are usually just `.await`ed.

mod buf_read_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
#[cfg(feature = "bytes")]
mod bytes_bufs;
mod chain;
mod copy;
mod copy_bidirectional;
mod copy_buf;
mod duplex;
mod empty;
mod fill_buf;
mod join;
mod lines;
mod read;
mod read_ext;
mod read_int;
mod read_to_end;
mod read_to_string;
mod read_until;
mod repeat;
mod seek;
mod seek_ext;
mod segments;
mod sink;
mod split;
mod take;
mod write;
mod write_ext;
mod write_int;

pub use buf_read_ext::AsyncBufReadExt;
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
#[cfg(feature = "bytes")]
pub(crate) use bytes_bufs::recv_into_buf_mut;
#[cfg(feature = "bytes")]
pub use bytes_bufs::{ReadBufMut, WriteAllBuf, WriteBuf};
pub use chain::Chain;
pub use copy::copy;
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use copy_buf::copy_buf;
pub use duplex::{duplex, DuplexStream};
pub use empty::{empty, Empty};
pub use fill_buf::FillBuf;
pub use join::{join, Join};
pub use lines::{Lines, NextLine};
pub use read::{Read, ReadExact};
pub use read_ext::AsyncReadExt;
pub use read_int::ReadInt;
#[cfg(any(feature = "tokio-io", feature = "hyper"))]
pub(crate) use read_to_end::swapped_read_buf;
pub use read_to_end::{ReadBufVec, ReadToEnd};
pub use read_to_string::ReadToString;
pub use read_until::{ReadLine, ReadUntil};
pub use repeat::{repeat, Repeat};
pub use seek::Seek;
pub use seek_ext::AsyncSeekExt;
pub use segments::{NextSegment, Split};
pub use sink::{sink, Sink};
pub use split::{split, ReadHalf, WriteHalf};
pub use take::Take;
pub use write::{Flush, Shutdown, Write, WriteAll, WriteVectored};
pub use write_ext::AsyncWriteExt;
pub use write_int::WriteInt;
