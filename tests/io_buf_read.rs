//! `AsyncBufReadExt` (fill_buf, consume, read_until, read_line, lines, split), `BufReader`
//! (including seeking through it) and `AsyncSeekExt` on `Cursor`, over readers that deliver
//! one byte at a time and go `Pending` in between.

mod io_common;

use std::io::{Cursor, ErrorKind, SeekFrom};
use std::string::FromUtf8Error;

use corium_net::io::{
    duplex, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
};
use io_common::{block_on, xorshift_bytes, SlowSeek, Trickle};

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

#[test]
fn fill_buf_and_consume_walk_a_pending_reader_byte_exact() {
    let data = xorshift_bytes(3_000, 5);
    let mut r = BufReader::with_capacity(64, Trickle::chunked(&data[..], 37, true));
    let mut out = Vec::new();
    loop {
        let chunk = block_on(r.fill_buf()).unwrap().to_vec();
        if chunk.is_empty() {
            break;
        }
        // Without consume, the same bytes come back, with no read in between.
        assert_eq!(block_on(r.fill_buf()).unwrap(), &chunk[..]);
        // Take an uneven part, so the next chunk starts mid-buffer.
        let take = chunk.len().div_ceil(2);
        r.consume(take);
        out.extend_from_slice(&chunk[..take]);
    }
    assert_eq!(out, data);
    assert!(
        r.get_ref().pendings > 0,
        "the inner reader never went Pending"
    );
}

#[test]
fn fill_buf_at_end_of_stream_is_empty_and_consume_clamps() {
    let mut r: &[u8] = b"ab";
    assert_eq!(block_on(r.fill_buf()).unwrap(), b"ab");
    r.consume(10);
    assert_eq!(block_on(r.fill_buf()).unwrap(), b"");
}

/// A buffered reader that goes `Pending` although it holds bytes, which the `AsyncBufRead`
/// contract forbids.
#[test]
fn fill_buf_over_a_contract_breaking_reader_is_an_error_not_a_panic() {
    // Trickle pends before every poll_fill_buf call, buffered bytes or not.
    let mut r = Trickle::bytewise_pending(&b"xyz"[..]);
    let err = block_on(r.fill_buf()).unwrap_err();
    assert!(err.to_string().contains("buffered"), "{err}");
}

#[test]
fn seek_on_a_cursor_moves_and_reports_the_position() {
    let mut c = Cursor::new(b"0123456789".to_vec());
    assert_eq!(block_on(c.seek(SeekFrom::Start(3))).unwrap(), 3);
    assert_eq!(block_on(c.read_u8()).unwrap(), b'3');
    assert_eq!(block_on(c.seek(SeekFrom::Current(2))).unwrap(), 6);
    assert_eq!(block_on(c.seek(SeekFrom::End(-1))).unwrap(), 9);
    assert_eq!(block_on(c.stream_position()).unwrap(), 9);
    let err = block_on(c.seek(SeekFrom::Current(-100))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(c.position(), 9, "a refused seek does not move");
    assert_eq!(block_on(c.rewind()).unwrap(), 0);
    assert_eq!(block_on(c.read_u8()).unwrap(), b'0');
}

#[test]
fn buf_reader_seek_current_counts_from_the_reader_not_the_inner_stream() {
    let data = b"abcdefghijklmnopqrstuvwxyz";
    let mut r = BufReader::with_capacity(8, SlowSeek::new(data));
    let mut two = [0u8; 2];
    block_on(r.read_exact(&mut two)).unwrap();
    // The inner stream stands at 8 (a full buffer), the reader at 2.
    assert_eq!(r.buffer(), b"cdefgh");
    assert_eq!(block_on(r.stream_position()).unwrap(), 2);
    assert!(r.buffer().is_empty(), "a seek drops the buffer");
    assert_eq!(block_on(r.seek(SeekFrom::Current(3))).unwrap(), 5);
    block_on(r.read_exact(&mut two)).unwrap();
    assert_eq!(&two, b"fg");
    // The buffer holds "hijklm" now; seek back over it.
    assert_eq!(block_on(r.seek(SeekFrom::Current(-4))).unwrap(), 3);
    block_on(r.read_exact(&mut two)).unwrap();
    assert_eq!(&two, b"de");
    assert_eq!(
        r.get_ref().started,
        [
            SeekFrom::Current(-6),
            SeekFrom::Current(3),
            SeekFrom::Current(-4 - 6),
        ],
        "each relative seek is corrected by the bytes buffered at the time"
    );
}

#[test]
fn buf_reader_absolute_seeks_pass_through_and_drop_the_buffer() {
    let mut r = BufReader::with_capacity(4, Cursor::new(b"0123456789".to_vec()));
    assert_eq!(block_on(r.read_u8()).unwrap(), b'0');
    assert_eq!(block_on(r.seek(SeekFrom::End(-2))).unwrap(), 8);
    assert!(r.buffer().is_empty());
    let mut rest = String::new();
    block_on(r.read_to_string(&mut rest)).unwrap();
    assert_eq!(rest, "89");
    assert_eq!(block_on(r.seek(SeekFrom::Start(1))).unwrap(), 1);
    assert_eq!(block_on(r.read_u8()).unwrap(), b'1');
}

#[test]
fn buf_reader_huge_backward_seek_takes_two_steps_and_loses_nothing() {
    let mut r = BufReader::with_capacity(8, SlowSeek::new(b"abcdefghij"));
    assert_eq!(block_on(r.read_u8()).unwrap(), b'a');
    // `i64::MIN - 7` does not fit in an i64: the inner stream first steps back over the 7
    // buffered bytes, then is asked for the real (impossible) move.
    let err = block_on(r.seek(SeekFrom::Current(i64::MIN))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        r.get_ref().started,
        [SeekFrom::Current(-7), SeekFrom::Current(i64::MIN)]
    );
    // The refused move left the stream where the reader stood: the next byte is still 'b'.
    assert_eq!(block_on(r.read_u8()).unwrap(), b'b');
}
