//! Seeking through the write-buffering wrappers: `BufWriter` writes its buffer out before the
//! move, `BufStream` does that and drops its read buffer. The inner stream (`SlowSeek`)
//! completes each seek after one `Pending` and panics on a write during a seek, so a wrapper
//! that moved first and wrote after would fail here.

mod io_common;

use std::io::{ErrorKind, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use corium_net::io::{
    AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWriteExt, BufReader, BufStream, BufWriter,
};
use io_common::{block_on, SlowSeek};

/// Drives the two halves of a seek by hand, as a caller other than `AsyncSeekExt::seek` may:
/// `start_seek` with bytes still buffered (the `seek` future completes any earlier seek
/// first, which already writes the buffer out), then `poll_complete` until it is done.
fn start_then_complete<S: AsyncSeek + Unpin>(s: &mut S, to: SeekFrom) -> std::io::Result<u64> {
    let mut s = Pin::new(s);
    s.as_mut().start_seek(to)?;
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10 {
        if let Poll::Ready(done) = s.as_mut().poll_complete(&mut cx) {
            return done;
        }
    }
    panic!("a seek over an always-ready stream stayed pending");
}

#[test]
fn buf_writer_started_seek_waits_for_the_buffer() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b"0123456789"));
    block_on(w.write_all(b"ab")).unwrap();
    assert_eq!(
        start_then_complete(&mut w, SeekFrom::Current(3)).unwrap(),
        5
    );
    block_on(w.write_all(b"XY")).unwrap();
    block_on(w.flush()).unwrap();
    assert_eq!(w.get_ref().inner.get_ref(), b"ab234XY789");
    assert_eq!(w.get_ref().started, [SeekFrom::Current(3)]);
}

#[test]
fn buf_writer_failed_write_abandons_a_started_seek() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b"0123"));
    block_on(w.write_all(b"zz")).unwrap();
    w.get_mut().fail_writes = true;
    let err = start_then_complete(&mut w, SeekFrom::Start(3)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    w.get_mut().fail_writes = false;
    // Not left waiting: a new start is accepted and only it moves the stream.
    assert_eq!(start_then_complete(&mut w, SeekFrom::Start(1)).unwrap(), 1);
    assert_eq!(w.get_ref().started, [SeekFrom::Start(1)]);
    assert_eq!(w.get_ref().inner.get_ref(), b"zz23");
}

#[test]
fn buf_writer_writes_its_buffer_before_moving() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b"0123456789"));
    block_on(w.write_all(b"ab")).unwrap();
    assert_eq!(w.buffer(), b"ab", "small writes wait in the buffer");
    assert_eq!(block_on(w.seek(SeekFrom::Start(6))).unwrap(), 6);
    assert!(w.buffer().is_empty());
    block_on(w.write_all(b"XY")).unwrap();
    block_on(w.flush()).unwrap();
    assert_eq!(w.get_ref().inner.get_ref(), b"ab2345XY89");
    assert_eq!(w.get_ref().started, [SeekFrom::Start(6)]);
}

#[test]
fn buf_writer_relative_seek_and_position_count_buffered_bytes() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b""));
    block_on(w.write_all(b"abc")).unwrap();
    // The three buffered bytes are written first, so `Current` counts from after them.
    assert_eq!(block_on(w.seek(SeekFrom::Current(2))).unwrap(), 5);
    block_on(w.write_all(b"de")).unwrap();
    assert_eq!(block_on(w.stream_position()).unwrap(), 7);
    assert!(
        w.buffer().is_empty(),
        "asking the position writes the buffer out"
    );
    assert_eq!(w.get_ref().inner.get_ref(), b"abc\0\0de");
}

#[test]
fn buf_writer_seek_with_an_empty_buffer_goes_straight_through() {
    let mut w = BufWriter::new(SlowSeek::new(b"0123456789"));
    assert_eq!(block_on(w.seek(SeekFrom::End(-3))).unwrap(), 7);
    assert_eq!(w.get_ref().started, [SeekFrom::End(-3)]);
    let err = block_on(w.seek(SeekFrom::Current(-100))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        block_on(w.stream_position()).unwrap(),
        7,
        "a refused seek does not move"
    );
}

#[test]
fn buf_writer_failed_write_abandons_the_seek_and_keeps_the_bytes() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b"0123"));
    block_on(w.write_all(b"zz")).unwrap();
    w.get_mut().fail_writes = true;
    let err = block_on(w.seek(SeekFrom::Start(3))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    assert!(
        w.get_ref().started.is_empty(),
        "no move after a failed write"
    );
    assert_eq!(w.buffer(), b"zz", "the unwritten bytes are still buffered");
    // Nothing is left in progress: once writes work again, a new seek goes through.
    w.get_mut().fail_writes = false;
    assert_eq!(block_on(w.seek(SeekFrom::Start(3))).unwrap(), 3);
    assert_eq!(w.get_ref().inner.get_ref(), b"zz23");
}

#[test]
fn buf_writer_refuses_a_second_seek_while_one_waits_for_the_buffer() {
    let mut w = BufWriter::with_capacity(16, SlowSeek::new(b"0123"));
    block_on(w.write_all(b"q")).unwrap();
    let mut w = Pin::new(&mut w);
    w.as_mut().start_seek(SeekFrom::Start(2)).unwrap();
    let err = w.as_mut().start_seek(SeekFrom::Start(0)).unwrap_err();
    assert!(err.to_string().contains("poll_complete"), "{err}");
    // The first seek still completes, after its one `Pending`.
    let mut cx = Context::from_waker(Waker::noop());
    assert!(w.as_mut().poll_complete(&mut cx).is_pending());
    assert!(matches!(
        w.as_mut().poll_complete(&mut cx),
        Poll::Ready(Ok(2))
    ));
    assert_eq!(w.get_ref().inner.get_ref(), b"q123");
}

#[test]
fn buf_stream_seek_writes_pending_bytes_and_drops_read_ahead() {
    let mut s = BufStream::with_capacity(4, 8, SlowSeek::new(b"abcdefghij"));
    assert_eq!(block_on(s.read_u8()).unwrap(), b'a');
    // The read buffer holds "bcd": the inner stream is at 4, the reader at 1.
    assert_eq!(block_on(s.stream_position()).unwrap(), 1);
    block_on(s.write_all(b"XY")).unwrap();
    assert_eq!(block_on(s.seek(SeekFrom::Start(0))).unwrap(), 0);
    let mut all = Vec::new();
    block_on(s.read_to_end(&mut all)).unwrap();
    assert_eq!(
        all, b"aXYdefghij",
        "the write landed where the reader stood"
    );
}

#[test]
fn buf_stream_from_a_reader_over_writer_keeps_both_buffers() {
    let mut stack = BufReader::with_capacity(4, BufWriter::new(SlowSeek::new(b"abcdefgh")));
    assert_eq!(block_on(stack.read_u8()).unwrap(), b'a');
    block_on(stack.write_all(b"!")).unwrap();
    let mut s = BufStream::from(stack);
    // The read-ahead "bcd" is still served first, and the buffered "!" is still to be written.
    let mut three = [0u8; 3];
    block_on(s.read_exact(&mut three)).unwrap();
    assert_eq!(&three, b"bcd");
    block_on(s.flush()).unwrap();
    assert_eq!(s.get_ref().inner.get_ref(), b"abcd!fgh");
}
