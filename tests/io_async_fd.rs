//! `corium::io::unix::AsyncFd` on both runtime flavours, around one end of a std Unix socket
//! pair: waiting for read and write readiness, the guards' `try_io` and the clear-on-
//! `WouldBlock` contract, clearing and keeping readiness, `async_io`, handing the fd back
//! (`into_inner`, drop), hang-up, and the registration errors (regular file, double
//! registration, no runtime).

mod net_common;

use std::future::poll_fn;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use corium::io::unix::{AsyncFd, TryIoError};
use corium::io::{Interest, Ready};
use corium::task::yield_now;
use net_common::poll_once;

/// A connected pair: ours (nonblocking, to be wrapped) and the peer (blocking, driven with
/// plain std calls, which complete at once on a socket pair as long as the buffer has room
/// or data).
fn pair() -> (UnixStream, UnixStream) {
    let (ours, peer) = UnixStream::pair().expect("socketpair");
    ours.set_nonblocking(true).expect("set O_NONBLOCK");
    (ours, peer)
}

/// Wraps `ours` and waits for the registration's own first event (a fresh socket is writable
/// at once), so that afterwards each peer write produces exactly one event.
///
/// Without this wait a peer write can race the delivery of that first event: epoll then
/// reports the new data twice (once in the report already under way, once for the write's
/// own wake-up), and the second report would re-set readiness a test has just cleared.
async fn wrap(ours: UnixStream) -> AsyncFd<UnixStream> {
    let fd = AsyncFd::new(ours).unwrap();
    let guard = fd.writable().await.unwrap();
    assert!(
        guard.ready().is_writable(),
        "guard says {:?}",
        guard.ready()
    );
    drop(guard);
    fd
}

/// Reads what `fd` has queued (it must be readable: data or end of stream).
fn read_now(fd: &AsyncFd<UnixStream>) -> Vec<u8> {
    let mut buf = [0; 64];
    let n = fd.get_ref().read(&mut buf).expect("read a readable socket");
    buf[..n].to_vec()
}

/// Spawns a task that yields once (so the caller is already waiting), then raises `flag`
/// and writes `bytes` from `peer`; the task returns the peer.
fn write_later(
    mut peer: UnixStream,
    bytes: &'static [u8],
    flag: Arc<AtomicBool>,
) -> corium::task::JoinHandle<UnixStream> {
    corium::spawn(async move {
        yield_now().await;
        flag.store(true, Ordering::SeqCst);
        peer.write_all(bytes).expect("peer write");
        peer
    })
}

