//! `AsyncBufReadExt` (read_until, read_line, lines, split) and `BufReader`, over readers that
//! deliver one byte at a time and go `Pending` in between.

mod io_common;

use std::io::ErrorKind;
use std::string::FromUtf8Error;

use corium_net::io::{duplex, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use io_common::{block_on, xorshift_bytes, Trickle};

const TEXT: &[u8] = b"first line\r\nsecond \xc3\xa9\n\nlast without newline";

#[test]
fn read_line_over_bytewise_buf_reader() {
    for pending in [false, true] {
        let mut r = if pending {
            Trickle::bytewise_pending(TEXT)
        } else {
            Trickle::bytewise(TEXT)
        };
        let mut line = String::new();
        let mut lines = Vec::new();
        loop {
            line.clear();
            let n = block_on(r.read_line(&mut line)).unwrap();
            if n == 0 {
                break;
            }
            assert_eq!(n, line.len());
            lines.push(line.clone());
        }
        assert_eq!(
            lines,
            ["first line\r\n", "second é\n", "\n", "last without newline"],
            "pending = {pending}"
        );
        if pending {
            assert!(
                r.pendings > TEXT.len(),
                "every byte should have been preceded by Pending"
            );
        }
    }
}

#[test]
fn read_line_appends_to_existing_content() {
    let mut r: &[u8] = b"b\nc";
    let mut s = String::from("a:");
    block_on(r.read_line(&mut s)).unwrap();
    assert_eq!(s, "a:b\n");
}

#[test]
fn read_line_invalid_utf8_leaves_string_and_error_owns_the_line() {
    let mut r = Trickle::bytewise(&b"ok\xff\nnext\n"[..]);
    let mut s = String::from("before");
    let err = block_on(r.read_line(&mut s)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(s, "before");
    let bytes = err
        .into_inner()
        .unwrap()
        .downcast::<FromUtf8Error>()
        .unwrap()
        .into_bytes();
    assert_eq!(bytes, b"ok\xff\n");
    // The stream continues at the next line.
    s.clear();
    block_on(r.read_line(&mut s)).unwrap();
    assert_eq!(s, "next\n");
}

#[test]
fn lines_over_pending_bytewise_reader_with_tiny_buf_reader() {
    let reader = BufReader::with_capacity(2, Trickle::bytewise_pending(TEXT));
    let mut lines = reader.lines();
    let mut got = Vec::new();
    block_on(async {
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
    });
    assert_eq!(got, ["first line", "second é", "", "last without newline"]);
}

#[test]
fn next_line_dropped_midway_loses_nothing() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    let mut lines = Trickle::bytewise_pending(&b"abc\ndef\n"[..]).lines();
    let mut cx = Context::from_waker(Waker::noop());
    // Poll a few times (consuming some bytes of the first line), then cancel.
    {
        let mut fut = pin!(lines.next_line());
        for _ in 0..4 {
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
    }
    assert!(
        !lines.get_ref().get_ref().starts_with(b"a"),
        "some bytes were consumed"
    );
    assert_eq!(block_on(lines.next_line()).unwrap().as_deref(), Some("abc"));
    assert_eq!(block_on(lines.next_line()).unwrap().as_deref(), Some("def"));
    assert_eq!(block_on(lines.next_line()).unwrap(), None);
}

#[test]
fn lines_invalid_utf8_is_an_error_then_continues() {
    let mut lines = (&b"\xffbad\ngood\n"[..]).lines();
    let err = block_on(lines.next_line()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        block_on(lines.next_line()).unwrap().as_deref(),
        Some("good")
    );
}

#[test]
fn read_until_keeps_delimiter_and_partial_data() {
    let mut r = Trickle::bytewise_pending(&b"a,bb,,ccc"[..]);
    let mut buf = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let n = block_on(r.read_until(b',', &mut buf)).unwrap();
        if n == 0 {
            break;
        }
        sizes.push(n);
    }
    assert_eq!(sizes, [2, 3, 1, 3]);
    assert_eq!(buf, b"a,bb,,ccc");
}

#[test]
fn split_yields_segments_without_delimiter() {
    let mut split = Trickle::bytewise_pending(&b"x\0yy\0\0z"[..]).split(0);
    let mut got = Vec::new();
    block_on(async {
        while let Some(seg) = split.next_segment().await.unwrap() {
            got.push(seg);
        }
    });
    assert_eq!(got, [&b"x"[..], b"yy", b"", b"z"]);
}

#[test]
fn buf_reader_tiny_capacity_is_byte_exact() {
    let data = xorshift_bytes(5_000, 99);
    for cap in [1, 2, 3, 7] {
        let mut r = BufReader::with_capacity(cap, Trickle::chunked(&data[..], 5, true));
        let mut out = Vec::new();
        // Mix read sizes: some smaller than the buffer, some larger (bypass path).
        let mut sizes = [1usize, 2, 9, 4, 16].iter().cycle();
        loop {
            let mut chunk = vec![0u8; *sizes.next().unwrap()];
            let n = block_on(r.read(&mut chunk)).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(out, data, "capacity {cap}");
    }
}

#[test]
fn buf_reader_zero_capacity_still_reads() {
    let mut r = BufReader::with_capacity(0, &b"ab\ncd"[..]);
    let mut line = String::new();
    block_on(r.read_line(&mut line)).unwrap();
    assert_eq!(line, "ab\n");
}

#[test]
fn buf_reader_buffer_and_into_inner() {
    let mut r = BufReader::with_capacity(4, &b"abcdefgh"[..]);
    let mut one = [0u8; 1];
    block_on(r.read_exact(&mut one)).unwrap();
    assert_eq!(r.buffer(), b"bcd");
    let inner = r.into_inner();
    assert_eq!(
        inner, b"efgh",
        "buffered bytes are dropped with the BufReader"
    );
}

#[test]
fn buf_reader_passes_writes_through() {
    let (near, mut far) = duplex(64);
    let mut r = BufReader::new(near);
    block_on(r.write_all(b"out")).unwrap();
    block_on(r.flush()).unwrap();
    let mut got = [0u8; 3];
    block_on(far.read_exact(&mut got)).unwrap();
    assert_eq!(&got, b"out");
}
