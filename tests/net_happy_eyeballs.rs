//! Happy eyeballs (RFC 8305) against an address that never answers, simulated on loopback.
//!
//! A listener with a backlog of 0 whose one queue slot is taken (and never accepted) makes
//! Linux *drop* further SYNs, so a connect to it neither succeeds nor fails: it hangs, as a
//! connect over a broken route does. That listener is the "slow" first address; a normal
//! listener, in the other address family when `::1` exists, is the second.
//!
//! corium's timers have no paused clock, so the timing checks here are one-sided: a lower
//! bound (a timer never fires early) or a bound far above what the behaviour needs.

mod net_common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use corium::runtime::{Builder, Runtime};
use corium::time::timeout;
use corium_net::tcp::HappyEyeballs;
use corium_net::{TcpListener, TcpSocket, TcpStream};
use net_common::{ipv6_loopback, watchdog, Flavor, WATCHDOG};

/// Whether `listener` has a connection in its accept queue within `wait_ms`, by poll(2): the
/// kernel's own word, independent of the runtime.
fn queued_within(listener: &TcpListener, wait_ms: i32) -> bool {
    let mut pfd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid pollfd and the count says 1; the fd is open (we borrow it).
    let n = unsafe { libc::poll(&mut pfd, 1, wait_ms) };
    assert!(n >= 0, "poll: {}", std::io::Error::last_os_error());
    n == 1
}

