//! Happy eyeballs (RFC 8305) against an address that never answers, simulated on loopback.
//!
//! A listener with a backlog of 0 whose one queue slot is taken (and never accepted) makes
//! Linux *drop* further SYNs, so a connect to it neither succeeds nor fails: it hangs, as a
//! connect over a broken route does. That listener is the "slow" first address; a normal
//! listener, in the other address family when `::1` exists, is the second.

mod net_common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use corium::time::timeout;
use corium_net::tcp::HappyEyeballs;
use corium_net::{TcpListener, TcpSocket, TcpStream};
use net_common::ipv6_loopback;

/// Waits (bounded) until `listener` has a connection queued, with poll(2): the kernel's own
/// word that the accept queue is no longer empty.
fn wait_until_queued(listener: &TcpListener) {
    let mut pfd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid pollfd and the count says 1; the fd is open (we borrow it).
    let n = unsafe { libc::poll(&mut pfd, 1, 5_000) };
    assert_eq!(n, 1, "the filler connection never reached the accept queue");
}

/// A listener that swallows connection attempts: its accept queue is full, so the kernel
/// drops every SYN. Returns it with the connections that fill it (keep both alive).
async fn unresponsive_listener(v6: bool) -> (TcpListener, Vec<TcpStream>, SocketAddr) {
    let socket = if v6 {
        TcpSocket::new_v6().unwrap()
    } else {
        TcpSocket::new_v4().unwrap()
    };
    let ip = if v6 { "[::1]:0" } else { "127.0.0.1:0" };
    socket.bind(ip.parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue until a probe connect hangs; with backlog 0, Linux queues exactly one.
    for _ in 0..4 {
        match timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                wait_until_queued(&listener);
                fillers.push(stream);
            }
            Ok(Err(e)) => panic!("filling the slow listener: {e}"),
            Err(_elapsed) => return (listener, fillers, addr),
        }
    }
    panic!("the kernel kept accepting connections into a full backlog-0 queue");
}

both_flavors! {
    async fn a_slow_first_address_loses_to_the_next_after_the_stagger() {
        let v6 = ipv6_loopback();
        let (_slow, _fillers, slow) = unresponsive_listener(v6).await;
        let good_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = good_listener.local_addr().unwrap();
        eprintln!("slow {slow} (never answers), good {good}");

        let start = Instant::now();
        let stream = HappyEyeballs::new().connect(&[slow, good][..]).await.unwrap();
        let took = start.elapsed();
        eprintln!("[timing] happy eyeballs reached the second address after {took:.2?}");
        assert_eq!(stream.peer_addr().unwrap(), good);
        // The second attempt started only once the 250 ms delay ran out (a timer never fires
        // early), and the slow attempt did not hold it up beyond that.
        assert!(took >= HappyEyeballs::DEFAULT_ATTEMPT_DELAY, "connected after {took:?}");
        assert!(took < Duration::from_secs(10), "connected only after {took:?}");
        let (_accepted, peer) = good_listener.accept().await.unwrap();
        assert_eq!(peer, stream.local_addr().unwrap());

        // Plain connect, for contrast, would still be waiting on the slow address.
        let plain = timeout(Duration::from_millis(500), TcpStream::connect(&[slow, good][..])).await;
        assert!(plain.is_err(), "plain connect should be stuck on the slow address");
    }

    async fn a_failed_attempt_starts_the_next_at_once() {
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let good_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good = good_listener.local_addr().unwrap();
        // With a 30 s delay, only "start the next one when an attempt fails" can make this
        // quick.
        let start = Instant::now();
        let stream = HappyEyeballs::new()
            .attempt_delay(Duration::from_secs(30))
            .connect(&[closed, good][..])
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), good);
        assert!(start.elapsed() < Duration::from_secs(15), "waited out the delay");
    }

    async fn the_attempt_timeout_bounds_an_unanswered_connect() {
        let (_slow, _fillers, slow) = unresponsive_listener(false).await;
        let limit = Duration::from_millis(300);
        let start = Instant::now();
        let err = HappyEyeballs::new()
            .attempt_timeout(limit)
            .connect(slow)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains(&slow.to_string()), "{err}");
        assert!(start.elapsed() >= limit);
    }

    async fn every_attempt_failing_returns_the_last_error() {
        let closed: Vec<SocketAddr> = {
            let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let b = TcpListener::bind("127.0.0.1:0").await.unwrap();
            vec![a.local_addr().unwrap(), b.local_addr().unwrap()]
        };
        let err = TcpStream::connect_happy_eyeballs(&closed[..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        let err = TcpStream::connect_happy_eyeballs(&[][..]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
}

/// One address needs no timer, so happy eyeballs works on a runtime without the time driver.
#[test]
fn a_single_address_needs_no_timers() {
    let rt = corium::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stream = TcpStream::connect_happy_eyeballs(addr).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), addr);
    });
}
