//! `corium::io::compat::Compat<TcpStream>` driven only through the `futures-io` traits: a real
//! loopback TCP round trip, on both runtime flavours.
//!
//! Run with `cargo test --features futures-io --test io_compat_tcp`.

#![cfg(feature = "futures-io")]

mod net_common;

use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use corium::io::compat::futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use corium::io::compat::Compat;
use corium::io::BufReader;
use net_common::{join, tcp_pair as pair, Pattern};

/// Writes all of `buf` through futures-io's `poll_write`.
async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, buf)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        buf = &buf[n..];
    }
    Ok(())
}

/// Reads to end of stream through futures-io's `poll_read`.
async fn read_to_end<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4093];
    loop {
        let n = poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, &mut buf)).await?;
        if n == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&buf[..n]);
    }
}

both_flavors! {
    async fn round_trip_through_futures_io_traits() {
        const LEN: usize = 300_000;
        let mut data = vec![0u8; LEN];
        Pattern::new(7).fill(&mut data);
        let (client, server) = pair().await;
        let mut client = Compat::new(client);
        let mut server = Compat::new(server);

        let send = async {
            write_all(&mut client, &data).await.expect("client write");
            poll_fn(|cx| Pin::new(&mut client).poll_flush(cx)).await.expect("flush");
            // poll_close is corium's poll_shutdown: a FIN, so the echo sees end of stream.
            poll_fn(|cx| Pin::new(&mut client).poll_close(cx)).await.expect("close");
            read_to_end(&mut client).await.expect("client read")
        };
        let echo = async {
            let got = read_to_end(&mut server).await.expect("server read");
            write_all(&mut server, &got).await.expect("server write");
            poll_fn(|cx| Pin::new(&mut server).poll_close(cx)).await.expect("server close");
            got.len()
        };
        let (echoed, server_saw) = join(send, echo).await;
        assert_eq!(server_saw, LEN);
        assert_eq!(echoed.len(), LEN);
        assert!(echoed == data, "the echoed bytes differ");
    }

    async fn buffered_lines_through_futures_io_buf_read() {
        let (client, server) = pair().await;
        let mut client = Compat::new(client);
        let mut reader = Compat::new(BufReader::with_capacity(4, server));
        let send = async {
            write_all(&mut client, b"alpha\nbeta\n").await.unwrap();
            poll_fn(|cx| Pin::new(&mut client).poll_close(cx)).await.unwrap();
        };
        let receive = async {
            let mut text = Vec::new();
            loop {
                let chunk = poll_fn(|cx| {
                    Pin::new(&mut reader)
                        .poll_fill_buf(cx)
                        .map_ok(<[u8]>::to_vec)
                })
                .await
                .unwrap();
                if chunk.is_empty() {
                    return text;
                }
                // At most the buffer's 4 bytes at a time: the corium buffer shows through.
                assert!(chunk.len() <= 4, "chunk of {} bytes", chunk.len());
                Pin::new(&mut reader).consume(chunk.len());
                text.extend_from_slice(&chunk);
            }
        };
        let ((), text) = join(send, receive).await;
        assert_eq!(text, b"alpha\nbeta\n");
    }
}
