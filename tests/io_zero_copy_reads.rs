//! Zero-copy reads: every socket reader fills a `ReadBuf` over *uninitialised* memory without
//! zeroing it first, and marks initialised exactly the bytes the kernel wrote.
//!
//! The memory is pre-filled with a sentinel byte and wrapped with `ReadBuf::uninit`, so the
//! `ReadBuf` must treat it as uninitialised. For each reader: a poll before anything was sent
//! returns `Pending` and touches nothing (readiness comes before buffer work); after the peer
//! sends, the filled part is exactly the message, `initialized().len()` equals it (no byte past
//! what the kernel wrote is claimed), and every byte after it still holds the sentinel (nothing
//! was zeroed or written there).

mod net_common;

use std::future::{poll_fn, Future};
use std::io;
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

use corium::io::{AsyncRead, AsyncWriteExt, BufReader, ReadBuf};
use corium::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use std::pin::Pin;

/// What the uninitialised memory holds before a read; never part of [`MESSAGE`].
const SENTINEL: u8 = 0xA5;
const MESSAGE: &[u8] = b"zero-copy!";
const CAPACITY: usize = 256;

/// Polls a reader into sentinel-filled uninitialised memory as described in the module docs.
/// `poll` is one poll of the reader under test; `send` makes the peer send [`MESSAGE`].
async fn assert_fills_only_what_arrived(
    label: &str,
    mut poll: impl FnMut(&mut Context<'_>, &mut ReadBuf<'_>) -> Poll<io::Result<()>>,
    send: impl Future<Output = io::Result<()>>,
) {
    let mut storage = [MaybeUninit::new(SENTINEL); CAPACITY];
    {
        let mut buf = ReadBuf::uninit(&mut storage);
        let first = poll_fn(|cx| Poll::Ready(poll(cx, &mut buf))).await;
        assert!(
            first.is_pending(),
            "{label}: nothing was sent, yet the poll was ready"
        );
        assert_eq!(
            buf.initialized().len(),
            0,
            "{label}: a Pending poll marked bytes initialised"
        );

        send.await.unwrap();
        poll_fn(|cx| poll(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), MESSAGE, "{label}: the bytes read");
        assert_eq!(
            buf.initialized().len(),
            MESSAGE.len(),
            "{label}: bytes beyond what the kernel wrote were marked initialised"
        );
    }
    let untouched = storage[MESSAGE.len()..]
        .iter()
        // SAFETY: every slot was created by `MaybeUninit::new(SENTINEL)` and a read only ever
        // stores initialised bytes, so each slot is initialised.
        .all(|b| unsafe { b.assume_init() } == SENTINEL);
    assert!(
        untouched,
        "{label}: memory past the message was written (zeroed?)"
    );
}

/// A connected TCP pair: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// One `AsyncRead::poll_read` of `reader`.
fn read_of<R: AsyncRead + Unpin>(
    reader: &mut R,
) -> impl FnMut(&mut Context<'_>, &mut ReadBuf<'_>) -> Poll<io::Result<()>> + '_ {
    move |cx, buf| Pin::new(&mut *reader).poll_read(cx, buf)
}

/// A connected UDP pair.
async fn udp_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();
    (a, b)
}

