//! Feature `tokio-io`: corium sockets under tokio's io traits. A `tokio_util::codec::Framed`
//! line codec runs over a corium `TcpStream`, and code generic over tokio's traits (using
//! tokio's own `AsyncReadExt`/`AsyncWriteExt`) is driven by corium types on a corium runtime.

mod net_common;

use std::future::poll_fn;
use std::io;
use std::pin::Pin;

use corium::io::tokio_compat::TokioCompat;
use corium::net::{TcpListener, TcpStream, UnixStream};
use futures_core::Stream;
use futures_sink::Sink;
use tokio_util::codec::{Framed, LinesCodec};

/// A connected TCP pair: (client, server side).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// `SinkExt::send` without the futures crate: ready, start, flush.
async fn send_line<S>(framed: &mut S, line: &str)
where
    S: Sink<String, Error = tokio_util::codec::LinesCodecError> + Unpin,
{
    poll_fn(|cx| Pin::new(&mut *framed).poll_ready(cx))
        .await
        .unwrap();
    Pin::new(&mut *framed).start_send(line.to_owned()).unwrap();
    poll_fn(|cx| Pin::new(&mut *framed).poll_flush(cx))
        .await
        .unwrap();
}

/// `StreamExt::next` without the futures crate.
async fn next_line<S>(framed: &mut S) -> Option<String>
where
    S: Stream<Item = Result<String, tokio_util::codec::LinesCodecError>> + Unpin,
{
    poll_fn(|cx| Pin::new(&mut *framed).poll_next(cx))
        .await
        .map(|line| line.unwrap())
}

/// Generic over tokio's traits only: what a tokio-ecosystem crate looks like. Reads a
/// length-prefixed message with tokio's extension traits and answers it reversed.
async fn tokio_generic_reverse<S>(mut stream: S) -> io::Result<usize>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let len = stream.read_u32().await? as usize;
    let mut message = vec![0; len];
    stream.read_exact(&mut message).await?;
    message.reverse();
    stream.write_all(&message).await?;
    stream.shutdown().await?;
    Ok(len)
}

both_flavors! {
    async fn framed_lines_over_a_corium_tcp_stream() {
        let (client, server) = tcp_pair().await;
        // The server echoes each line upper-cased, until the client closes.
        let echo = corium::spawn(async move {
            let mut framed = Framed::new(TokioCompat::new(server), LinesCodec::new());
            let mut count = 0;
            while let Some(line) = next_line(&mut framed).await {
                send_line(&mut framed, &line.to_uppercase()).await;
                count += 1;
            }
            count
        });
        let mut framed = Framed::new(TokioCompat::new(client), LinesCodec::new());
        for line in ["hello", "framed codec", "", "over corium"] {
            send_line(&mut framed, line).await;
            assert_eq!(next_line(&mut framed).await.as_deref(), Some(&*line.to_uppercase()));
        }
        // Many lines in one write, split across reads by the codec.
        let many: Vec<String> = (0..200).map(|i| format!("line {i} {}", "x".repeat(i))).collect();
        for line in &many {
            poll_fn(|cx| Sink::<String>::poll_ready(Pin::new(&mut framed), cx)).await.unwrap();
            Pin::new(&mut framed).start_send(line.clone()).unwrap();
        }
        poll_fn(|cx| Sink::<String>::poll_flush(Pin::new(&mut framed), cx)).await.unwrap();
        for line in &many {
            assert_eq!(next_line(&mut framed).await.unwrap(), line.to_uppercase());
        }
        drop(framed);
        assert_eq!(echo.await.unwrap(), 4 + many.len());
    }

    async fn tokio_generic_code_driven_by_corium_types() {
        // Over TCP ...
        let (mut client, server) = tcp_pair().await;
        let task = corium::spawn(tokio_generic_reverse(TokioCompat::new(server)));
        {
            use corium::io::{AsyncReadExt, AsyncWriteExt};
            let message = b"corium under tokio's traits";
            client.write_u32(message.len() as u32).await.unwrap();
            client.write_all(message).await.unwrap();
            let mut back = Vec::new();
            client.read_to_end(&mut back).await.unwrap();
            let mut expected = message.to_vec();
            expected.reverse();
            assert_eq!(back, expected);
        }
        assert_eq!(task.await.unwrap().unwrap(), 27);

        // ... and over a Unix stream, with the generic code on both ends.
        let (a, b) = UnixStream::pair().unwrap();
        let task = corium::spawn(tokio_generic_reverse(TokioCompat::new(b)));
        let mut a = TokioCompat::new(a);
        {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            a.write_u32(3).await.unwrap();
            a.write_all(b"abc").await.unwrap();
            let mut back = String::new();
            a.read_to_string(&mut back).await.unwrap();
            assert_eq!(back, "cba");
        }
        assert_eq!(task.await.unwrap().unwrap(), 3);
    }
}
