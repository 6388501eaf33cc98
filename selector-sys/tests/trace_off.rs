//! Without the `trace` feature: every trace point compiles to nothing (its arguments are never
//! evaluated), and the API does nothing — except `chrome::start`, which says why.

#![cfg(not(feature = "trace"))]

use std::cell::Cell;
use std::io::ErrorKind;

use corium_selector_sys::trace::{self, budget, chrome, Layer, Slice};
use corium_selector_sys::{syscall, trace_slice, Poll, Token, Waker};

#[test]
fn trace_points_do_not_evaluate_their_arguments() {
    const { assert!(!trace::COMPILED) };
    let evaluated = Cell::new(0);
    let touch = || {
        evaluated.set(evaluated.get() + 1);
        7
    };
    trace::enable(&Layer::ALL); // asks, but nothing was built to answer
    assert!(!trace::enabled(Layer::Selector));
    corium_selector_sys::trace!(Layer::Reactor, "{}", touch());
    let slice = trace_slice!(Layer::Executor, "poll task {}", touch());
    assert_eq!(std::mem::size_of_val(&slice), 0);
    assert_eq!(std::mem::size_of::<Slice>(), 0);
    // SAFETY: getpid has no preconditions.
    let pid = syscall!(getpid(); "test", "{}", touch()).unwrap();
    assert_eq!(pid as u32, std::process::id());
    trace::flow_start(1);
    trace::flow_end(1);
    budget::op();
    assert_eq!(
        evaluated.get(),
        0,
        "an argument was evaluated with tracing compiled out"
    );
}

#[test]
fn the_api_is_inert() {
    let lines = trace::capture();
    trace::enable(&Layer::ALL);
    budget::start();
    let poll = Poll::new().unwrap();
    Waker::new(poll.registry(), Token(0))
        .unwrap()
        .wake()
        .unwrap();
    assert!(lines.lines().is_empty());
    assert_eq!(budget::report().all(), 0);
    assert!(!chrome::recording());

    let path = std::env::temp_dir().join(format!("corium-trace-off-{}.json", std::process::id()));
    let err = chrome::start(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("--features trace"), "{err}");
    assert!(!path.exists(), "no empty trace file is left behind");
    trace::finish().unwrap();

    // Filters are still checked, so a typo is caught whichever way corium was built.
    assert_eq!(
        trace::enable_by_name("reactor,bogus").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}
