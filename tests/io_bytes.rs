//! Feature `bytes`: tokio's `Buf`-based calls. `read_buf` into any `BufMut` (a `BytesMut`, a
//! `ReadBuf`), `write_buf`/`write_all_buf` from any `Buf` (a chain of two is one vectored
//! write), the sockets' `try_read_buf` and `recv_buf*`, all zero-copy: a read into a `ReadBuf`
//! over sentinel-filled uninitialised memory initialises exactly the bytes received.

mod net_common;

use std::mem::MaybeUninit;

use bytes::{Buf, BufMut, BytesMut};
use corium::io::{AsyncReadExt, AsyncWriteExt, ReadBuf};
use corium::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};

const SENTINEL: u8 = 0x5A;

/// A connected TCP pair: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Every slot from `from` on still holds the sentinel: nothing wrote (or zeroed) it.
#[track_caller]
fn assert_untouched(storage: &[MaybeUninit<u8>], from: usize) {
    // SAFETY: every slot was created by `MaybeUninit::new(SENTINEL)` and reads only store
    // initialised bytes, so each slot is initialised.
    let untouched = storage[from..]
        .iter()
        .all(|b| unsafe { b.assume_init() } == SENTINEL);
    assert!(untouched, "memory past byte {from} was written");
}

both_flavors! {
    async fn read_buf_and_write_bufs_over_tcp() {
        let (mut client, mut server) = tcp_pair().await;
        // A chain of two Bufs: one vectored write on a TcpStream.
        let mut chain = Buf::chain(&b"hello, "[..], &b"bytes"[..]);
        let n = client.write_buf(&mut chain).await.unwrap();
        assert_eq!(n, 12, "both chunks in one vectored write");
        assert!(!chain.has_remaining());

        let mut received = BytesMut::with_capacity(4);
        while received.len() < 12 {
            server.read_buf(&mut received).await.unwrap();
        }
        assert_eq!(&received[..], b"hello, bytes");

        // write_all_buf drains a large Buf whatever the socket takes per call.
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let mut to_send = bytes::Bytes::from(big.clone());
        let writer = corium::spawn(async move {
            client.write_all_buf(&mut to_send).await.unwrap();
            assert!(to_send.is_empty());
        });
        let mut got = BytesMut::new();
        while got.len() < big.len() {
            assert_ne!(server.read_buf(&mut got).await.unwrap(), 0, "early end of stream");
        }
        assert_eq!(&got[..], &big[..]);
        writer.await.unwrap();
    }

    async fn read_buf_into_uninitialised_read_buf() {
        let (mut client, mut server) = tcp_pair().await;
        client.write_all(b"twelve bytes").await.unwrap();
        let mut storage = [MaybeUninit::new(SENTINEL); 64];
        let mut buf = ReadBuf::uninit(&mut storage);
        buf.put_u8(b'>');
        let mut n = 0;
        while n < 12 {
            n += server.read_buf(&mut buf).await.unwrap();
        }
        assert_eq!(buf.filled(), b">twelve bytes");
        assert_eq!(buf.initialized().len(), 13, "only the bytes received are initialised");
        assert_untouched(&storage, 13);
    }

    async fn try_read_buf_on_streams() {
        let (mut client, server) = tcp_pair().await;
        let mut buf = BytesMut::with_capacity(8);
        assert_eq!(
            server.try_read_buf(&mut buf).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
        client.write_all(b"tcp").await.unwrap();
        server.readable().await.unwrap();
        assert_eq!(server.try_read_buf(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..], b"tcp");

        let (mut a, b) = UnixStream::pair().unwrap();
        a.write_all(b"unix").await.unwrap();
        b.readable().await.unwrap();
        let mut storage = [MaybeUninit::new(SENTINEL); 16];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert_eq!(b.try_read_buf(&mut buf).unwrap(), 4);
        assert_eq!((buf.filled(), buf.initialized().len()), (&b"unix"[..], 4));
        assert_untouched(&storage, 4);
    }

    async fn udp_recv_bufs() {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        b.connect(a_addr).await.unwrap();

        a.send_to(b"one", b_addr).await.unwrap();
        let mut buf = BytesMut::with_capacity(32);
        assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 3);
        a.send_to(b"two", b_addr).await.unwrap();
        assert_eq!(b.recv_buf_from(&mut buf).await.unwrap(), (3, a_addr));
        assert_eq!(&buf[..], b"onetwo");

        assert_eq!(
            b.try_recv_buf(&mut buf).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
        a.send_to(b"three", b_addr).await.unwrap();
        b.readable().await.unwrap();
        let mut storage = [MaybeUninit::new(SENTINEL); 64];
        let mut raw = ReadBuf::uninit(&mut storage);
        assert_eq!(b.try_recv_buf(&mut raw).unwrap(), 5);
        assert_eq!((raw.filled(), raw.initialized().len()), (&b"three"[..], 5));
        assert_untouched(&storage, 5);

        a.send_to(b"four", b_addr).await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_recv_buf_from(&mut buf).unwrap(), (4, a_addr));
        assert_eq!(&buf[..], b"onetwofour");
    }

    async fn unix_datagram_recv_bufs() {
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"first").await.unwrap();
        let mut buf = BytesMut::with_capacity(32);
        assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 5);
        a.send(b"second").await.unwrap();
        assert_eq!(b.recv_buf_from(&mut buf).await.unwrap().0, 6);
        a.send(b"3").await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_recv_buf(&mut buf).unwrap(), 1);
        a.send(b"4").await.unwrap();
        b.readable().await.unwrap();
        assert_eq!(b.try_recv_buf_from(&mut buf).unwrap().0, 1);
        assert_eq!(&buf[..], b"firstsecond34");
    }
}
