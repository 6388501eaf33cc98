//! The Chrome picture: a strict parse of the JSON and its structure — tracks, balanced slices,
//! syscalls nested in polls, wake arrows from the wake to the poll.

#![cfg(feature = "trace")]

mod trace_support;

use std::sync::mpsc;

use corium_selector_sys::trace::{self, chrome, Layer};
use corium_selector_sys::{trace_slice, Poll, Token, Waker};
use trace_support::{on_thread, serial, validate_chrome, validator_rejects_bad_traces, Shared};

#[test]
fn validator_is_strict() {
    validator_rejects_bad_traces();
}

#[test]
fn wake_to_poll_picture() {
    let _serial = serial();
    // A slice begun in an earlier recording ends in this one: it must write no E.
    chrome::start_writer(Shared::default());
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (begun_tx, begun_rx) = mpsc::channel::<()>();
    let early = std::thread::Builder::new()
        .name("early".into())
        .spawn(move || {
            let slice = trace_slice!(Layer::Executor, "begun before start");
            begun_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            drop(slice);
        })
        .unwrap();
    begun_rx.recv().unwrap();

    let out = Shared::default();
    chrome::start_writer(out.clone());
    assert!(chrome::recording());
    release_tx.send(()).unwrap();
    early.join().unwrap();

    let poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), Token(1)).unwrap();
    // The driver wakes task 5 twice before it is polled (one arrow), and task 6 never polled
    // (no arrow).
    on_thread("driver \"one\"", || {
        corium_selector_sys::trace!(Layer::Reactor, "fd 7 token 3 +READABLE \"quoted\"\n\tline");
        trace::flow_start(5);
        trace::flow_start(5);
        trace::flow_start(6);
    });
    let waker = on_thread("worker-1", move || {
        let _poll = trace_slice!(Layer::Executor, "poll task {}", 5);
        trace::flow_end(5);
        waker.wake().unwrap(); // a syscall inside the poll
        trace::flow_end(5); // no wake pending any more: nothing
        waker
    });
    drop(waker);
    // A slice still open when the trace is written is closed at the end.
    let open = trace_slice!(Layer::Executor, "still open");
    trace::finish().unwrap();
    drop(open);
    assert!(!chrome::recording());

    let text = out.text();
    let trace = validate_chrome(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));

    let driver = trace.tid_of("driver \"one\"");
    let worker = trace.tid_of("worker-1");
    let starts: Vec<_> = trace.events.iter().filter(|e| e.ph == "s").collect();
    let ends: Vec<_> = trace.events.iter().filter(|e| e.ph == "f").collect();
    assert_eq!(starts.len(), 1, "one arrow: {starts:?}");
    assert_eq!(ends.len(), 1);
    assert_eq!((starts[0].tid, ends[0].tid), (driver, worker));
    assert_eq!(starts[0].id, ends[0].id);

    let polls = trace.slices(worker, "poll task 5");
    assert_eq!(polls.len(), 1);
    let (begin, end) = polls[0];
    assert!(
        begin <= ends[0].ts && ends[0].ts <= end,
        "the arrow points into the poll"
    );

    let wake_syscall = trace
        .events
        .iter()
        .find(|e| e.ph == "X" && e.tid == worker)
        .expect("the waker's syscall on the worker's track");
    let dur = wake_syscall.dur.unwrap();
    assert!(
        begin <= wake_syscall.ts && wake_syscall.ts + dur <= end,
        "syscall nested in the poll"
    );
    assert_eq!(wake_syscall.cat.as_deref(), Some("syscall"));
    assert!(
        wake_syscall
            .detail
            .as_deref()
            .unwrap()
            .starts_with("Waker::wake → "),
        "{wake_syscall:?}"
    );

    let instant = trace
        .events
        .iter()
        .find(|e| e.ph == "i" && e.tid == driver)
        .expect("the trace! line as an instant");
    assert_eq!(instant.name, "fd 7 token 3 +READABLE \"quoted\"\n\tline");
    assert_eq!(instant.cat.as_deref(), Some("reactor"));

    assert!(trace.events.iter().all(|e| e.name != "begun before start"));
    let main_open: Vec<_> = trace
        .events
        .iter()
        .filter(|e| e.name == "still open")
        .collect();
    assert_eq!(
        main_open.len(),
        2,
        "B and the E added at finish: {main_open:?}"
    );
}

#[test]
fn start_creates_the_file_and_finish_fills_it() {
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("corium-trace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trace.json");
    chrome::start(&path).unwrap();
    assert!(path.exists(), "created at start");
    on_thread("file", || {
        let _slice = trace_slice!(Layer::Net, "connect");
        let _ = Poll::new().unwrap();
    });
    trace::finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let trace = validate_chrome(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let tid = trace.tid_of("file");
    assert_eq!(trace.slices(tid, "connect").len(), 1);
    assert!(trace.events.iter().any(|e| e.ph == "X" && e.tid == tid));

    let err = chrome::start(dir.join("no-such-dir").join("trace.json")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    assert!(
        !chrome::recording(),
        "a failed start must not start recording"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_restart_drops_the_earlier_recording() {
    let _serial = serial();
    let first = Shared::default();
    chrome::start_writer(first.clone());
    on_thread("first", || {
        corium_selector_sys::trace!(Layer::Net, "from the first run")
    });
    let second = Shared::default();
    chrome::start_writer(second.clone());
    on_thread("second", || {
        corium_selector_sys::trace!(Layer::Net, "from the second run")
    });
    trace::finish().unwrap();
    assert_eq!(first.text(), "", "the first writer is dropped unwritten");
    let trace = validate_chrome(&second.text()).unwrap();
    let names: Vec<&str> = trace.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["from the second run"]);
}
