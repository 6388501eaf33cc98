//! Drives `examples/echo_server.rs` with `examples/echo_client.rs` end to end, on both runtime
//! flavours, and checks that every round trip was counted and every byte came back, that the
//! server ran on the scheduler `--threads` asked for, that fixed-rate mode really paces its
//! sends, and that the line the client prints reports a consistent measurement.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use corium::runtime::RuntimeFlavor;

#[path = "../examples/echo_client.rs"]
#[allow(dead_code)]
mod echo_client;
#[path = "../examples/echo_server.rs"]
#[allow(dead_code)]
mod echo_server;

/// Runs a server that exits after `connections` connections, and a client making round trips
/// of `size` bytes over them until `stop`; returns both sides' accounts and the line the
/// client's `main` would print.
fn run_pair(
    threads: usize,
    connections: usize,
    size: usize,
    stop: echo_client::Stop,
    rate: Option<f64>,
) -> (echo_server::Summary, echo_client::Report, String) {
    let server_options = echo_server::Options {
        addr: "127.0.0.1:0".parse().unwrap(),
        threads,
        max_conns: Some(connections),
        buffer: 4096,
    };
    let (addr_tx, addr_rx) = mpsc::channel();
    let server = thread::spawn(move || {
        echo_server::run(&server_options, |addr, _runtime| {
            addr_tx.send(addr).unwrap()
        })
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
    let line = report.line(&client_options);
    (summary, report, line)
}

/// The scheduler and worker count `--threads N` must give the server.
fn expected_runtime(threads: usize) -> (RuntimeFlavor, usize) {
    match threads {
        0 => (RuntimeFlavor::CurrentThread, 1),
        n => (RuntimeFlavor::MultiThread, n),
    }
}

#[track_caller]
fn assert_runtime(summary: &echo_server::Summary, threads: usize) {
    assert_eq!(
        (summary.runtime.flavor, summary.runtime.workers),
        expected_runtime(threads),
        "--threads {threads} ran the server on a {}",
        summary.runtime
    );
}

#[test]
fn counted_round_trips_come_back_byte_exact_on_both_flavours() {
    // 4 KiB server buffer: the 10,000-byte messages arrive and are echoed in pieces.
    for threads in [0, 2] {
        for (connections, size, count) in [(1, 64, 200), (8, 10_000, 160), (40, 512, 1_001)] {
            let (summary, report, _) = run_pair(
                threads,
                connections,
                size,
                echo_client::Stop::Count(count),
                None,
            );
            let what = format!("threads {threads}, {connections} conns × {size} B × {count}");
            assert_runtime(&summary, threads);
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
        let (rate, count) = (400.0, 100);
        let (summary, report, _) = run_pair(
            threads,
            4,
            128,
            echo_client::Stop::Duration(Duration::from_millis(250)),
            Some(rate),
        );
        assert_eq!(
            report.round_trips, count,
            "threads {threads}: round trips at a fixed 400/s for 0.25 s"
        );
        // The count alone comes from the schedule, so it holds even if nothing waits for the
        // schedule. The last send is due (count - 1) / rate after the start, and a timer never
        // fires before its deadline, so a paced run cannot end sooner; an unpaced one ends
        // after a few loopback round trips. (1 µs covers the float-to-nanosecond rounding.)
        let paced = Duration::from_secs_f64((count - 1) as f64 / rate) - Duration::from_micros(1);
        assert!(
            report.elapsed >= paced,
            "threads {threads}: {count} round trips at {rate}/s took {:?}, less than the {paced:?} \
             the schedule spans: sends were not paced",
            report.elapsed
        );
        assert_runtime(&summary, threads);
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

#[test]
fn percentiles_pick_the_nearest_rank_of_the_sorted_latencies() {
    let report = |latencies_us: Vec<u32>| echo_client::Report {
        latencies_us,
        ..echo_client::Report::default()
    };
    // Ranks are q * (n - 1) rounded half away from zero: 49.5 -> 50, 98.01 -> 98.
    let hundred = report((1..=100).collect());
    assert_eq!(hundred.percentile_us(0.0), 1);
    assert_eq!(hundred.percentile_us(0.50), 51);
    assert_eq!(hundred.percentile_us(0.99), 99);
    assert_eq!(hundred.percentile_us(1.0), 100);

    let five = report(vec![10, 20, 30, 40, 5_000]);
    assert_eq!(five.percentile_us(0.5), 30);
    assert_eq!(
        five.percentile_us(0.9),
        5_000,
        "rank 3.6 rounds to the last element"
    );
    assert_eq!(five.percentile_us(0.6), 30, "rank 2.4 rounds down");

    assert_eq!(report(vec![7]).percentile_us(0.99), 7);
    assert_eq!(
        report(Vec::new()).percentile_us(0.5),
        0,
        "no round trips, no latency"
    );
}

/// The number in `line` between `before` and the next `after`.
#[track_caller]
fn number_in(line: &str, before: &str, after: &str) -> f64 {
    let start = line
        .find(before)
        .unwrap_or_else(|| panic!("no {before:?} in {line:?}"))
        + before.len();
    let len = line[start..]
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} after {before:?} in {line:?}"));
    let text = &line[start..start + len];
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} after {before:?} in {line:?}: {e}"))
}

#[test]
fn closed_loop_duration_run_prints_a_consistent_line() {
    for threads in [0, 2] {
        let duration = Duration::from_millis(300);
        let (summary, report, line) =
            run_pair(threads, 4, 64, echo_client::Stop::Duration(duration), None);
        assert_runtime(&summary, threads);
        assert_eq!(summary.failed, 0, "{line}");
        assert_eq!(summary.echoed, report.bytes, "{line}");
        // The loop checks the deadline before each send, so it runs at least that long.
        assert!(report.elapsed >= duration, "stopped early: {line}");

        let round_trips = number_in(&line, "echo_client: ", " round trips of");
        let secs = number_in(&line, " connections in ", " s:");
        let rate = number_in(&line, " s: ", " round trips/s");
        let p50 = number_in(&line, "latency p50 ", " µs");
        let p99 = number_in(&line, ", p99 ", " µs");
        let max = number_in(&line, ", max ", " µs");
        let bytes = number_in(&line, " µs; ", " bytes echoed");

        assert_eq!(round_trips, report.round_trips as f64, "{line}");
        assert_eq!(bytes, round_trips * 64.0, "{line}");
        assert_eq!(number_in(&line, " over ", " connections"), 4.0, "{line}");
        assert!(round_trips > 0.0 && rate > 0.0, "no load measured: {line}");
        // The printed rate is the printed count over the printed time, up to the rounding of
        // the time to 10 ms (at most 0.005 s of the >= 0.3 s run, under 2 %).
        let implied = round_trips / secs;
        assert!(
            (rate - implied).abs() <= implied * 0.02 + 1.0,
            "rate {rate} vs {round_trips} / {secs} s: {line}"
        );
        assert!(p50 <= p99 && p99 <= max, "percentiles out of order: {line}");
        assert_eq!(
            max,
            f64::from(*report.latencies_us.last().unwrap()),
            "{line}"
        );
        assert!(p50 >= f64::from(report.latencies_us[0]), "{line}");
    }
}
