//! `TcpStream` behaviour on both runtime flavours: echo, the two kinds of split, shutdown and
//! half-close, peek, readiness without false "closed" reports, resets, the `try_*` calls,
//! options and the std conversions.

mod net_common;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::time::Duration;

use corium::time::timeout;
use corium_net::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use corium_net::{Interest, TcpListener, TcpStream};
use net_common::{join, poll_once, tcp_pair as pair, Pattern};

/// Echoes everything back until end of stream, then shuts its writes down.
async fn echo(mut stream: TcpStream) -> u64 {
    let mut buf = vec![0; 64 * 1024];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await.expect("echo read");
        if n == 0 {
            stream.shutdown().await.expect("echo shutdown");
            return total;
        }
        stream.write_all(&buf[..n]).await.expect("echo write");
        total += n as u64;
    }
}

/// Writes `len` pattern bytes in uneven chunks, then shuts down.
async fn send_pattern<W: corium_net::io::AsyncWrite + Unpin>(w: &mut W, seed: u64, len: usize) {
    let mut pattern = Pattern::new(seed);
    let mut buf = vec![0; 7919];
    let mut left = len;
    while left > 0 {
        let n = left.min(buf.len());
        pattern.fill(&mut buf[..n]);
        w.write_all(&buf[..n]).await.expect("write pattern");
        left -= n;
    }
    w.shutdown().await.expect("shutdown after pattern");
}

/// Reads to end of stream, checking the pattern on the fly; returns the byte count.
async fn recv_pattern<R: corium_net::io::AsyncRead + Unpin>(r: &mut R, seed: u64) -> usize {
    let mut pattern = Pattern::new(seed);
    let mut buf = vec![0; 6007];
    let mut total = 0;
    loop {
        let n = r.read(&mut buf).await.expect("read pattern");
        if n == 0 {
            return total;
        }
        if let Err(at) = pattern.check(&buf[..n]) {
            panic!("pattern mismatch at byte {}", total + at);
        }
        total += n;
    }
}

const MIB: usize = 1024 * 1024;

