//! `TcpStream`'s halves beyond plain reading and writing, on both runtime flavours: readiness,
//! `peek` and the `try_*` calls through either kind of half; reuniting without shutting down;
//! a forgotten write half versus a dropped one.

mod net_common;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::time::Duration;

use corium::time::timeout;
use corium_net::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use corium_net::{Interest, TcpStream};
use net_common::tcp_pair as pair;

/// Fails if `r` yields anything, end of stream included, within a quiet spell. On loopback a
/// FIN or a byte arrives within microseconds of being sent, so a read still pending after
/// 100 ms means the peer sent neither; there is no event to wait for instead, since the point
/// is that nothing happens.
async fn assert_no_eof<R: AsyncRead + Unpin>(r: &mut R) {
    let mut buf = [0; 8];
    if let Ok(res) = timeout(Duration::from_millis(100), r.read(&mut buf)).await {
        panic!("expected an open, silent stream; the read returned {res:?}");
    }
}

/// The same checks through either kind of halves of a stream whose peer is `$client`: the
/// write half's readiness and `try_write*` reach the peer; the read half's `peek` and
/// `poll_peek` see the peer's bytes without taking them, and the reads that follow
/// (`AsyncRead`, then `try_read`) still get every byte.
macro_rules! check_halves {
    ($rd:ident, $wr:ident, $client:ident) => {{
        let ready = $wr.ready(Interest::WRITABLE).await.unwrap();
        assert!(ready.is_writable(), "{ready:?}");
        $wr.writable().await.unwrap();
        // A fresh connection's send buffer is empty: both writes go through whole.
        assert_eq!($wr.try_write(b"pi").unwrap(), 2);
        let bufs = [IoSlice::new(b"n"), IoSlice::new(b"g")];
        assert_eq!($wr.try_write_vectored(&bufs).unwrap(), 2);
        let mut ping = [0; 4];
        $client.read_exact(&mut ping).await.unwrap();
        assert_eq!(&ping, b"ping");

        let mut buf = [0; 16];
        assert_eq!(
            $rd.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        $client.write_all(b"hello").await.unwrap();
        let ready = $rd.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable(), "{ready:?}");

        // One 5-byte write is one loopback segment: peeks see all of it.
        let n = $rd.peek(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        let m = poll_fn(|cx| $rd.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!((m, rb.filled()), (5, &b"hello"[..]));

        let mut he = [0; 2];
        $rd.read_exact(&mut he).await.unwrap();
        assert_eq!(&he, b"he");
        $rd.readable().await.unwrap();
        let mut rest = [0; 16];
        assert_eq!($rd.try_read(&mut rest).unwrap(), 3);
        assert_eq!(&rest[..3], b"llo");
        let mut slices = [IoSliceMut::new(&mut rest)];
        let err = $rd.try_read_vectored(&mut slices).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "drained: {err}");
    }};
}

both_flavors! {
    async fn borrowed_halves_peek_ready_and_try_calls() {
        let (mut client, mut server) = pair().await;
        let (mut rd, wr) = server.split();
        check_halves!(rd, wr, client);
    }

    async fn owned_halves_peek_ready_and_try_calls() {
        let (mut client, server) = pair().await;
        let (mut rd, wr) = server.into_split();
        check_halves!(rd, wr, client);
    }

    async fn a_freshly_reunited_stream_stays_open_both_ways() {
        // Both ways of reuniting; neither may shut the write direction down.
        for write_half_reunites in [false, true] {
            let (client, mut server) = pair().await;
            let (rd, wr) = client.into_split();
            let reunited = if write_half_reunites { wr.reunite(rd) } else { rd.reunite(wr) };
            let mut client = reunited.expect("halves of one stream reunite");

            // After a shutdown this write would fail with BrokenPipe.
            client.write_all(b"still open").await.unwrap();
            let mut got = [0; 10];
            server.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"still open");
            assert_no_eof(&mut server).await;

            server.write_all(b"ok").await.unwrap();
            let mut ok = [0; 2];
            client.read_exact(&mut ok).await.unwrap();
            assert_eq!(&ok, b"ok");
        }
    }

    async fn a_forgotten_write_half_does_not_shut_down() {
        let (client, mut server) = pair().await;
        let (rd, mut wr) = client.into_split();
        wr.write_all(b"before").await.unwrap();
        wr.forget();
        let mut got = [0; 6];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"before");
        assert_no_eof(&mut server).await;
        // The write direction really is open: the stream, reached through the read half,
        // still sends.
        let stream: &TcpStream = rd.as_ref();
        stream.writable().await.unwrap();
        assert_eq!(stream.try_write(b"after").unwrap(), 5);
        let mut got = [0; 5];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"after");
        // As with tokio, the socket closes with the last half: then the peer reads EOF.
        drop(rd);
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "{rest:?}");

        // Without forget, dropping the write half shuts the direction down at once, while
        // the read half still holds the socket open.
        let (client, mut server) = pair().await;
        let (rd, wr) = client.into_split();
        drop(wr);
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "{rest:?}");
        let err = rd.as_ref().try_write(b"x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
    }
}
