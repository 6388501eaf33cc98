//! `UnixStream`'s halves beyond plain reading and writing, on both runtime flavours: the
//! addresses, readiness (`ready`, `readable`, `writable`) and the `try_*` calls through
//! borrowed and owned halves, of a socketpair and of a connection accepted on a path.

mod net_common;

use std::future::Future;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use corium::time::timeout;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::unix::SocketAddr;
use corium_net::{Interest, UnixListener, UnixStream};
use net_common::{join, poll_once, TempDir};

/// Bounds a wait that must end without anything else happening first (a writable fresh
/// socket, a readable one whose peer already wrote): generous, since on loopback these take
/// microseconds, and it only turns a hang into a readable failure.
async fn soon<F: Future>(what: &str, fut: F) -> F::Output {
    match timeout(Duration::from_secs(10), fut).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not complete"),
    }
}

/// An address in a form that can be compared: `SocketAddr` has no `PartialEq`, and its
/// `Debug` form tells unnamed, pathname and abstract addresses apart.
fn addr(res: std::io::Result<SocketAddr>) -> String {
    format!("{:?}", res.expect("query a socket address"))
}

/// A connection accepted on a socket file in `dir`: (client, server).
async fn accepted_pair(dir: &TempDir) -> (UnixStream, UnixStream, PathBuf) {
    let path = dir.path("sock");
    let listener = UnixListener::bind(&path).unwrap();
    let (client, accepted) = join(UnixStream::connect(&path), listener.accept()).await;
    (client.unwrap(), accepted.unwrap().0, path)
}

/// Checks that the halves `$rd`/`$wr` report the addresses `$local`/`$peer` (their stream's
/// own, taken before the split) and that readiness and the `try_*` calls work through them,
/// with `$other` the far end of the stream.
macro_rules! check_halves {
    ($rd:ident, $wr:ident, $other:ident, $local:expr, $peer:expr) => {{
        let (local, peer): (&str, &str) = (&$local, &$peer);
        assert_eq!(addr($rd.local_addr()), local, "read half's local_addr");
        assert_eq!(addr($rd.peer_addr()), peer, "read half's peer_addr");
        assert_eq!(addr($wr.local_addr()), local, "write half's local_addr");
        assert_eq!(addr($wr.peer_addr()), peer, "write half's peer_addr");

        // Nobody has written anything, yet a fresh stream can be written at once.
        soon("writable on a fresh stream", $wr.writable())
            .await
            .unwrap();
        // An empty send buffer takes both small writes whole.
        assert_eq!($wr.try_write(b"pi").unwrap(), 2);
        let bufs = [IoSlice::new(b"n"), IoSlice::new(b"g")];
        assert_eq!($wr.try_write_vectored(&bufs).unwrap(), 2);
        let mut ping = [0; 4];
        $other.read_exact(&mut ping).await.unwrap();
        assert_eq!(&ping, b"ping");

        // Nothing to read: the try calls say so instead of waiting, and `readable` waits.
        let mut buf = [0; 16];
        let err = $rd.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
        let mut slices = [IoSliceMut::new(&mut buf)];
        let err = $rd.try_read_vectored(&mut slices).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err}");
        assert!(
            poll_once($rd.readable()).await.is_none(),
            "readable before the peer wrote"
        );
        // Both directions asked for, only one ready: `ready` reports just that one, through
        // either half.
        for ready in [
            soon(
                "ready(R|W)",
                $rd.ready(Interest::READABLE | Interest::WRITABLE),
            )
            .await,
            soon(
                "ready(R|W)",
                $wr.ready(Interest::READABLE | Interest::WRITABLE),
            )
            .await,
        ] {
            let ready = ready.unwrap();
            assert!(ready.is_writable() && !ready.is_readable(), "{ready:?}");
        }

        $other.write_all(b"hello").await.unwrap();
        soon("readable after the peer wrote", $rd.readable())
            .await
            .unwrap();
        // Now both directions are ready, and both halves see it.
        for ready in [
            $rd.ready(Interest::READABLE | Interest::WRITABLE).await,
            $wr.ready(Interest::READABLE | Interest::WRITABLE).await,
        ] {
            let ready = ready.unwrap();
            assert!(ready.is_writable() && ready.is_readable(), "{ready:?}");
        }
        // A stream socket hands over everything written so far in one read.
        assert_eq!($rd.try_read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");

        $other.write_all(b"vector").await.unwrap();
        soon("readable after the second write", $rd.readable())
            .await
            .unwrap();
        let (mut head, mut tail) = ([0; 3], [0; 8]);
        let mut slices = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];
        assert_eq!($rd.try_read_vectored(&mut slices).unwrap(), 6);
        assert_eq!((&head, &tail[..3]), (b"vec", &b"tor"[..]));
        let err = $rd.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock, "drained: {err}");
    }};
}

/// The addresses of `stream`, (local, peer), as [`addr`] formats them.
fn addrs_of(stream: &UnixStream) -> (String, String) {
    (addr(stream.local_addr()), addr(stream.peer_addr()))
}

/// On an accepted connection the two ends' addresses differ (the server's is the path, the
/// client's is unnamed), so a half that mixed up `local_addr` and `peer_addr` shows.
fn assert_accepted_addrs(client: &UnixStream, server: &UnixStream, path: &Path) {
    let server_local = server.local_addr().unwrap();
    assert_eq!(server_local.as_pathname(), Some(path));
    assert!(server.peer_addr().unwrap().is_unnamed());
    assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path));
    assert!(client.local_addr().unwrap().is_unnamed());
}

both_flavors! {
    async fn borrowed_halves_of_a_pair() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        let (local, peer) = addrs_of(&a);
        let (rd, wr) = a.split();
        check_halves!(rd, wr, b, local, peer);
    }

    async fn owned_halves_of_a_pair() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let (local, peer) = addrs_of(&a);
        let (rd, wr) = a.into_split();
        check_halves!(rd, wr, b, local, peer);
    }

    async fn borrowed_halves_of_an_accepted_connection() {
        let dir = TempDir::new();
        let (mut client, mut server, path) = accepted_pair(&dir).await;
        assert_accepted_addrs(&client, &server, &path);
        {
            let (local, peer) = addrs_of(&server);
            let (rd, wr) = server.split();
            check_halves!(rd, wr, client, local, peer);
        }
        let (local, peer) = addrs_of(&client);
        let (rd, wr) = client.split();
        check_halves!(rd, wr, server, local, peer);
    }

    async fn owned_halves_of_an_accepted_connection() {
        let dir = TempDir::new();
        let (mut client, server, path) = accepted_pair(&dir).await;
        assert_accepted_addrs(&client, &server, &path);
        let (local, peer) = addrs_of(&server);
        let (rd, wr) = server.into_split();
        check_halves!(rd, wr, client, local, peer);

        let mut server = rd.reunite(wr).expect("halves of one stream reunite");
        let (local, peer) = addrs_of(&client);
        let (rd, wr) = client.into_split();
        check_halves!(rd, wr, server, local, peer);
    }
}