both_flavors! {
    async fn echo_round_trips() {
        let (mut client, server) = pair().await;
        let server = corium::spawn(echo(server));
        for msg in [&b"a"[..], b"hello", &[7u8; 10_000]] {
            client.write_all(msg).await.unwrap();
            let mut back = vec![0; msg.len()];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg);
        }
        client.shutdown().await.unwrap();
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert_eq!(server.await.unwrap(), 1 + 5 + 10_000);
    }

    async fn borrowed_split_reads_and_writes_concurrently() {
        // 4 MiB through an echo is far more than both socket buffers hold: writing it all
        // before reading would deadlock, so this passes only if the halves run at once.
        let (mut client, server) = pair().await;
        let server = corium::spawn(echo(server));
        let (mut rd, mut wr) = client.split();
        assert_eq!(rd.peer_addr().unwrap(), wr.peer_addr().unwrap());
        let ((), got) = join(send_pattern(&mut wr, 11, 4 * MIB), recv_pattern(&mut rd, 11)).await;
        assert_eq!(got, 4 * MIB);
        assert_eq!(server.await.unwrap(), (4 * MIB) as u64);
    }

    async fn owned_halves_work_in_two_tasks_and_reunite() {
        let (client, server) = pair().await;
        let server = corium::spawn(echo(server));
        let local = client.local_addr().unwrap();
        let (mut rd, mut wr) = client.into_split();
        let writer = corium::spawn(async move {
            send_pattern(&mut wr, 23, 4 * MIB).await;
            wr
        });
        let reader = corium::spawn(async move {
            let n = recv_pattern(&mut rd, 23).await;
            (rd, n)
        });
        let wr = writer.await.unwrap();
        let (rd, n) = reader.await.unwrap();
        assert_eq!(n, 4 * MIB);
        server.await.unwrap();

        let stream = rd.reunite(wr).expect("halves of one stream reunite");
        assert_eq!(stream.local_addr().unwrap(), local);

        // Halves of two different streams do not, and both come back intact.
        let (a, _a_peer) = pair().await;
        let (b, _b_peer) = pair().await;
        let (a_rd, _a_wr) = a.into_split();
        let (_b_rd, b_wr) = b.into_split();
        let err = a_rd.reunite(b_wr).unwrap_err();
        assert!(err.to_string().contains("not from the same"), "{err}");
        let corium_net::tcp::ReuniteError(back_rd, back_wr) = err;
        assert_ne!(back_rd.local_addr().unwrap(), back_wr.local_addr().unwrap());
    }

    async fn dropping_the_owned_write_half_sends_eof() {
        let (client, mut server) = pair().await;
        let (_rd, mut wr) = client.into_split();
        wr.write_all(b"last words").await.unwrap();
        drop(wr);
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
    }

    async fn shutdown_gives_the_peer_eof_and_the_other_direction_stays_open() {
        let (mut client, mut server) = pair().await;
        client.write_all(b"request").await.unwrap();
        client.shutdown().await.unwrap();

        // The server reads the request, then end of stream...
        let mut req = Vec::new();
        server.read_to_end(&mut req).await.unwrap();
        assert_eq!(req, b"request");
        // ...and can still answer on its own direction (half-close).
        server.write_all(b"response").await.unwrap();
        drop(server);

        let mut resp = Vec::new();
        client.read_to_end(&mut resp).await.unwrap();
        assert_eq!(resp, b"response");
        // Writing after our own shutdown is an error, not a hang.
        let err = client.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
    }

    async fn peek_does_not_consume() {
        let (mut client, mut server) = pair().await;
        client.write_all(b"hello").await.unwrap();

        // One 5-byte write is one loopback segment: a peek sees all of it or nothing.
        let mut peeked = [0; 16];
        let n = server.peek(&mut peeked).await.unwrap();
        assert_eq!(&peeked[..n], b"hello");

        // poll_peek sees the same bytes, reports their count and fills exactly that much.
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        let m = poll_fn(|cx| server.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!(m, 5);
        assert_eq!(rb.filled(), b"hello");

        let mut read = [0; 5];
        server.read_exact(&mut read).await.unwrap();
        assert_eq!(&read, b"hello");
    }

    async fn a_slow_peer_never_looks_closed() {
        let (client, mut server) = pair().await;
        let quiet = Duration::from_millis(100);

        // A connected, silent peer: not readable, and certainly not closed.
        let waited = timeout(quiet, client.ready(Interest::READABLE)).await;
        assert!(waited.is_err(), "a silent peer reported {waited:?}");

        // One byte: readable, not closed.
        server.write_all(b"x").await.unwrap();
        let ready = client.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable() && !ready.is_read_closed(), "{ready:?}");
        let mut buf = [0; 8];
        assert_eq!(client.try_read(&mut buf).unwrap(), 1);
        // Drained: WouldBlock (not Ok(0), which would mean end of stream).
        assert_eq!(client.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        let waited = timeout(quiet, client.ready(Interest::READABLE)).await;
        assert!(waited.is_err(), "a drained, open stream reported {waited:?}");

        // Only the peer's FIN sets READ_CLOSED.
        server.shutdown().await.unwrap();
        let ready = client.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_read_closed(), "{ready:?}");
        assert_eq!(client.try_read(&mut buf).unwrap(), 0);
    }

    async fn a_reset_is_a_clean_error_on_read_and_write() {
        let (client, mut server) = pair().await;
        client.set_linger(Some(Duration::ZERO)).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
        drop(client); // SO_LINGER 0: close sends RST.

        let mut buf = [0; 16];
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        let err = server.write_all(b"anyone there?").await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{err}"
        );
    }

    async fn a_reset_mid_stream_stops_a_busy_writer() {
        let (mut client, mut server) = pair().await;
        let writer = corium::spawn(async move {
            let chunk = vec![0xAB; 64 * 1024];
            let mut sent = 0u64;
            loop {
                match server.write_all(&chunk).await {
                    Ok(()) => sent += chunk.len() as u64,
                    Err(e) => return (sent, e),
                }
            }
        });
        // Let data flow, then abort the connection from the reading side.
        let mut buf = vec![0; 256 * 1024];
        client.read_exact(&mut buf).await.unwrap();
        assert!(buf.iter().all(|&b| b == 0xAB));
        client.set_linger(Some(Duration::ZERO)).unwrap();
        drop(client);

        let (sent, err) = writer.await.unwrap();
        assert!(sent >= 256 * 1024);
        assert!(
            matches!(err.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{err}"
        );
    }

    async fn try_calls_and_readiness() {
        let (client, server) = pair().await;
        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"abc").unwrap(), 3);
        let bufs = [IoSlice::new(b"de"), IoSlice::new(b"fgh")];
        assert_eq!(client.try_write_vectored(&bufs).unwrap(), 5);

        let mut got = Vec::new();
        while got.len() < 8 {
            server.readable().await.unwrap();
            let mut a = [0; 3];
            let mut b = [0; 16];
            let mut slices = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
            match server.try_read_vectored(&mut slices) {
                Ok(n) => {
                    let all: Vec<u8> = a.iter().chain(b.iter()).copied().take(n).collect();
                    got.extend(all);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, b"abcdefgh");

        // try_io with a syscall of our own (a std read through the fd).
        let mut byte = [0; 1];
        let err = server
            .try_io(Interest::READABLE, || (&*std_view(&server)).read(&mut byte))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
        client.try_write(b"!").unwrap();
        let n = server
            .async_io(Interest::READABLE, || (&*std_view(&server)).read(&mut byte))
            .await
            .unwrap();
        assert_eq!((n, byte[0]), (1, b'!'));

        let ready = server.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
        assert!(ready.is_writable(), "{ready:?}");
        assert!(poll_fn(|cx| client.poll_write_ready(cx)).await.is_ok());
    }

    async fn vectored_writes_gather() {
        let (mut client, mut server) = pair().await;
        let parts = [IoSlice::new(b"one "), IoSlice::new(b""), IoSlice::new(b"two "), IoSlice::new(b"three")];
        assert!(client.is_write_vectored());
        // An empty send buffer takes all 13 bytes in one sendmsg.
        assert_eq!(client.write_vectored(&parts).await.unwrap(), 13);
        let mut got = [0; 13];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"one two three");
    }

    async fn socket_options_round_trip() {
        let (client, _server) = pair().await;
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        assert_eq!(client.set_ttl(256).unwrap_err().kind(), ErrorKind::InvalidInput);
        client.set_linger(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(3)));
        client.set_linger(None).unwrap();
        assert_eq!(client.linger().unwrap(), None);
        assert!(client.take_error().unwrap().is_none());
    }

    async fn std_conversions_keep_the_connection() {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let std_client = std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
        let (std_server, _) = std_listener.accept().unwrap();

        // from_std sets nonblocking itself: a blocking std socket is fine to pass.
        let mut client = TcpStream::from_std(std_client).unwrap();
        let mut server = TcpStream::try_from(std_server).unwrap();
        client.write_all(b"via corium").await.unwrap();
        let mut buf = [0; 10];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"via corium");

        // into_std hands back a nonblocking std stream; made blocking, it works as usual.
        let mut std_server = server.into_std().unwrap();
        std_server.set_nonblocking(false).unwrap();
        client.write_all(b"back to std").await.unwrap();
        let mut buf = [0; 11];
        std_server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"back to std");
        std_server.write_all(b"!").unwrap();
        let mut one = [0; 1];
        client.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"!");

        // The listener converts too.
        let listener = corium_net::TcpListener::from_std(std_listener).unwrap();
        let addr = listener.local_addr().unwrap();
        let back = listener.into_std().unwrap();
        assert_eq!(back.local_addr().unwrap(), addr);
    }
}