both_flavors! {
    async fn tcp_stream_read_and_peek() {
        let (mut client, mut server) = tcp_pair().await;
        assert_fills_only_what_arrived(
            "TcpStream::poll_peek",
            |cx, buf| server.poll_peek(cx, buf).map_ok(drop),
            client.write_all(MESSAGE),
        )
        .await;
        // The peeked message is still queued: a read sees it without a new send.
        let mut storage = [MaybeUninit::new(SENTINEL); CAPACITY];
        let mut buf = ReadBuf::uninit(&mut storage);
        poll_fn(|cx| Pin::new(&mut server).poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!((buf.filled(), buf.initialized().len()), (MESSAGE, MESSAGE.len()));

        assert_fills_only_what_arrived(
            "TcpStream::poll_read",
            read_of(&mut server),
            client.write_all(MESSAGE),
        )
        .await;
    }

    async fn tcp_split_halves() {
        let (mut client, mut server) = tcp_pair().await;
        {
            let (mut read_half, _write_half) = server.split();
            assert_fills_only_what_arrived(
                "tcp ReadHalf",
                read_of(&mut read_half),
                client.write_all(MESSAGE),
            )
            .await;
        }
        let (mut owned_read, _owned_write) = server.into_split();
        assert_fills_only_what_arrived(
            "tcp OwnedReadHalf",
            read_of(&mut owned_read),
            client.write_all(MESSAGE),
        )
        .await;
    }

    async fn buf_reader_refill_and_bypass() {
        let (mut client, server) = tcp_pair().await;
        // Capacity above the caller's buffer: BufReader refills its own buffer, then copies.
        let mut buffered = BufReader::with_capacity(4 * CAPACITY, server);
        assert_fills_only_what_arrived(
            "BufReader refill",
            read_of(&mut buffered),
            client.write_all(MESSAGE),
        )
        .await;
        // Capacity below it: BufReader reads straight into the caller's buffer.
        let mut direct = BufReader::with_capacity(CAPACITY / 4, buffered.into_inner());
        assert_fills_only_what_arrived(
            "BufReader bypass",
            read_of(&mut direct),
            client.write_all(MESSAGE),
        )
        .await;
    }

    async fn unix_stream_and_halves() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        assert_fills_only_what_arrived(
            "UnixStream::poll_read",
            read_of(&mut b),
            a.write_all(MESSAGE),
        )
        .await;
        {
            let (mut read_half, _write_half) = b.split();
            assert_fills_only_what_arrived(
                "unix ReadHalf",
                read_of(&mut read_half),
                a.write_all(MESSAGE),
            )
            .await;
        }
        let (mut owned_read, _owned_write) = b.into_split();
        assert_fills_only_what_arrived(
            "unix OwnedReadHalf",
            read_of(&mut owned_read),
            a.write_all(MESSAGE),
        )
        .await;
    }

    async fn udp_recv_recv_from_peek_peek_from() {
        let (a, b) = udp_pair().await;
        let send = || async { a.send(MESSAGE).await.map(drop) };
        // Each peek leaves the datagram queued; the recv after it takes it away.
        assert_fills_only_what_arrived(
            "UdpSocket::poll_peek",
            |cx, buf| b.poll_peek(cx, buf),
            send(),
        )
        .await;
        b.recv(&mut [0; CAPACITY]).await.unwrap();
        assert_fills_only_what_arrived(
            "UdpSocket::poll_peek_from",
            |cx, buf| b.poll_peek_from(cx, buf).map_ok(drop),
            send(),
        )
        .await;
        b.recv(&mut [0; CAPACITY]).await.unwrap();
        assert_fills_only_what_arrived("UdpSocket::poll_recv", |cx, buf| b.poll_recv(cx, buf), send())
            .await;
        assert_fills_only_what_arrived(
            "UdpSocket::poll_recv_from",
            |cx, buf| b.poll_recv_from(cx, buf).map_ok(drop),
            send(),
        )
        .await;
    }

    async fn unix_datagram_recv_and_recv_from() {
        let (a, b) = UnixDatagram::pair().unwrap();
        let send = || async { a.send(MESSAGE).await.map(drop) };
        assert_fills_only_what_arrived(
            "UnixDatagram::poll_recv",
            |cx, buf| b.poll_recv(cx, buf),
            send(),
        )
        .await;
        assert_fills_only_what_arrived(
            "UnixDatagram::poll_recv_from",
            |cx, buf| b.poll_recv_from(cx, buf).map_ok(drop),
            send(),
        )
        .await;
    }

    async fn duplex_pipe() {
        let (mut a, mut b) = corium::io::duplex(64);
        assert_fills_only_what_arrived("DuplexStream", read_of(&mut b), a.write_all(MESSAGE)).await;
    }
}
