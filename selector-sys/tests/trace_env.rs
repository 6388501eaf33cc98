//! The environment switches (`CORIUM_TRACE`, `CORIUM_TRACE_JSON`, `CORIUM_TRACE_BUDGET`), read
//! once per process, and the exit hook that writes what they asked for. The test runs its own
//! binary again as a child with those variables set, then checks the child's stderr and file.

#![cfg(feature = "trace")]

mod trace_support;

use std::process::Command;

use corium_selector_sys::trace::{self, budget, Layer};
use corium_selector_sys::{trace_slice, Poll, Token, Waker};
use trace_support::{parse_line, validate_chrome};

/// Set in the child's environment: run the traced workload instead of the checks.
const CHILD: &str = "CORIUM_TRACE_TEST_CHILD";
const TEST: &str = "environment_turns_tracing_on_and_exit_writes_it";

#[test]
fn environment_turns_tracing_on_and_exit_writes_it() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let dir = std::env::temp_dir().join(format!("corium-trace-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("env.json");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .env("CORIUM_TRACE", "Selector, bogus")
        .env("CORIUM_TRACE_JSON", &json)
        .env("CORIUM_TRACE_BUDGET", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "child failed: {}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The unknown layer is reported, the known one kept.
    assert!(
        stderr.contains(r#"corium trace: CORIUM_TRACE="Selector, bogus": ignoring ["bogus"]"#),
        "{stderr}"
    );
    let lines: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("µs ") && l.contains(" ["))
        .map(parse_line)
        .filter(|l| l.thread == "env-child")
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.layer == "selector" && l.message.starts_with("Poll::new → ")),
        "{stderr}"
    );
    assert!(
        lines.iter().all(|l| l.layer == "selector"),
        "only the selector layer is printed: {stderr}"
    );

    // The budget table, printed at exit.
    assert!(stderr.contains("syscall budget: 2 ops\n"), "{stderr}");

    // The Chrome file, written at exit, with every layer in it.
    let text = std::fs::read_to_string(&json).unwrap();
    let trace = validate_chrome(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let tid = trace.tid_of("env-child");
    assert_eq!(trace.slices(tid, "work").len(), 1);
    assert!(trace
        .events
        .iter()
        .any(|e| e.tid == tid && e.ph == "i" && e.name == "recorded, not printed"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The child's workload: the environment alone turned tracing on, and exit writes it out.
fn child() {
    std::thread::Builder::new()
        .name("env-child".into())
        .spawn(|| {
            assert!(trace::enabled(Layer::Selector) && trace::chrome::recording());
            let _work = trace_slice!(Layer::Executor, "work");
            let poll = Poll::new().unwrap();
            let waker = Waker::new(poll.registry(), Token(0)).unwrap();
            for _ in 0..2 {
                waker.wake().unwrap();
                budget::op();
            }
            corium_selector_sys::trace!(Layer::Reactor, "recorded, not printed");
        })
        .unwrap()
        .join()
        .unwrap();
}
