//! `AsyncWriteExt` and `BufWriter`: partial writes, numbers, vectored writes, bypass and flush
//! ordering.

mod io_common;

use std::io::{Cursor, ErrorKind, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use corium_net::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use io_common::{block_on, xorshift_bytes, Recorder, Trickle};

#[test]
fn write_all_through_a_one_byte_writer() {
    let data = xorshift_bytes(1_000, 3);
    let mut w = Trickle::bytewise_pending(Recorder::default());
    block_on(w.write_all(&data)).unwrap();
    let rec = w.into_inner();
    assert_eq!(rec.writes.len(), data.len(), "one call per byte");
    assert_eq!(rec.bytes(), data);
}

#[test]
fn write_returns_the_partial_count() {
    let mut w = Trickle::chunked(Vec::new(), 3, false);
    assert_eq!(block_on(w.write(b"abcdef")).unwrap(), 3);
    assert_eq!(w.into_inner(), b"abc");
}

/// A writer that accepts nothing: a full fixed-size buffer.
struct Full;

impl AsyncWrite for Full {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(0))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn write_all_to_a_writer_that_takes_nothing_is_write_zero() {
    let err = block_on(Full.write_all(b"x")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
    // Same through a full fixed-size cursor.
    let mut storage = [0u8; 2];
    let mut cursor = Cursor::new(&mut storage[..]);
    let err = block_on(cursor.write_all(b"abc")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
    assert_eq!(&storage, b"ab");
}

#[test]
fn numbers_encode_both_endiannesses_through_a_one_byte_writer() {
    let mut w = Trickle::bytewise_pending(Vec::new());
    block_on(async {
        w.write_u8(0xab).await.unwrap();
        w.write_i16(-2).await.unwrap();
        w.write_u32_le(0x0102_0304).await.unwrap();
        w.write_u128_le(1).await.unwrap();
        w.write_f64(0.5).await.unwrap();
    });
    let mut expected = vec![0xab];
    expected.extend_from_slice(&(-2i16).to_be_bytes());
    expected.extend_from_slice(&0x0102_0304u32.to_le_bytes());
    expected.extend_from_slice(&1u128.to_le_bytes());
    expected.extend_from_slice(&0.5f64.to_be_bytes());
    assert_eq!(w.into_inner(), expected);
}

#[test]
fn write_vectored_gathers_on_vec_and_defaults_to_first_buffer() {
    let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    let mut v = Vec::new();
    assert!(v.is_write_vectored());
    assert_eq!(block_on(v.write_vectored(&bufs)).unwrap(), 4);
    assert_eq!(v, b"abcd");
    // Recorder uses the trait's default: the first non-empty buffer only.
    let mut rec = Recorder::default();
    assert!(!rec.is_write_vectored());
    assert_eq!(block_on(rec.write_vectored(&bufs)).unwrap(), 2);
    assert_eq!(rec.writes, [b"ab".to_vec()]);
}

#[test]
fn buf_writer_small_writes_are_batched_until_flush() {
    let mut w = BufWriter::with_capacity(8, Recorder::default());
    block_on(async {
        w.write_all(b"ab").await.unwrap();
        w.write_all(b"cd").await.unwrap();
    });
    assert!(
        w.get_ref().writes.is_empty(),
        "nothing reaches the writer before flush"
    );
    assert_eq!(w.buffer(), b"abcd");
    block_on(w.flush()).unwrap();
    assert_eq!(w.get_ref().writes, [b"abcd".to_vec()]);
    assert_eq!(
        w.get_ref().flushes,
        1,
        "poll_flush flushes the inner writer too"
    );
}

#[test]
fn buf_writer_large_write_bypasses_after_flushing_buffered_bytes() {
    let mut w = BufWriter::with_capacity(4, Recorder::default());
    block_on(async {
        w.write_all(b"ab").await.unwrap();
        w.write_all(b"0123456789").await.unwrap();
        w.write_all(b"z").await.unwrap();
    });
    // Buffered bytes first, then the big write in one piece, straight through.
    assert_eq!(w.get_ref().writes, [b"ab".to_vec(), b"0123456789".to_vec()]);
    assert_eq!(w.buffer(), b"z");
    block_on(w.shutdown()).unwrap();
    assert_eq!(w.get_ref().bytes(), b"ab0123456789z");
    assert_eq!(w.get_ref().shutdowns, 1);
}

#[test]
fn buf_writer_overflow_flushes_in_order_through_a_slow_writer() {
    let data = xorshift_bytes(3_000, 11);
    let mut w = BufWriter::with_capacity(16, Trickle::chunked(Recorder::default(), 5, true));
    block_on(async {
        for piece in data.chunks(7) {
            w.write_all(piece).await.unwrap();
        }
        w.flush().await.unwrap();
    });
    assert!(w.buffer().is_empty());
    let rec = w.into_inner().into_inner();
    assert_eq!(rec.bytes(), data);
    assert!(rec.writes.iter().all(|p| p.len() <= 5));
}

#[test]
fn buf_writer_vectored_small_slices_are_buffered() {
    let mut w = BufWriter::with_capacity(16, Recorder::default());
    let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    assert_eq!(block_on(w.write_vectored(&bufs)).unwrap(), 4);
    assert_eq!(w.buffer(), b"abcd");
    block_on(w.flush()).unwrap();
    assert_eq!(w.get_ref().bytes(), b"abcd");
}

#[test]
fn cursor_over_vec_overwrites_then_grows() {
    let mut cursor = Cursor::new(b"xxxx".to_vec());
    cursor.set_position(2);
    block_on(cursor.write_all(b"abcd")).unwrap();
    assert_eq!(cursor.get_ref(), b"xxabcd");
}
