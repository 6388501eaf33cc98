//! Unix-domain sockets on both runtime flavours: stream pairs and listeners, the halves,
//! shutdown and reuniting, datagrams bound, unbound and paired (waiting, `try_*` and `poll_*`
//! forms), the std conversions, and peer credentials.

mod net_common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::Shutdown;
use std::time::Duration;

use corium::time::timeout;
use corium_net::io::{AsyncReadExt, AsyncWriteExt, ReadBuf};
use corium_net::unix::UCred;
use corium_net::{UnixDatagram, UnixListener, UnixStream};
use net_common::{join, poll_once, Pattern, TempDir};

/// How long a read must stay pending to count as "no data and no end of stream": the peer's
/// write or shutdown already happened (synchronously, on a socketpair) before the read starts,
/// so anything pending would be seen at once; the wait only has to outlast a scheduler hiccup.
const QUIET: Duration = Duration::from_millis(200);

/// Asserts that a read on `stream` neither returns data nor end of stream within [`QUIET`].
async fn assert_no_data_and_no_eof(stream: &mut UnixStream) {
    let mut buf = [0; 16];
    match timeout(QUIET, stream.read(&mut buf)).await {
        Err(_elapsed) => {}
        Ok(Ok(0)) => panic!("the peer saw end of stream"),
        Ok(other) => panic!("unexpected read result: {other:?}"),
    }
}

/// This process's credentials, as a peer in the same process must report them.
fn own_cred() -> (libc::pid_t, libc::uid_t, libc::gid_t) {
    // SAFETY: getpid, getuid and getgid have no preconditions and cannot fail.
    unsafe { (libc::getpid(), libc::getuid(), libc::getgid()) }
}

fn assert_is_own(cred: UCred) {
    let (pid, uid, gid) = own_cred();
    assert_eq!((cred.uid(), cred.gid()), (uid, gid), "{cred:?}");
    if cfg!(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple"
    )) {
        assert_eq!(cred.pid(), Some(pid), "{cred:?}");
    } else {
        assert_eq!(cred.pid(), None, "{cred:?}");
    }
}

