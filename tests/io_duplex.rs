//! `duplex`: backpressure, end of stream after the peer leaves, `BrokenPipe` on writes to a
//! dropped peer; plus `empty`, `sink` and `repeat`.

mod io_common;

use std::future::Future;
use std::io::{ErrorKind, SeekFrom};
use std::pin::pin;
use std::task::{Context, Waker};

use corium_net::io::{
    duplex, empty, repeat, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt,
};
use io_common::{block_on, join};

#[test]
fn peer_reads_remaining_bytes_then_eof_after_drop() {
    let (mut a, mut b) = duplex(64);
    block_on(a.write_all(b"last words")).unwrap();
    drop(a);
    let mut got = String::new();
    block_on(b.read_to_string(&mut got)).unwrap();
    assert_eq!(got, "last words");
    assert_eq!(block_on(b.read(&mut [0u8; 8])).unwrap(), 0, "EOF stays EOF");
}

#[test]
fn write_to_a_dropped_peer_is_broken_pipe() {
    let (mut a, b) = duplex(64);
    drop(b);
    let err = block_on(a.write(b"anyone?")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
}

#[test]
fn shutdown_gives_the_peer_eof_but_keeps_the_other_direction() {
    let (mut a, mut b) = duplex(64);
    block_on(async {
        a.write_all(b"req").await.unwrap();
        a.shutdown().await.unwrap();
        let mut req = Vec::new();
        b.read_to_end(&mut req).await.unwrap();
        assert_eq!(req, b"req");
        b.write_all(b"resp").await.unwrap();
        let mut resp = [0u8; 4];
        a.read_exact(&mut resp).await.unwrap();
        assert_eq!(&resp, b"resp");
        let err = a.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "write after shutdown");
    });
}

#[test]
fn full_pipe_is_pending_until_the_peer_reads() {
    let (mut a, mut b) = duplex(4);
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(
        block_on(a.write(b"abcdef")).unwrap(),
        4,
        "only max_buf_size fits"
    );
    {
        let mut write = pin!(a.write(b"gh"));
        assert!(write.as_mut().poll(&mut cx).is_pending(), "pipe is full");
    }
    // The blocked writer is woken by the read and completes.
    let (n, got) = block_on(join(a.write(b"gh"), async {
        let mut buf = [0u8; 4];
        b.read_exact(&mut buf).await.unwrap();
        buf
    }));
    assert_eq!((n.unwrap(), &got), (2, b"abcd"));
}

#[test]
fn empty_reader_is_at_eof_and_empty_writer_takes_everything() {
    let mut e = empty();
    let mut out = Vec::new();
    assert_eq!(block_on(e.read_to_end(&mut out)).unwrap(), 0);
    let mut line = String::new();
    assert_eq!(block_on(e.read_line(&mut line)).unwrap(), 0);
    assert_eq!(block_on(e.write(b"gone")).unwrap(), 4);
    // Nowhere to move to: every seek ends at 0.
    assert_eq!(block_on(e.seek(SeekFrom::End(5))).unwrap(), 0);
    assert_eq!(block_on(e.seek(SeekFrom::Current(-3))).unwrap(), 0);
}

#[test]
fn sink_accepts_everything() {
    let mut s = sink();
    block_on(s.write_all(&[1u8; 10_000])).unwrap();
    block_on(s.shutdown()).unwrap();
}

#[test]
fn repeat_fills_buffers_and_take_bounds_it() {
    let mut out = Vec::new();
    block_on(repeat(b'z').take(1000).read_to_end(&mut out)).unwrap();
    assert_eq!(out.len(), 1000);
    assert!(out.iter().all(|&b| b == b'z'));
}

#[test]
fn max_buf_size_zero_still_makes_progress() {
    let (mut a, mut b) = duplex(0);
    let (w, r) = block_on(join(a.write_all(b"xy"), async {
        let mut buf = [0u8; 2];
        b.read_exact(&mut buf).await.map(|_| buf)
    }));
    w.unwrap();
    assert_eq!(&r.unwrap(), b"xy");
}
