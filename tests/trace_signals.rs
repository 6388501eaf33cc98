//! The steps of the signals-and-processes guide chapter, in the trace, in order: the handler
//! installed, the self-pipe readable and drained, the dispatch, the delivery to the listener;
//! a child spawned, its pidfd opened and registered, the pidfd readable, the child reaped.
//!
//! Run with `cargo test --features trace --test trace_signals`. Alone in its binary: it raises
//! SIGUSR1 at the process and turns the trace on process-wide.
#![cfg(feature = "trace")]

use std::process::Stdio;
use std::time::Duration;

use corium::process::Command;
use corium::runtime::Builder;
use corium::signal::unix::{signal, SignalKind};
use corium::sys::trace::{self, Layer};

/// Finds the first line at or after `from` containing every one of `parts`.
#[track_caller]
fn find(lines: &[String], from: usize, parts: &[&str]) -> usize {
    match lines[from..]
        .iter()
        .position(|l| parts.iter().all(|p| l.contains(p)))
    {
        Some(i) => from + i,
        None => panic!(
            "no line with {parts:?} after line {from}; the trace:\n{}",
            lines.join("\n")
        ),
    }
}

#[test]
fn the_chapter_steps_appear_in_order() {
    let lines = trace::capture();
    trace::enable(&Layer::ALL);
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let pid = rt.block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        // Raised from another thread once this one waits, so the wait is visible.
        let raiser = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            // SAFETY: corium's SIGUSR1 handler is installed; kill(getpid()) has no other
            // precondition.
            assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) }, 0);
        });
        usr1.recv().await.unwrap();
        raiser.join().unwrap();

        // `cat` runs until its stdin closes, 20 ms into the wait.
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        corium::spawn(async move {
            corium::time::sleep(Duration::from_millis(20)).await;
            drop(stdin);
        });
        let pid = child.id().unwrap();
        assert!(child.wait().await.unwrap().success());
        pid
    });
    trace::finish().unwrap();
    let lines = lines.lines();
    if std::env::var_os("CORIUM_PRINT_TRACE").is_some() {
        eprintln!("{}", lines.join("\n"));
    }

    let installed = find(&lines, 0, &["[net]", "handler installed for SIGUSR1"]);
    let drained = find(&lines, installed, &["self-pipe readable", "drained 1 byte"]);
    let dispatched = find(&lines, installed, &["dispatch SIGUSR1"]);
    let delivered = find(&lines, installed, &["SIGUSR1 delivered"]);
    assert!(
        drained < delivered && dispatched > drained,
        "drain, then dispatch and delivery"
    );

    let spawned = find(&lines, delivered, &[&format!("spawned `cat` as pid {pid}")]);
    if cfg!(target_os = "linux") {
        let opened = find(&lines, spawned, &[&format!("pidfd_open(pid={pid})")]);
        let readable = find(
            &lines,
            opened,
            &["exit fd", &format!("of pid {pid} readable")],
        );
        let reaped = find(&lines, readable, &[&format!("reaped pid {pid}")]);
        assert!(reaped > readable);
    } else {
        find(&lines, spawned, &[&format!("reaped pid {pid}")]);
    }
}