both_flavors! {
    async fn stream_pair_round_trip_and_shutdown() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(b"over the pair").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"over the pair");
        // Half-close: b can still answer.
        b.write_all(b"ack").await.unwrap();
        let mut ack = [0; 3];
        a.read_exact(&mut ack).await.unwrap();
        assert_eq!(&ack, b"ack");
    }

    async fn listener_accepts_a_path_connection() {
        let dir = TempDir::new();
        let path = dir.path("server.sock");
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));

        let mut client = UnixStream::connect(&path).await.unwrap();
        let (mut server, peer) = listener.accept().await.unwrap();
        assert!(peer.is_unnamed(), "an unbound client has no name");
        assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));

        client.write_all(b"hello").await.unwrap();
        let mut buf = [0; 5];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");

        // Binding the same path again fails; connecting to nothing fails cleanly.
        assert_eq!(UnixListener::bind(&path).unwrap_err().kind(), ErrorKind::AddrInUse);
        let err = UnixStream::connect(dir.path("nobody.sock")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn split_halves_work_concurrently_and_reunite() {
        // An echo through a pair: 2 MiB each way needs reading and writing at once.
        let (client, mut server) = UnixStream::pair().unwrap();
        let echo = corium::spawn(async move {
            let (mut rd, mut wr) = server.split();
            corium_net::io::copy(&mut rd, &mut wr).await.unwrap();
            wr.shutdown().await.unwrap();
        });
        let (mut rd, mut wr) = client.into_split();
        let send = async move {
            let mut p = Pattern::new(7);
            let mut buf = vec![0; 10_007];
            let mut left = 2 << 20;
            while left > 0 {
                let n = buf.len().min(left);
                p.fill(&mut buf[..n]);
                wr.write_all(&buf[..n]).await.unwrap();
                left -= n;
            }
            wr.shutdown().await.unwrap();
            wr
        };
        let recv = async move {
            let mut p = Pattern::new(7);
            let mut buf = vec![0; 9_001];
            let mut total = 0;
            loop {
                let n = rd.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                assert!(p.check(&buf[..n]).is_ok(), "stream differs near byte {total}");
                total += n;
            }
            (rd, total)
        };
        let (wr, (rd, total)) = join(send, recv).await;
        assert_eq!(total, 2 << 20);
        echo.await.unwrap();
        let stream = rd.reunite(wr).expect("halves of one stream");
        assert!(stream.local_addr().unwrap().is_unnamed());

        let (x, _x2) = UnixStream::pair().unwrap();
        let (y, _y2) = UnixStream::pair().unwrap();
        let (x_rd, _x_wr) = x.into_split();
        let (_y_rd, y_wr) = y.into_split();
        assert!(x_rd.reunite(y_wr).is_err());
    }

    async fn stream_try_calls_and_std_conversion() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = UnixStream::from_std(a).unwrap();
        let b = UnixStream::try_from(b).unwrap();
        let mut buf = [0; 8];
        assert_eq!(b.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.writable().await.unwrap();
        assert_eq!(a.try_write(b"abc").unwrap(), 3);
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");

        let mut std_b = b.into_std().unwrap();
        std_b.set_nonblocking(false).unwrap();
        a.try_write(b"std").unwrap();
        let mut three = [0; 3];
        std::io::Read::read_exact(&mut std_b, &mut three).unwrap();
        assert_eq!(&three, b"std");
    }

    async fn datagram_pair_and_connected_send() {
        let (a, b) = UnixDatagram::pair().unwrap();
        let mut buf = [0; 16];
        assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        for msg in [&b"one"[..], b"two", b"three"] {
            a.send(msg).await.unwrap();
        }
        for msg in [&b"one"[..], b"two", b"three"] {
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], msg, "datagrams keep their boundaries and order");
        }
    }

    async fn datagram_bound_paths_and_unbound_sender() {
        let dir = TempDir::new();
        let a_path = dir.path("a.sock");
        let b_path = dir.path("b.sock");
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();

        a.send_to(b"from a", &b_path).await.unwrap();
        let mut buf = [0; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"from a");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));

        let anon = UnixDatagram::unbound().unwrap();
        anon.send_to(b"anonymous", &b_path).await.unwrap();
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"anonymous");
        assert!(from.is_unnamed());

        anon.connect(&a_path).unwrap();
        assert_eq!(anon.peer_addr().unwrap().as_pathname(), Some(a_path.as_path()));
        anon.send(b"connected").await.unwrap();
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"connected");

        let err = anon.send_to(b"x", dir.path("missing.sock")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn a_full_datagram_receiver_makes_the_sender_wait() {
        // Unix datagrams are never dropped: once the receiver's queue is full the sender's
        // `send` parks, and is woken when the receiver drains.
        let (a, b) = UnixDatagram::pair().unwrap();
        let payload = [0x5A; 1024];
        let mut queued = 0;
        loop {
            match a.try_send(&payload) {
                Ok(_) => queued += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
            assert!(queued < 1_000_000, "the receiver's queue never filled");
        }
        let sender = corium::spawn(async move {
            a.send(b"after the wait").await.unwrap();
            a
        });
        let mut buf = [0; 2048];
        for _ in 0..queued {
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(n, payload.len());
        }
        let n = b.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"after the wait");
        sender.await.unwrap();
    }

    async fn reuniting_a_fresh_split_keeps_the_stream_open() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (rd, wr) = a.into_split();
        let mut a = rd.reunite(wr).expect("halves of one stream");
        // The write half was consumed by reunite, not dropped: no shutdown happened.
        a.write_all(b"still open").await.unwrap();
        let mut buf = [0; 10];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
        assert_no_data_and_no_eof(&mut b).await;
        // And both directions still work.
        b.write_all(b"yes").await.unwrap();
        let mut yes = [0; 3];
        a.read_exact(&mut yes).await.unwrap();
        assert_eq!(&yes, b"yes");
    }

    async fn forgetting_the_write_half_skips_the_shutdown_dropping_it_does_not() {
        // forget(): the peer sees neither data nor end of stream, while the read half lives.
        let (a, mut b) = UnixStream::pair().unwrap();
        let (mut rd, wr) = a.into_split();
        wr.forget();
        assert_no_data_and_no_eof(&mut b).await;
        // The read half is unaffected.
        b.write_all(b"to rd").await.unwrap();
        let mut buf = [0; 5];
        rd.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"to rd");

        // Plain drop: shutdown(Write), so the peer reads end of stream at once even though
        // the read half (and so the descriptor) is still alive ...
        let (c, mut d) = UnixStream::pair().unwrap();
        let (mut rd, wr) = c.into_split();
        drop(wr);
        let mut buf = [0; 16];
        let n = timeout(Duration::from_secs(10), d.read(&mut buf))
            .await
            .expect("the peer never saw end of stream")
            .unwrap();
        assert_eq!(n, 0);
        // ... and only one direction is shut: the peer can still answer.
        d.write_all(b"half").await.unwrap();
        let mut half = [0; 4];
        rd.read_exact(&mut half).await.unwrap();
        assert_eq!(&half, b"half");
    }

    async fn listener_from_std_poll_accept_and_into_std() {
        let dir = TempDir::new();
        let path = dir.path("std.sock");
        let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let listener = UnixListener::from_std(std_listener).unwrap();
        // Nothing queued: Pending (from_std made it nonblocking, or this would hang).
        assert!(poll_once(poll_fn(|cx| listener.poll_accept(cx))).await.is_none());

        let (accepted, client) =
            join(poll_fn(|cx| listener.poll_accept(cx)), UnixStream::connect(&path)).await;
        let (mut server, peer) = accepted.unwrap();
        let mut client = client.unwrap();
        assert!(peer.is_unnamed());
        client.write_all(b"polled").await.unwrap();
        let mut buf = [0; 6];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"polled");

        let back = listener.into_std().unwrap();
        assert_eq!(back.accept().unwrap_err().kind(), ErrorKind::WouldBlock, "still nonblocking");
        let _c = std::os::unix::net::UnixStream::connect(&path).unwrap();
        back.set_nonblocking(false).unwrap();
        back.accept().unwrap();
    }

    async fn datagram_std_conversions_and_poll_calls() {
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        let a = UnixDatagram::from_std(a).unwrap();
        let b = UnixDatagram::try_from(b).unwrap();
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        assert!(poll_once(poll_fn(|cx| b.poll_recv(cx, &mut rb))).await.is_none());

        let (sent, received) =
            join(poll_fn(|cx| a.poll_send(cx, b"poll")), poll_fn(|cx| b.poll_recv(cx, &mut rb)))
                .await;
        assert_eq!(sent.unwrap(), 4);
        received.unwrap();
        assert_eq!(rb.filled(), b"poll");

        // into_std hands back the same socket: what a sends, the std socket receives.
        let std_b = b.into_std().unwrap();
        let mut buf = [0; 16];
        assert_eq!(std_b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.send(b"to std").await.unwrap();
        std_b.set_nonblocking(false).unwrap();
        let n = std_b.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"to std");
        // Shutting down a's write side makes further sends fail with BrokenPipe.
        a.shutdown(Shutdown::Write).unwrap();
        assert_eq!(a.send(b"x").await.unwrap_err().kind(), ErrorKind::BrokenPipe);
    }

    async fn datagram_try_send_to_and_poll_addressed_calls() {
        let dir = TempDir::new();
        let a_path = dir.path("a.sock");
        let b_path = dir.path("b.sock");
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        let mut buf = [0; 16];
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"tried", &b_path).unwrap(), 5);
        let mut storage = [0; 16];
        let mut rb = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"tried");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));

        assert_eq!(poll_fn(|cx| b.poll_send_to(cx, b"polled", &a_path)).await.unwrap(), 6);
        a.readable().await.unwrap();
        let (n, from) = a.try_recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"polled");
        assert_eq!(from.as_pathname(), Some(b_path.as_path()));

        let err = a.try_send_to(b"x", dir.path("missing.sock")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    async fn peer_cred_names_this_process() {
        let (a, b) = UnixStream::pair().unwrap();
        assert_is_own(a.peer_cred().unwrap());
        assert_is_own(b.peer_cred().unwrap());

        // Through a listener too, from both ends.
        let dir = TempDir::new();
        let path = dir.path("cred.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let client = UnixStream::connect(&path).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        assert_is_own(client.peer_cred().unwrap());
        assert_is_own(server.peer_cred().unwrap());
    }
}
