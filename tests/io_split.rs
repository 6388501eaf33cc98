//! `split`: two halves of one stream used concurrently, and put back together.

mod io_common;

use std::sync::{Arc, Mutex};

use corium_net::io::{duplex, split, AsyncReadExt, AsyncWriteExt};
use io_common::{block_on, join, xorshift_bytes};

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
