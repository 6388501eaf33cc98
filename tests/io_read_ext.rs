//! `AsyncReadExt`: read, read_exact, read_to_end, read_to_string, read_buf, numbers, take and
//! chain, over readers that split their data awkwardly.

mod io_common;

use std::io::{Cursor, ErrorKind};
use std::string::FromUtf8Error;

use corium_net::io::{AsyncBufReadExt, AsyncReadExt};
use io_common::{block_on, xorshift_bytes, Trickle};

#[test]
fn read_returns_what_one_call_gives() {
    let mut reader = Trickle::chunked(&b"hello"[..], 2, false);
    let mut buf = [0u8; 8];
    assert_eq!(block_on(reader.read(&mut buf)).unwrap(), 2);
    assert_eq!(&buf[..2], b"he");
}

#[test]
fn read_exact_collects_across_pending_and_short_reads() {
    let mut reader = Trickle::bytewise_pending(&b"abcdef"[..]);
    let mut buf = [0u8; 4];
    assert_eq!(block_on(reader.read_exact(&mut buf)).unwrap(), 4);
    assert_eq!(&buf, b"abcd");
    assert!(
        reader.pendings >= 4,
        "the adaptor must have interrupted the read"
    );
}

#[test]
fn read_exact_at_early_eof_is_unexpected_eof() {
    let mut reader = Trickle::bytewise(&b"abc"[..]);
    let mut buf = [0u8; 5];
    let err = block_on(reader.read_exact(&mut buf)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    assert!(err.to_string().contains("3 of 5"), "message: {err}");
    assert_eq!(&buf[..3], b"abc", "bytes before EOF are in the buffer");
}

#[test]
fn read_to_end_appends_everything_across_tiny_reads() {
    let data = xorshift_bytes(10_000, 7);
    let mut reader = Trickle::chunked(&data[..], 7, true);
    let mut out = b"prefix:".to_vec();
    let n = block_on(reader.read_to_end(&mut out)).unwrap();
    assert_eq!(n, data.len());
    assert_eq!(&out[..7], b"prefix:");
    assert_eq!(&out[7..], &data[..]);
}

#[test]
fn read_to_end_into_an_exactly_sized_vec_does_not_grow_it() {
    let data = b"exactly sixteen!";
    let mut out = Vec::with_capacity(data.len());
    let mut reader = &data[..];
    block_on(reader.read_to_end(&mut out)).unwrap();
    assert_eq!(out, data);
    assert_eq!(
        out.capacity(),
        data.len(),
        "the end-of-stream probe must not reallocate"
    );
}

#[test]
fn read_to_string_keeps_characters_split_across_reads() {
    // Every multi-byte character is cut in the middle by one-byte reads.
    let text = "héllo wörld — ✓ 🦀";
    let mut reader = Trickle::bytewise_pending(text.as_bytes());
    let mut out = String::from(">");
    let n = block_on(reader.read_to_string(&mut out)).unwrap();
    assert_eq!(n, text.len());
    assert_eq!(out, format!(">{text}"));
}

#[test]
fn read_to_string_invalid_utf8_leaves_string_and_returns_bytes() {
    let data = b"valid then \xff\xfe invalid";
    let mut reader = Trickle::chunked(&data[..], 3, false);
    let mut out = String::from("kept");
    let err = block_on(reader.read_to_string(&mut out)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(out, "kept", "the string must be unchanged on invalid UTF-8");
    let inner = err.into_inner().expect("the error carries the bytes");
    let bytes = inner
        .downcast::<FromUtf8Error>()
        .expect("payload is a FromUtf8Error")
        .into_bytes();
    assert_eq!(bytes, data, "no byte read is lost");
}

#[test]
fn read_buf_appends_into_spare_capacity() {
    let mut reader: &[u8] = b"abcdef";
    let mut out = Vec::with_capacity(4);
    out.extend_from_slice(b"x");
    assert_eq!(block_on(reader.read_buf(&mut out)).unwrap(), 3);
    assert_eq!(out, b"xabc");
    // Full vector: room is made rather than reporting a zero-length read.
    assert_eq!(block_on(reader.read_buf(&mut out)).unwrap(), 3);
    assert_eq!(out, b"xabcdef");
    assert_eq!(
        block_on(reader.read_buf(&mut out)).unwrap(),
        0,
        "end of stream"
    );
}

#[test]
fn numbers_decode_both_endiannesses_across_split_reads() {
    let mut bytes = Vec::new();
    bytes.push(0xfe);
    bytes.extend_from_slice(&0x0102u16.to_be_bytes());
    bytes.extend_from_slice(&0x0102u16.to_le_bytes());
    bytes.extend_from_slice(&(-5i32).to_be_bytes());
    bytes.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
    bytes.extend_from_slice(&u128::MAX.to_be_bytes());
    bytes.extend_from_slice(&1.5f64.to_be_bytes());
    bytes.extend_from_slice(&(-2.25f32).to_le_bytes());
    let mut r = Trickle::bytewise_pending(&bytes[..]);
    block_on(async {
        assert_eq!(r.read_u8().await.unwrap(), 0xfe);
        assert_eq!(r.read_u16().await.unwrap(), 0x0102);
        assert_eq!(r.read_u16_le().await.unwrap(), 0x0102);
        assert_eq!(r.read_i32().await.unwrap(), -5);
        assert_eq!(r.read_u64_le().await.unwrap(), 0x0102_0304_0506_0708);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX);
        assert_eq!(r.read_f64().await.unwrap(), 1.5);
        assert_eq!(r.read_f32_le().await.unwrap(), -2.25);
        let err = r.read_u8().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    });
}

#[test]
fn number_cut_short_is_unexpected_eof() {
    let mut r: &[u8] = &[0, 0, 1];
    let err = block_on(r.read_u32()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn take_stops_at_the_limit_and_resumes_when_raised() {
    let reader = Trickle::chunked(&b"0123456789"[..], 4, true);
    let mut take = reader.take(6);
    let mut out = Vec::new();
    assert_eq!(block_on(take.read_to_end(&mut out)).unwrap(), 6);
    assert_eq!(out, b"012345");
    assert_eq!(take.limit(), 0);
    take.set_limit(100);
    out.clear();
    block_on(take.read_to_end(&mut out)).unwrap();
    assert_eq!(out, b"6789");
}

#[test]
fn take_as_buf_reader_caps_lines() {
    let mut take = Cursor::new(b"line one\nline two\n".to_vec()).take(6);
    let mut line = String::new();
    block_on(take.read_line(&mut line)).unwrap();
    assert_eq!(line, "line o");
}

#[test]
fn chain_reads_first_then_second() {
    let first = Trickle::bytewise(&b"ab"[..]);
    let second = Trickle::chunked(&b"cdef"[..], 3, true);
    let mut chain = first.chain(second);
    let mut out = String::new();
    block_on(chain.read_to_string(&mut out)).unwrap();
    assert_eq!(out, "abcdef");
    let (a, b) = chain.into_inner();
    assert!(a.get_ref().is_empty() && b.get_ref().is_empty());
}

#[test]
fn chain_as_buf_reader_joins_a_line_across_the_seam() {
    let mut chain = (&b"hel"[..]).chain(&b"lo\nrest"[..]);
    let mut line = String::new();
    block_on(chain.read_line(&mut line)).unwrap();
    assert_eq!(line, "hello\n");
}

#[test]
fn cursor_reads_from_its_position() {
    let mut cursor = Cursor::new(b"abcdef".to_vec());
    cursor.set_position(2);
    let mut out = Vec::new();
    block_on(cursor.read_to_end(&mut out)).unwrap();
    assert_eq!(out, b"cdef");
    cursor.set_position(100);
    assert_eq!(
        block_on(cursor.read(&mut [0u8; 4])).unwrap(),
        0,
        "past the end is EOF"
    );
}
