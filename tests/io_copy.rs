//! `copy`, `copy_buf` and `copy_bidirectional` (and its `_with_sizes` form) through `duplex`
//! pipes with small buffers.

mod io_common;

use std::io::ErrorKind;

use corium_net::io::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, join as join_rw,
    AsyncReadExt, AsyncWriteExt, BufReader,
};
use io_common::{block_on, join, xorshift_bytes, Recorder, Trickle};

const MIB: usize = 1024 * 1024;

#[test]
fn copy_one_mib_through_small_duplex_pipes_is_byte_exact() {
    let data = xorshift_bytes(MIB, 0x9e37_79b9_7f4a_7c15);
    // producer -> (a, b) -> copy -> (c, d) -> consumer, both pipes much smaller than the data.
    let (mut a, mut b) = duplex(1024);
    let (mut c, mut d) = duplex(777);
    let producer = async {
        a.write_all(&data).await.unwrap();
        a.shutdown().await.unwrap();
    };
    let pump = async {
        let n = copy(&mut b, &mut c).await.unwrap();
        c.shutdown().await.unwrap();
        n
    };
    let consumer = async {
        let mut got = Vec::new();
        d.read_to_end(&mut got).await.unwrap();
        got
    };
    let (((), copied), got) = block_on(join(join(producer, pump), consumer));
    assert_eq!(copied, MIB as u64);
    assert_eq!(got.len(), data.len());
    assert!(got == data, "copied bytes differ from the source");
}

#[test]
fn copy_flushes_the_writer_at_the_end() {
    let mut reader = Trickle::chunked(&b"some data"[..], 4, true);
    let mut w = Recorder::default();
    let n = block_on(copy(&mut reader, &mut w)).unwrap();
    assert_eq!(n, 9);
    assert_eq!(w.bytes(), b"some data");
    assert!(w.flushes >= 1, "copy must flush after the last write");
    assert_eq!(w.shutdowns, 0, "copy does not shut the writer down");
}

#[test]
fn copy_to_a_dropped_peer_is_broken_pipe() {
    let (mut w, r) = duplex(16);
    drop(r);
    let mut src: &[u8] = b"abc";
    let err = block_on(copy(&mut src, &mut w)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe);
}

#[test]
fn copy_buf_from_a_tiny_buf_reader_is_byte_exact() {
    let data = xorshift_bytes(100_000, 5);
    let mut reader = BufReader::with_capacity(13, Trickle::chunked(&data[..], 9, true));
    let mut out = Vec::new();
    let n = block_on(copy_buf(&mut reader, &mut out)).unwrap();
    assert_eq!(n, data.len() as u64);
    assert!(out == data);
}

#[test]
fn copy_bidirectional_relays_both_ways_and_propagates_shutdown() {
    let up = xorshift_bytes(200_000, 21);
    let down = xorshift_bytes(150_000, 42);
    // client <-> (proxy_client_side | proxy_server_side) <-> server
    let (mut client, mut proxy_a) = duplex(100);
    let (mut proxy_b, mut server) = duplex(333);

    let proxy = async {
        copy_bidirectional(&mut proxy_a, &mut proxy_b)
            .await
            .unwrap()
    };
    let ends = async {
        let client_side = async {
            client.write_all(&up).await.unwrap();
            client.shutdown().await.unwrap();
            let mut got = Vec::new();
            // Ends only if the proxy shut the client's side down after the server's EOF.
            client.read_to_end(&mut got).await.unwrap();
            got
        };
        let server_side = async {
            let mut got = Vec::new();
            // Ends only if the proxy propagated the client's shutdown.
            server.read_to_end(&mut got).await.unwrap();
            server.write_all(&down).await.unwrap();
            server.shutdown().await.unwrap();
            got
        };
        join(client_side, server_side).await
    };
    let ((a_to_b, b_to_a), (client_got, server_got)) = block_on(join(proxy, ends));
    assert_eq!((a_to_b, b_to_a), (up.len() as u64, down.len() as u64));
    assert!(server_got == up, "client -> server bytes differ");
    assert!(client_got == down, "server -> client bytes differ");
}

#[test]
fn copy_bidirectional_stops_at_the_first_error() {
    let (mut client, mut proxy_a) = duplex(64);
    let (mut proxy_b, server) = duplex(64);
    drop(server);
    let result = block_on(async {
        client.write_all(b"hello").await.unwrap();
        copy_bidirectional(&mut proxy_a, &mut proxy_b).await
    });
    assert_eq!(result.unwrap_err().kind(), ErrorKind::BrokenPipe);
}

#[test]
fn copy_bidirectional_with_sizes_uses_each_buffer_for_its_direction() {
    let up = xorshift_bytes(1000, 5);
    let down = xorshift_bytes(500, 6);
    // Each side is a reader of fixed bytes joined to a recording writer, so the size of every
    // write the relay makes is visible.
    let mut a = join_rw(&up[..], Recorder::default());
    let mut b = join_rw(&down[..], Recorder::default());
    let (a_to_b, b_to_a) = block_on(copy_bidirectional_with_sizes(&mut a, &mut b, 7, 3)).unwrap();
    assert_eq!((a_to_b, b_to_a), (1000, 500));
    let (to_b, to_a) = (b.writer(), a.writer());
    assert_eq!(to_b.bytes(), up);
    assert_eq!(to_a.bytes(), down);
    let largest = |r: &Recorder| r.writes.iter().map(Vec::len).max().unwrap();
    assert_eq!(largest(to_b), 7, "a -> b goes through the 7-byte buffer");
    assert_eq!(largest(to_a), 3, "b -> a goes through the 3-byte buffer");
    assert_eq!(
        (to_b.shutdowns, to_a.shutdowns),
        (1, 1),
        "each end of stream is passed on"
    );
}

#[test]
fn copy_bidirectional_with_a_zero_size_is_refused_before_any_io() {
    for (there, back) in [(0, 8), (8, 0)] {
        let mut a = join_rw(&b"never read"[..], Recorder::default());
        let mut b = join_rw(&b"nor this"[..], Recorder::default());
        let err = block_on(copy_bidirectional_with_sizes(&mut a, &mut b, there, back)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("at least 1 byte"), "{err}");
        assert_eq!(a.reader().len(), 10, "nothing was read");
        assert!(b.writer().writes.is_empty() && b.writer().shutdowns == 0);
    }
}