both_flavors! {
    async fn readable_waits_until_the_peer_writes() {
        let (ours, peer) = pair();
        let fd = wrap(ours).await;
        assert!(
            poll_once(fd.readable()).await.is_none(),
            "readable() must wait while nothing was written"
        );
        let written = Arc::new(AtomicBool::new(false));
        let writer = write_later(peer, b"hello", written.clone());
        let guard = fd.readable().await.unwrap();
        assert!(written.load(Ordering::SeqCst), "readable() returned before the peer wrote");
        assert!(guard.ready().is_readable(), "guard says {:?}", guard.ready());
        assert_eq!(read_now(&fd), b"hello");
        let _peer = writer.await.unwrap();
    }

    async fn poll_read_ready_waits_and_poll_write_ready_is_ready() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        assert!(poll_once(poll_fn(|cx| fd.poll_read_ready(cx))).await.is_none());
        let guard = poll_fn(|cx| fd.poll_write_ready(cx)).await.unwrap();
        assert!(guard.ready().is_writable(), "guard says {:?}", guard.ready());
        drop(guard);
        peer.write_all(b"p").unwrap();
        let guard = poll_fn(|cx| fd.poll_read_ready(cx)).await.unwrap();
        assert!(guard.ready().is_readable());
        assert_eq!(read_now(guard.get_ref()), b"p");
    }

    async fn guard_try_io_reads_and_would_block_clears_the_readiness() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        peer.write_all(b"abc").unwrap();

        let mut guard = fd.readable().await.unwrap();
        let mut buf = [0; 16];
        let n = guard
            .try_io(|inner| inner.get_ref().read(&mut buf))
            .expect("readable with data: no WouldBlock")
            .unwrap();
        assert_eq!(&buf[..n], b"abc");
        assert!(guard.ready().is_readable(), "a successful read must not clear");

        // An error other than WouldBlock is handed back and clears nothing.
        let other = guard.try_io(|_| Err::<(), _>(io::Error::other("boom")));
        assert_eq!(other.expect("not a WouldBlock").unwrap_err().to_string(), "boom");
        assert!(guard.ready().is_readable());

        // The socket is drained: WouldBlock, which clears.
        let drained: Result<io::Result<usize>, TryIoError> =
            guard.try_io(|inner| inner.get_ref().read(&mut buf));
        assert!(drained.is_err(), "expected TryIoError, got {drained:?}");
        assert_eq!(guard.ready(), Ready::EMPTY);
        drop(guard);
        assert!(
            poll_once(fd.readable()).await.is_none(),
            "after WouldBlock, readable() must wait for a new event"
        );

        peer.write_all(b"d").unwrap();
        let guard = fd.readable().await.unwrap();
        assert_eq!(read_now(guard.get_ref()), b"d");
    }

    async fn writable_at_once_then_waits_for_the_peer_to_drain() {
        let (ours, mut peer) = pair();
        let fd = AsyncFd::new(ours).unwrap();
        let guard = fd.writable().await.unwrap();
        assert!(guard.ready().is_writable(), "guard says {:?}", guard.ready());
        drop(guard);

        let chunk = vec![7u8; 64 * 1024];
        let mut total = 0;
        let mut full = false;
        for _ in 0..10_000 {
            let mut guard = fd.writable().await.unwrap();
            match guard.try_io(|inner| inner.get_ref().write(&chunk)) {
                Ok(Ok(n)) => total += n,
                Ok(Err(e)) => panic!("write failed: {e}"),
                Err(TryIoError { .. }) => {
                    full = true;
                    break;
                }
            }
        }
        assert!(full, "the send buffer never filled ({total} bytes written)");
        assert!(total > 0);
        assert!(
            poll_once(fd.writable()).await.is_none(),
            "writable() must wait while the send buffer is full"
        );

        let draining = Arc::new(AtomicBool::new(false));
        let flag = draining.clone();
        let drainer = corium::spawn(async move {
            yield_now().await;
            flag.store(true, Ordering::SeqCst);
            let mut buf = vec![0; 64 * 1024];
            let mut got = 0;
            // Every byte is already queued, so these blocking reads return at once.
            while got < total {
                got += peer.read(&mut buf).unwrap();
            }
            peer
        });
        let guard = fd.writable().await.unwrap();
        assert!(draining.load(Ordering::SeqCst), "writable() returned before the peer read");
        assert!(guard.ready().is_writable());
        drop(guard);
        let _peer = drainer.await.unwrap();
    }

    async fn clear_ready_forgets_and_retain_ready_keeps() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        peer.write_all(b"x").unwrap();

        let mut guard = fd.readable().await.unwrap();
        guard.retain_ready();
        drop(guard);
        let mut guard = poll_once(fd.readable())
            .await
            .expect("kept readiness: readable() returns at once")
            .unwrap();

        // Clearing while the byte is still queued: no new edge, so the next wait sleeps.
        guard.clear_ready();
        assert_eq!(guard.ready(), Ready::EMPTY);
        drop(guard);
        assert!(
            poll_once(fd.readable()).await.is_none(),
            "clear_ready must make readable() wait for the next event"
        );

        peer.write_all(b"y").unwrap();
        let _guard = fd.readable().await.unwrap();
        assert_eq!(read_now(&fd), b"xy");
    }

    async fn clear_ready_matching_clears_one_direction() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        peer.write_all(b"z").unwrap();
        // Once the read event is in, so is writability (the socket was writable throughout,
        // and each epoll report carries every current flag).
        drop(fd.readable().await.unwrap());

        let mut guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
        assert!(
            guard.ready().contains(Ready::READABLE | Ready::WRITABLE),
            "guard says {:?}",
            guard.ready()
        );
        guard.clear_ready_matching(Ready::READABLE);
        assert_eq!(guard.ready(), Ready::WRITABLE);
        drop(guard);
        assert!(poll_once(fd.readable()).await.is_none(), "READABLE was cleared");
        assert!(poll_once(fd.writable()).await.is_some(), "WRITABLE must be kept");
    }

    async fn async_io_loops_until_the_operation_succeeds() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        let writer = corium::spawn(async move {
            for chunk in [&b"one"[..], b"two", b"six"] {
                yield_now().await;
                peer.write_all(chunk).unwrap();
            }
            peer
        });
        let mut got = Vec::new();
        let mut calls = 0;
        for _ in 0..100 {
            if got.len() >= 9 {
                break;
            }
            let mut buf = [0; 16];
            let n = fd
                .async_io(Interest::READABLE, |mut inner| {
                    calls += 1;
                    inner.read(&mut buf)
                })
                .await
                .unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"onetwosix");
        assert!(calls >= 1);
        let _peer = writer.await.unwrap();

        // Writing through it as well.
        let n = fd
            .async_io(Interest::WRITABLE, |mut inner| inner.write(b"back"))
            .await
            .unwrap();
        assert_eq!(n, 4);
    }

    async fn mut_variants_lend_the_value_mutably() {
        let (ours, mut peer) = pair();
        let mut fd = wrap(ours).await;
        assert!(poll_once(fd.readable_mut()).await.is_none());
        peer.write_all(b"m1").unwrap();

        let mut guard = fd.readable_mut().await.unwrap();
        let mut buf = [0; 16];
        let n = guard
            .try_io(|inner| inner.get_mut().read(&mut buf))
            .expect("data queued")
            .unwrap();
        assert_eq!(&buf[..n], b"m1");
        assert!(guard.try_io(|inner| inner.get_mut().read(&mut buf)).is_err());
        assert_eq!(guard.ready(), Ready::EMPTY);
        guard.get_inner_mut().write_all(b"w").unwrap();
        drop(guard);
        // A mutable guard cannot outlive a `poll_fn` closure: keep what it saw.
        let pending = poll_once(poll_fn(|cx| fd.poll_read_ready_mut(cx).map_ok(|g| g.ready())));
        assert!(pending.await.is_none());

        peer.write_all(b"m2").unwrap();
        let n = fd
            .async_io_mut(Interest::READABLE, |inner| inner.read(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"m2");

        let ready = poll_fn(|cx| fd.poll_write_ready_mut(cx).map_ok(|g| g.ready()))
            .await
            .unwrap();
        assert!(ready.is_writable());
        let mut back = [0; 1];
        peer.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"w");
    }

    async fn into_inner_returns_the_open_fd_deregistered() {
        let (ours, mut peer) = pair();
        let fd = wrap(ours).await;
        peer.write_all(b"a").unwrap();
        drop(fd.readable().await.unwrap());

        let mut ours = fd.into_inner();
        let mut buf = [0; 8];
        let n = ours.read(&mut buf).expect("the fd is still open");
        assert_eq!(&buf[..n], b"a");
        ours.write_all(b"back").unwrap();
        let mut back = [0; 4];
        peer.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"back");

        // Registering it again only works if into_inner removed it from the reactor.
        let fd = AsyncFd::new(ours).expect("into_inner must deregister the fd");
        peer.write_all(b"b").unwrap();
        drop(fd.readable().await.unwrap());
        assert_eq!(read_now(&fd), b"b");
    }

    async fn drop_deregisters_and_drops_only_the_inner_value() {
        let (ours, mut peer) = pair();

        // A borrowed fd: dropping the AsyncFd leaves it open.
        let fd = AsyncFd::new(ours.as_fd()).unwrap();
        drop(fd);
        peer.write_all(b"q").unwrap();
        let mut buf = [0; 8];
        let n = (&ours).read(&mut buf).expect("the borrowed fd must stay open");
        assert_eq!(&buf[..n], b"q");

        let fd = AsyncFd::new(ours.as_fd()).expect("drop must deregister the fd");
        peer.write_all(b"r").unwrap();
        let mut guard = fd.readable().await.unwrap();
        let n = guard
            .try_io(|_| (&ours).read(&mut buf))
            .expect("data queued")
            .unwrap();
        assert_eq!(&buf[..n], b"r");
        drop(guard);
        drop(fd);

        // An owned fd: dropping the AsyncFd closes it, which the peer sees as end of stream.
        drop(AsyncFd::new(ours).unwrap());
        assert_eq!(peer.read(&mut buf).unwrap(), 0);
    }

    async fn peer_close_shows_read_closed() {
        let (ours, peer) = pair();
        let fd = wrap(ours).await;
        let closer = corium::spawn(async move {
            yield_now().await;
            drop(peer);
        });
        let mut guard = fd.readable().await.unwrap();
        assert!(guard.ready().is_read_closed(), "guard says {:?}", guard.ready());
        assert_eq!(read_now(&fd), b"", "end of stream");
        // READ_CLOSED is sticky: clearing does not make the next wait sleep.
        guard.clear_ready();
        drop(guard);
        let again = poll_once(fd.readable())
            .await
            .expect("a closed peer keeps the fd readable")
            .unwrap();
        assert!(again.ready().is_read_closed());
        closer.await.unwrap();
    }

    async fn registering_the_same_fd_twice_is_a_clear_error() {
        let (ours, mut peer) = pair();
        let first = AsyncFd::new(ours.as_fd()).unwrap();
        let err = AsyncFd::try_new(ours.as_fd()).expect_err("second registration");
        let (inner, err) = err.into_parts();
        assert_eq!(inner.as_raw_fd(), ours.as_raw_fd(), "try_new gives the value back");
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        let msg = err.to_string();
        assert!(msg.contains("already registered") && msg.contains("AsyncFd"), "{msg}");
        // The failed attempt left the first registration working.
        peer.write_all(b"1").unwrap();
        drop(first.readable().await.unwrap());
        let mut buf = [0; 4];
        assert_eq!((&ours).read(&mut buf).unwrap(), 1);
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    async fn a_regular_file_is_refused_with_a_clear_error() {
        let path = std::env::temp_dir().join(format!(
            "corium-async-fd-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let file = std::fs::File::create(&path).unwrap();
        let err = AsyncFd::try_new(file).expect_err("epoll cannot watch a regular file");
        let (file, err) = err.into_parts();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let msg = err.to_string();
        assert!(
            msg.contains("AsyncFd") && msg.contains("cannot be watched") && msg.contains("regular files"),
            "{msg}"
        );
        // The file came back intact.
        assert!(file.metadata().unwrap().is_file());
        drop(file);
        // `new` reports the same error.
        let file = std::fs::File::open(&path).unwrap();
        assert_eq!(AsyncFd::new(file).unwrap_err().kind(), ErrorKind::PermissionDenied);
        std::fs::remove_file(&path).unwrap();
    }
}

/// Outside a runtime: an error naming the cause, and `try_new` gives the value back.
#[test]
fn outside_a_runtime_is_an_error() {
    let (ours, _peer) = pair();
    let err = AsyncFd::try_new(ours).expect_err("no runtime");
    let (ours, err) = err.into_parts();
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(err.to_string().contains("no reactor running"), "{err}");
    let err = AsyncFd::new(ours).unwrap_err();
    assert!(err.to_string().contains("no reactor running"), "{err}");
}