/// A non-owning std view of a socket, for `try_io` closures that make their own syscall.
fn std_view(stream: &TcpStream) -> std::mem::ManuallyDrop<std::net::TcpStream> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: the fd is open for as long as `stream` lives (the view never outlives the
    // closure that borrows `stream`), and `ManuallyDrop` keeps the view from closing it.
    std::mem::ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(stream.as_raw_fd()) })
}

both_flavors! {
    async fn a_listener_from_std_accepts_a_queued_connection_and_never_blocks() {
        // A blocking std listener with a finished handshake already in its backlog.
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut std_client =
            std::net::TcpStream::connect(std_listener.local_addr().unwrap()).unwrap();
        std_client.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        std_client.write_all(b"queued").unwrap();
        assert!(!net_common::is_nonblocking(&std_listener));

        let listener = TcpListener::from_std(std_listener).unwrap();
        // Checked first, so that a regression fails here instead of hanging in accept(2).
        assert!(net_common::is_nonblocking(&listener), "from_std must set O_NONBLOCK");
        let (mut server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, std_client.local_addr().unwrap());
        let mut got = [0; 6];
        server.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"queued");
        server.write_all(b"ack").await.unwrap();
        // The bytes are already in the client's receive queue: this blocking read returns.
        let mut ack = [0; 3];
        std_client.read_exact(&mut ack).unwrap();
        assert_eq!(&ack, b"ack");

        // Nothing queued now: accept parks the task, not the thread, so the timer still fires.
        let waited = timeout(Duration::from_millis(50), listener.accept()).await;
        assert!(waited.is_err(), "no client, yet accept returned {waited:?}");
    }

    async fn try_io_runs_the_closure_when_ready_and_would_block_clears_readiness() {
        let (mut client, server) = pair().await;
        client.write_all(b"xyz").await.unwrap();
        server.readable().await.unwrap();
        let mut buf = [0; 8];
        let n = server
            .try_io(Interest::READABLE, || (&*std_view(&server)).read(&mut buf))
            .unwrap();
        assert_eq!(&buf[..n], b"xyz");

        // A success keeps the readiness: the closure runs again, and its read finds nothing.
        let mut ran = false;
        let err = server
            .try_io(Interest::READABLE, || {
                ran = true;
                (&*std_view(&server)).read(&mut buf)
            })
            .unwrap_err();
        assert!(ran, "readiness was dropped after a successful try_io");
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");

        // That WouldBlock cleared it: with nothing new, try_io refuses without running `f`.
        let mut ran = false;
        let err = server
            .try_io(Interest::READABLE, || {
                ran = true;
                Ok(0)
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
        assert!(!ran, "the closure ran although the readiness was cleared");

        // New data brings the readiness back.
        client.write_all(b"!").await.unwrap();
        server.readable().await.unwrap();
        let n = server
            .try_io(Interest::READABLE, || (&*std_view(&server)).read(&mut buf))
            .unwrap();
        assert_eq!(&buf[..n], b"!");
    }

    async fn poll_read_ready_and_poll_write_ready_follow_the_socket() {
        let (mut client, server) = pair().await;
        assert!(
            poll_once(poll_fn(|cx| server.poll_read_ready(cx))).await.is_none(),
            "read-ready before anything was sent"
        );
        client.write_all(b"ab").await.unwrap();
        poll_fn(|cx| server.poll_read_ready(cx)).await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(server.try_read(&mut buf).unwrap(), 2);
        assert_eq!(server.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(
            poll_once(poll_fn(|cx| server.poll_read_ready(cx))).await.is_none(),
            "read-ready after a drain"
        );

        // Write side: ready on a fresh stream; pending once the send buffer is full (the
        // client reads nothing meanwhile); ready again when the client drains it.
        poll_fn(|cx| server.poll_write_ready(cx)).await.unwrap();
        let chunk = vec![0x5A; 64 * 1024];
        let mut queued = 0;
        let mut pending = false;
        // A late ACK can free space (and make the socket writable again) just after a
        // WouldBlock, so fill until poll_write_ready says Pending, a bounded number of times.
        'fill: for _ in 0..100 {
            for _ in 0..10_000 {
                match server.try_write(&chunk) {
                    Ok(n) => queued += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("filling the send buffer: {e}"),
                }
            }
            if poll_once(poll_fn(|cx| server.poll_write_ready(cx))).await.is_none() {
                pending = true;
                break 'fill;
            }
        }
        assert!(pending, "poll_write_ready never pending with a full send buffer");

        let drain = async {
            let mut left = queued;
            let mut buf = vec![0; 64 * 1024];
            while left > 0 {
                let n = client.read(&mut buf).await.unwrap();
                assert!(n > 0 && buf[..n].iter().all(|&b| b == 0x5A), "read {n}");
                left -= n;
            }
        };
        let (ready, ()) = join(poll_fn(|cx| server.poll_write_ready(cx)), drain).await;
        ready.unwrap();
    }
}