/// Waits (bounded) until `listener` has a connection queued.
fn wait_until_queued(listener: &TcpListener) {
    assert!(
        queued_within(listener, 5_000),
        "the filler connection never reached the accept queue"
    );
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

both_flavors! {
    /// RFC 8305 §4 inside `connect`, not just in the ordering helper: of
    /// [v6 unresponsive, v6 listening, v4 listening], the attempt started after the first
    /// delay must go to the **IPv4** address. Were the resolver's order kept, it would go to
    /// the second IPv6 address, which answers at once and would win; so the peer tells the
    /// order apart without any bound on time. That the third attempt never started (its
    /// listener saw no handshake) shows the connect ended after one delay.
    async fn the_families_alternate_inside_connect() {
        if !ipv6_loopback() {
            eprintln!(
                "SKIPPED the_families_alternate_inside_connect: this host has no usable ::1, \
                 so IPv6 and IPv4 cannot be raced on loopback"
            );
            return;
        }
        let (_slow_listener, _fillers, slow_v6) = unresponsive_listener(true).await;
        let second_v6 = TcpListener::bind("[::1]:0").await.unwrap();
        let second_v6_addr = second_v6.local_addr().unwrap();
        let v4 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let v4_addr = v4.local_addr().unwrap();

        let start = Instant::now();
        let stream = TcpStream::connect_happy_eyeballs(&[slow_v6, second_v6_addr, v4_addr][..])
            .await
            .unwrap();
        let took = start.elapsed();
        eprintln!("[timing] reached the IPv4 address after {took:.2?}");

        let peer = stream.peer_addr().unwrap();
        assert_eq!(
            peer, v4_addr,
            "the second attempt went to {peer}, not to the first IPv4 address"
        );
        let (_accepted, from) = v4.accept().await.unwrap();
        assert_eq!(from, stream.local_addr().unwrap());
        assert!(took >= HappyEyeballs::DEFAULT_ATTEMPT_DELAY, "connected after {took:?}");
        assert!(
            !queued_within(&second_v6, 0),
            "an attempt to {second_v6_addr} was started although the second attempt connected"
        );
    }

    /// An attempt cut off by `attempt_timeout` counts as failed, and a failure starts the next
    /// attempt at once: with a 30 s delay, only that can reach the second address before 30 s.
    async fn a_timed_out_attempt_starts_the_next_at_once() {
        let (_slow_listener, _fillers, slow) = unresponsive_listener(false).await;
        let good = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let good_addr = good.local_addr().unwrap();
        let limit = Duration::from_millis(100);
        let delay = Duration::from_secs(30);

        let start = Instant::now();
        let stream = HappyEyeballs::new()
            .attempt_delay(delay)
            .attempt_timeout(limit)
            .connect(&[slow, good_addr][..])
            .await
            .unwrap();
        let took = start.elapsed();
        eprintln!("[timing] reached the second address after {took:.2?}");

        assert_eq!(stream.peer_addr().unwrap(), good_addr);
        let (_accepted, from) = good.accept().await.unwrap();
        assert_eq!(from, stream.local_addr().unwrap());
        assert!(took >= limit, "the first attempt ended before its timeout: {took:?}");
        assert!(took < delay, "waited out the attempt delay: {took:?}");
    }
}

/// The RFC's recommended connection attempt delay, and the one a new connector uses.
#[test]
fn the_default_attempt_delay_is_250_ms() {
    assert_eq!(
        HappyEyeballs::DEFAULT_ATTEMPT_DELAY,
        Duration::from_millis(250)
    );
    // The fields are private; their `Debug` shows what `new` and `default` chose.
    for connector in [HappyEyeballs::new(), HappyEyeballs::default()] {
        let shown = format!("{connector:?}");
        assert!(shown.contains("attempt_delay: 250ms"), "{shown}");
        assert!(shown.contains("attempt_timeout: None"), "{shown}");
    }
}

/// A runtime of `flavor` with I/O but without the time driver.
fn runtime_without_timers(flavor: Flavor) -> Runtime {
    match flavor {
        Flavor::CurrentThread => Builder::new_current_thread().enable_io().build(),
        Flavor::MultiThread => Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build(),
    }
    .expect("build a runtime without timers")
}

/// Runs `body` as a spawned task (so on a worker thread in the multi-thread flavour) on a
/// runtime of `flavor` without timers, under the watchdog.
fn on_a_runtime_without_timers<F, Fut>(flavor: Flavor, body: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    watchdog(WATCHDOG, move || {
        let rt = runtime_without_timers(flavor);
        rt.block_on(rt.spawn(body()))
            .expect("the test task panicked");
    });
}

/// Asserts `err` is the "needs timers" error: kind `Other`, naming the builder call to make.
#[track_caller]
fn assert_needs_timers(err: &std::io::Error) {
    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
    let msg = err.to_string();
    assert!(msg.contains("Builder::enable_time"), "{msg}");
    assert!(msg.contains("enable_all"), "{msg}");
}

/// Without timers, everything that needs one fails up front with an error saying how to get
/// them (no panic, no attempt started); a single address with no timeout, or a zero delay,
/// needs no timer and still connects.
fn timers_are_asked_for_not_assumed(flavor: Flavor) {
    on_a_runtime_without_timers(flavor, || async {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());

        // Two addresses: the attempt delay is a timer.
        let err = TcpStream::connect_happy_eyeballs(&[a_addr, b_addr][..])
            .await
            .unwrap_err();
        assert_needs_timers(&err);
        assert!(err.to_string().contains("attempt delay"), "{err}");
        // One address with an attempt timeout: the timeout is a timer.
        let err = HappyEyeballs::new()
            .attempt_timeout(Duration::from_secs(5))
            .connect(a_addr)
            .await
            .unwrap_err();
        assert_needs_timers(&err);
        assert!(err.to_string().contains("attempt timeout"), "{err}");
        // Refused before any attempt: no handshake reached either listener.
        assert!(!queued_within(&a, 0), "an attempt reached {a_addr}");
        assert!(!queued_within(&b, 0), "an attempt reached {b_addr}");

        // One address, no timeout: no timer involved.
        let stream = TcpStream::connect_happy_eyeballs(a_addr).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), a_addr);
        let (_accepted, from) = a.accept().await.unwrap();
        assert_eq!(from, stream.local_addr().unwrap());

        // A zero delay starts every attempt at once, so it needs no timer either.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let stream = HappyEyeballs::new()
            .attempt_delay(Duration::ZERO)
            .connect(&[closed, b_addr][..])
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), b_addr);
    });
}

#[test]
fn timers_are_asked_for_not_assumed_current_thread() {
    timers_are_asked_for_not_assumed(Flavor::CurrentThread);
}

#[test]
fn timers_are_asked_for_not_assumed_multi_thread() {
    timers_are_asked_for_not_assumed(Flavor::MultiThread);
}
