//! `split`: two halves of one stream used concurrently, and put back together; `join`, its
//! inverse, making one stream of a reader and a writer.

mod io_common;

use std::sync::{Arc, Mutex};

use corium_net::io::{
    duplex, join as join_rw, split, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader,
};
use io_common::{block_on, join, xorshift_bytes, Recorder};

#[test]
fn halves_used_concurrently_echo_through_a_peer() {
    let data = xorshift_bytes(64 * 1024, 77);
    let (local, mut peer) = duplex(512);
    let (mut rd, mut wr) = split(local);

    // The peer echoes everything back until the local write half shuts down.
    let echo = async {
        let (mut peer_rd, mut peer_wr) = split(&mut peer);
        let mut buf = [0u8; 300];
        loop {
            let n = peer_rd.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            peer_wr.write_all(&buf[..n]).await.unwrap();
        }
        peer_wr.shutdown().await.unwrap();
    };
    // Writer "task" and reader "task" on the two halves, progressing in turns: the pipes are
    // far smaller than the data, so neither could finish alone.
    let writer = async {
        for chunk in data.chunks(1000) {
            wr.write_all(chunk).await.unwrap();
        }
        wr.shutdown().await.unwrap();
    };
    let reader = async {
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await.unwrap();
        got
    };
    let (((), ()), got) = block_on(join(join(echo, writer), reader));
    assert!(got == data, "echoed bytes differ");
    assert!(rd.is_pair_of(&wr) && wr.is_pair_of(&rd));
    let _stream = rd.unsplit(wr);
}

#[test]
fn halves_can_move_to_another_thread() {
    let (local, mut peer) = duplex(64);
    let (mut rd, mut wr) = split(local);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let reader_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        block_on(rd.read_to_end(&mut buf)).unwrap();
        *seen2.lock().unwrap() = buf;
    });
    block_on(async {
        wr.write_all(b"from main").await.unwrap();
        let mut got = [0u8; 9];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"from main");
        peer.write_all(b"to thread").await.unwrap();
        drop(peer);
    });
    reader_thread.join().unwrap();
    assert_eq!(*seen.lock().unwrap(), b"to thread");
}

#[test]
fn unsplit_returns_the_original_stream() {
    let (local, mut peer) = duplex(64);
    let (rd, wr) = split(local);
    let mut stream = rd.unsplit(wr);
    block_on(stream.write_all(b"still works")).unwrap();
    let mut got = [0u8; 11];
    block_on(peer.read_exact(&mut got)).unwrap();
    assert_eq!(&got, b"still works");
}

#[test]
fn halves_of_different_streams_are_not_a_pair() {
    let (one, _p1) = duplex(8);
    let (two, _p2) = duplex(8);
    let (rd1, wr1) = split(one);
    let (rd2, wr2) = split(two);
    assert!(!rd1.is_pair_of(&wr2));
    assert!(!wr1.is_pair_of(&rd2));
}

#[test]
#[should_panic(expected = "belongs to a different stream")]
fn unsplit_with_a_foreign_half_panics() {
    let (one, _p1) = duplex(8);
    let (two, _p2) = duplex(8);
    let (rd1, _wr1) = split(one);
    let (_rd2, wr2) = split(two);
    let _ = rd1.unsplit(wr2);
}

#[test]
fn join_reads_from_the_reader_and_writes_to_the_writer() {
    let mut stream = join_rw(&b"first\nsecond\n"[..], Recorder::default());
    let mut line = [0u8; 6];
    block_on(stream.read_exact(&mut line)).unwrap();
    assert_eq!(&line, b"first\n");
    block_on(stream.write_all(b"reply")).unwrap();
    block_on(stream.shutdown()).unwrap();
    assert_eq!(stream.writer().bytes(), b"reply");
    assert_eq!(stream.writer().shutdowns, 1);
    stream.writer_mut().writes.push(b"!".to_vec());
    let (rest, recorder) = stream.into_inner();
    assert_eq!(rest, b"second\n", "the reader kept its place");
    assert_eq!(recorder.writes, [b"reply".to_vec(), b"!".to_vec()]);
}

#[test]
fn join_is_buffered_when_its_reader_is() {
    let (mut peer, near) = duplex(64);
    let (near_rd, near_wr) = split(near);
    // A split stream rejoined, with a buffer on the read side only: lines come from the peer,
    // replies go straight to it.
    let mut stream = join_rw(BufReader::new(near_rd), near_wr);
    block_on(async {
        peer.write_all(b"ping\n").await.unwrap();
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ping\n");
        stream.write_all(b"pong\n").await.unwrap();
        let mut reply = [0u8; 5];
        peer.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"pong\n");
    });
    let (reader, writer) = stream.into_inner();
    assert!(reader.into_inner().is_pair_of(&writer));
}
