//! Runs `examples/tour.rs` with the trace on and checks that the seeds' steps happen, in
//! order: socket → connect EINPROGRESS → epoll_ctl ADD → epoll_wait → +WRITABLE with a tick →
//! task woken → take_error → connected → accept on the listener side → spawn.
//!
//! Only with the `trace` feature: `cargo test --features trace --test tour`.
#![cfg(feature = "trace")]

#[path = "../examples/tour.rs"]
#[allow(dead_code)]
mod tour;

use corium::sys::trace::{self, Layer};

/// Finds the first line at or after `from` containing every one of `parts`.
#[track_caller]
fn find(lines: &[String], from: usize, step: &str, parts: &[&str]) -> usize {
    match lines[from..]
        .iter()
        .position(|l| parts.iter().all(|p| l.contains(p)))
    {
        Some(i) => from + i,
        None => panic!(
            "step {step:?} (a line with {parts:?}) is missing after line {from}; the trace:\n{}",
            lines.join("\n")
        ),
    }
}

/// The text after `key` up to the next non-digit, as a number.
fn number_after(line: &str, key: &str) -> u64 {
    let start = line
        .find(key)
        .unwrap_or_else(|| panic!("{key:?} not in {line:?}"))
        + key.len();
    let digits: String = line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {key:?} in {line:?}"))
}

#[test]
fn the_tour_walks_the_seeds_steps_in_order() {
    let lines = trace::capture();
    trace::enable(&Layer::ALL);
    let report = tour::run(&tour::Options {
        keep_trace_config: true,
        ..Default::default()
    })
    .expect("the tour failed");
    assert_eq!(report.echoed, tour::MESSAGE);
    let lines = lines.lines();

    let connect = find(
        &lines,
        0,
        "connect",
        &["Socket::connect → connect(fd=", "= EINPROGRESS"],
    );
    let fd = number_after(&lines[connect], "connect(fd=");
    let socket = lines[..connect]
        .iter()
        .rposition(|l| l.contains("socket(") && l.ends_with(&format!("= {fd}")))
        .unwrap_or_else(|| {
            panic!(
                "no socket() = {fd} before the connect:\n{}",
                lines.join("\n")
            )
        });
    assert!(socket < connect);

    let add = find(
        &lines,
        connect,
        "register",
        &["epoll_ctl(", "ADD", &format!("fd={fd},")],
    );
    let token = number_after(&lines[add], "token=");
    let wait = find(&lines, add, "epoll_wait", &["Poll::poll → epoll_"]);
    let ready = find(
        &lines,
        wait,
        "WRITABLE readiness with a tick",
        &[&format!("token {token} "), "+WRITABLE", "write-tick"],
    );
    let woken = find(
        &lines,
        ready,
        "task woken",
        &[&format!("woken by token {token}")],
    );
    let take_error = find(
        &lines,
        woken,
        "take_error",
        &[&format!("fd {fd} SO_ERROR = 0")],
    );
    let connected = find(
        &lines,
        take_error,
        "connected",
        &["TcpStream::connect", "connected"],
    );
    let accept = find(&lines, connected, "accept", &["Socket::accept → accept"]);
    find(&lines, accept, "spawn", &["[executor]", "spawn: task"]);
}
