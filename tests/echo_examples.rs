//! Drives `examples/echo_server.rs` with `examples/echo_client.rs` end to end, on both runtime
//! flavours, and checks that every round trip was counted and every byte came back.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

#[path = "../examples/echo_client.rs"]
#[allow(dead_code)]
mod echo_client;
#[path = "../examples/echo_server.rs"]
#[allow(dead_code)]
mod echo_server;

/// Runs a server that exits after `connections` connections, and a client making `count`
/// round trips of `size` bytes over them; returns both sides' accounts.
fn run_pair(
    threads: usize,
    connections: usize,
    size: usize,
    stop: echo_client::Stop,
    rate: Option<f64>,
) -> (echo_server::Summary, echo_client::Report) {
    let server_options = echo_server::Options {
        addr: "127.0.0.1:0".parse().unwrap(),
        threads,
        max_conns: Some(connections),
        buffer: 4096,
    };
    let (addr_tx, addr_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        echo_server::run(&server_options, |addr| addr_tx.send(addr).unwrap())
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server never reported its address");

    let client_options = echo_client::Options {
        addr,
        connections,
        size,
        stop,
        rate,
        threads: 2,
    };
    let report = echo_client::run(&client_options).expect("echo_client failed");
    // The client closed every connection, so a server bounded by `max_conns` returns.
    let summary = server
        .join()
        .expect("server thread panicked")
        .expect("echo_server failed");
    (summary, report)
}

#[test]
fn counted_round_trips_come_back_byte_exact_on_both_flavours() {
    // 4 KiB server buffer: the 10,000-byte messages arrive and are echoed in pieces.
    for threads in [0, 2] {
        for (connections, size, count) in [(1, 64, 200), (8, 10_000, 160), (40, 512, 1_001)] {
            let (summary, report) = run_pair(
                threads,
                connections,
                size,
                echo_client::Stop::Count(count),
                None,
            );
            let what = format!("threads {threads}, {connections} conns × {size} B × {count}");
            assert_eq!(report.round_trips, count, "{what}: client count");
            assert_eq!(report.latencies_us.len() as u64, count, "{what}");
            assert_eq!(report.bytes, count * size as u64, "{what}: client bytes");
            assert_eq!(summary.accepted, connections, "{what}: accepted");
            assert_eq!(summary.failed, 0, "{what}: failed connections");
            assert_eq!(summary.echoed, count * size as u64, "{what}: server bytes");
            assert!(
                report.latencies_us.windows(2).all(|w| w[0] <= w[1]),
                "{what}: latencies must be sorted"
            );
        }
    }
}

#[test]
fn fixed_rate_and_duration_modes_stop_by_themselves() {
    for threads in [0, 2] {
        // 400 round trips/s over 4 connections: each sends every 10 ms, offset by 2.5 ms per
        // connection, so exactly 25 sends per connection are *scheduled* before the 250 ms
        // deadline. A late send still happens (it is measured from its scheduled time), so the
        // count does not depend on how fast this machine is.
        let (summary, report) = run_pair(
            threads,
            4,
            128,
            echo_client::Stop::Duration(Duration::from_millis(250)),
            Some(400.0),
        );
        assert_eq!(
            report.round_trips, 100,
            "threads {threads}: round trips at a fixed 400/s for 0.25 s"
        );
        assert_eq!(summary.echoed, report.bytes);
        assert_eq!(summary.accepted, 4);
        assert_eq!(summary.failed, 0);
    }
}

#[test]
fn bad_options_are_errors_not_panics() {
    let options = echo_client::Options {
        connections: 0,
        ..echo_client::Options::default()
    };
    let err = echo_client::run(&options).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("--connections"), "{err}");

    assert!(echo_client::parse_args(["--size".to_string()]).is_err());
    let parsed = echo_client::parse_args(
        ["--count", "7", "--rate", "10", "--connections", "3"].map(String::from),
    )
    .unwrap();
    assert_eq!(parsed.stop, echo_client::Stop::Count(7));
    assert_eq!(parsed.rate, Some(10.0));
    assert_eq!(parsed.connections, 3);

    let parsed =
        echo_server::parse_args(["--threads", "0", "--exit-after", "5"].map(String::from)).unwrap();
    assert_eq!((parsed.threads, parsed.max_conns), (0, Some(5)));
    assert!(echo_server::parse_args(["--bogus".to_string()]).is_err());
}
