//! The trace points of the reactor and the executor, seen through the facility's captures and
//! its Chrome picture while a real runtime runs: one readiness event followed from the
//! registration to the poll it causes, the multi-thread scheduler's park/unpark and schedule
//! lines, and a Chrome file that passes the strict validator.
//!
//! Run with `cargo test --features trace --test trace_runtime`.

#![cfg(feature = "trace")]

#[path = "../selector-sys/tests/trace_support/mod.rs"]
mod trace_support;

use std::io::{self, Read, Write};
use std::time::Duration;

use corium::reactor::PollEvented;
use corium::runtime::{Builder, Runtime};
use corium::sys::net::UnixStream;
use corium::sys::trace::{self, chrome, Layer};
use corium::sys::Interest;
use corium::task::Id;
use trace_support::{parse_line, serial, validate_chrome, validator_rejects_bad_traces, Shared};

/// How the selector's wait syscall is named in trace lines and Chrome slices begins
/// (`epoll_wait`, or `epoll_pwait2` for a sub-millisecond timeout; `kevent`).
const WAIT: &str = if cfg!(any(target_os = "linux", target_os = "android")) {
    "epoll_"
} else {
    "kevent"
};

/// What the traced program did, to find its lines by token and task id.
struct Run {
    /// The reader's registration token.
    token: usize,
    /// The task that waits for readability and reads.
    reader: Id,
    /// The task that sleeps, then writes.
    writer: Id,
}

/// On a current-thread runtime: a reader task registers one end of a socket pair and waits
/// for it to be readable; a writer task sleeps 1 ms (a timer) and writes to the other end.
/// Then the main future sleeps once more, so a driver turn releases the reader's dropped
/// registration.
///
/// On one thread the order is fixed whatever the timing: the reader registers and parks its
/// waker before the writer runs, and the write can only happen after the timer fires.
fn run_reader_and_writer(rt: &Runtime) -> io::Result<Run> {
    let (ours, peer) = UnixStream::pair()?;
    rt.block_on(async move {
        let reader = corium::spawn(async move {
            let sock = PollEvented::new_with_interest(ours, Interest::READABLE)?;
            let token = sock.registration().token().0;
            let mut buf = [0; 8];
            let n = sock
                .registration()
                .async_io(Interest::READABLE, || sock.get_ref().read(&mut buf))
                .await?;
            assert_eq!(&buf[..n], b"hi");
            // Drained: this read returns WouldBlock and clears the readiness it saw.
            let again = sock
                .registration()
                .try_io(Interest::READABLE, || sock.get_ref().read(&mut buf));
            assert_eq!(again.unwrap_err().kind(), io::ErrorKind::WouldBlock);
            Ok::<_, io::Error>(token)
        });
        let writer = corium::spawn(async move {
            corium::time::sleep(Duration::from_millis(1)).await;
            // The peer is handed back, not dropped: closing it would make the reader's second
            // read return end-of-file instead of WouldBlock.
            (&peer).write_all(b"hi").map(|()| peer)
        });
        let (reader_id, writer_id) = (reader.id(), writer.id());
        let token = reader.await.expect("reader task")?;
        let _peer = writer.await.expect("writer task")?;
        // One more park: its driver turn frees the slot of the reader's dropped registration.
        corium::time::sleep(Duration::from_millis(1)).await;
        Ok(Run {
            token,
            reader: reader_id,
            writer: writer_id,
        })
    })
}

/// Finds, in order, a line containing each of `wanted`, each after the previous one; fails
/// naming the first missing step and showing every line.
#[track_caller]
fn assert_in_order(lines: &[String], wanted: &[String]) {
    let mut from = 0;
    for step in wanted {
        match lines[from..].iter().position(|l| l.contains(step.as_str())) {
            Some(i) => from += i + 1,
            None => panic!(
                "no line containing {step:?} after line {from}; lines:\n{}",
                lines.join("\n")
            ),
        }
    }
}

#[test]
fn validator_is_strict() {
    validator_rejects_bad_traces();
}

#[test]
fn one_readiness_event_from_registration_to_poll() {
    let _serial = serial();
    let lines = trace::capture();
    trace::enable(&Layer::ALL);
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let run = run_reader_and_writer(&rt).unwrap();
    drop(rt);
    trace::disable();
    let lines = lines.take();
    let Run {
        token: t,
        reader: r,
        writer: w,
    } = run;

    // The I/O path, step by step.
    assert_in_order(
        &lines,
        &[
            format!("spawn: task {r}"),
            format!("Worker::schedule: task {r} → worker 0 local"),
            format!("Harness::poll: poll task {r}"),
            "Registry::register → ".into(),
            format!("Handle::add_source: token {t} assigned, registered for READABLE"),
            "Parker::park: worker 0 EMPTY → PARKED_DRIVER".into(),
            "Driver::turn: wait ".into(),
            format!("Poll::poll → {WAIT}"),
            format!("ScheduledIo::set_readiness: token {t} +READABLE read-tick 0→1"),
            format!("WakeList::wake_all: token {t} wakes 1 waker"),
            format!("RawTask::wake: task {r} woken by token {t}"),
            format!("Worker::schedule: task {r} → worker 0 local"),
            "Driver::turn: 1 I/O event delivered".into(),
            format!("Harness::poll: poll task {r}"),
            format!("ScheduledIo::clear_readiness: token {t} -READABLE (read-tick 1)"),
            format!("Harness::poll: task {r} complete"),
            format!("RegistrationSet::release: freed 1 of 1 queued slots, tokens [{t}]"),
            "Handle::shutdown: ".into(),
        ],
    );
    // The register syscall names the token the reactor assigned.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Registry::register → ") && l.contains(&format!("token={t},"))),
        "{lines:#?}"
    );
    // The timer path: the writer's sleep shortens a turn's wait, fires, and wakes the writer.
    assert_in_order(
        &lines,
        &[
            format!("spawn: task {w}"),
            "(next timer; asked block)".into(),
            "TimeShared::fire: 1 timer fired, waking 1".into(),
            format!("RawTask::wake: task {w} woken by a timer"),
            format!("Harness::poll: poll task {w}"),
            format!("Harness::poll: task {w} complete"),
        ],
    );
    // Every line has the facility's shape, and each layer spoke.
    for layer in ["selector", "reactor", "executor"] {
        assert!(
            lines.iter().any(|l| parse_line(l).layer == layer),
            "no [{layer}] line"
        );
    }
}

#[test]
fn multi_thread_parks_unparks_and_schedules() {
    let _serial = serial();
    let lines = trace::capture();
    trace::enable(&[Layer::Reactor, Layer::Executor]);
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        // Stated, not assumed: a worker turns the driver without parking only every 61 ticks,
        // so with a handful of polls the reader's readiness can only come from a worker that
        // went through park (see below).
        .event_interval(61)
        .enable_all()
        .build()
        .unwrap();
    let (ours, peer) = UnixStream::pair().unwrap();
    let (reader, child, token) = rt.block_on(async move {
        let reader = corium::spawn(async move {
            // Spawned on a worker: goes to that worker's LIFO slot.
            let child = corium::spawn(async { 7 });
            let child_id = child.id();
            let sock = PollEvented::new_with_interest(ours, Interest::READABLE)?;
            let token = sock.registration().token().0;
            let mut buf = [0; 8];
            let n = sock
                .registration()
                .async_io(Interest::READABLE, || sock.get_ref().read(&mut buf))
                .await?;
            assert_eq!(&buf[..n], b"hi");
            assert_eq!(child.await.expect("child task"), 7);
            Ok::<_, io::Error>((child_id, token))
        });
        let reader_id = reader.id();
        (&peer).write_all(b"hi").unwrap();
        let (child_id, token) = reader.await.expect("reader task").unwrap();
        (reader_id, child_id, token)
    });
    drop(rt);
    trace::disable();
    let lines = lines.take();
    let parsed: Vec<_> = lines.iter().map(|l| parse_line(l)).collect();
    let dump = || lines.join("\n");
    let on_worker = |line: &trace_support::Line| line.thread.starts_with("corium-worker-");

    // From outside the workers: spawn, then the injector, on the spawning thread.
    let me = parsed
        .iter()
        .find(|l| l.message == format!("spawn: task {reader}"))
        .unwrap_or_else(|| panic!("no spawn line\n{}", dump()))
        .thread
        .clone();
    assert!(!me.starts_with("corium-worker-"), "{}", dump());
    let mine: Vec<String> = parsed
        .iter()
        .filter(|l| l.thread == me)
        .map(|l| l.message.clone())
        .collect();
    assert_in_order(
        &mine,
        &[
            format!("spawn: task {reader}"),
            format!("Handle::schedule: task {reader} → inject"),
        ],
    );

    // On a worker: the reader's poll; its spawn goes to that worker's LIFO slot.
    assert!(
        parsed
            .iter()
            .any(|l| on_worker(l) && l.message == format!("Harness::poll: poll task {reader}")),
        "{}",
        dump()
    );
    let spawner = parsed
        .iter()
        .find(|l| l.message == format!("spawn: task {child}"))
        .unwrap_or_else(|| panic!("no spawn of the child\n{}", dump()));
    let index = spawner
        .thread
        .strip_prefix("corium-worker-")
        .unwrap_or_else(|| panic!("child spawned off the workers\n{}", dump()));
    let worker_lines: Vec<String> = parsed
        .iter()
        .filter(|l| l.thread == spawner.thread)
        .map(|l| l.message.clone())
        .collect();
    assert_in_order(
        &worker_lines,
        &[
            format!("spawn: task {child}"),
            format!("Worker::schedule: task {child} → worker {index} lifo"),
        ],
    );

    // Parking: readiness needs a driver turn, and an idle worker turns it only by parking
    // (its tick count stays far below the event interval), so some worker parked before the
    // reader could finish — and its lines are on its own, numbered thread.
    let finished = lines
        .iter()
        .position(|l| l.contains(&format!("Harness::poll: task {reader} complete")))
        .unwrap_or_else(|| panic!("the reader never completed\n{}", dump()));
    let parked = parsed[..finished].iter().find(|l| {
        on_worker(l) && l.message.starts_with("Parker::park: worker ") && {
            let n = l.message["Parker::park: worker ".len()..]
                .split(' ')
                .next()
                .unwrap_or("");
            l.thread == format!("corium-worker-{n}")
        }
    });
    assert!(parked.is_some(), "no worker parked\n{}", dump());
    assert!(
        lines[..finished]
            .iter()
            .any(|l| l.contains(&format!("Handle::add_source: token {token} assigned"))),
        "{}",
        dump()
    );

    // Shutdown unparks every worker, from the dropping thread.
    for w in 0..2 {
        assert!(
            parsed.iter().any(|l| l.thread == me
                && l.message
                    .starts_with(&format!("Unparker::unpark: worker {w} "))
                && l.message.ends_with("→ NOTIFIED")),
            "worker {w} not unparked at shutdown\n{}",
            dump()
        );
    }
    assert!(
        parsed
            .iter()
            .any(|l| on_worker(l) && l.message.starts_with("Driver::turn: ")),
        "{}",
        dump()
    );
}

#[test]
fn chrome_picture_of_a_short_run_is_valid() {
    let _serial = serial();
    let out = Shared::default();
    chrome::start_writer(out.clone());
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let run = run_reader_and_writer(&rt).unwrap();
    drop(rt);
    trace::finish().unwrap();

    let text = out.text();
    let picture = validate_chrome(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let me = std::thread::current();
    let tid = picture.tid_of(me.name().expect("test threads are named"));

    let polls = picture.slices(tid, &format!("poll task {}", run.reader));
    assert!(polls.len() >= 2, "the reader is polled twice: {polls:?}");
    let turns = picture.slices(tid, "Driver::turn");
    assert!(!turns.is_empty(), "no driver turn slice");
    // A syscall nests in a turn: the selector's wait.
    assert!(
        picture.events.iter().any(|e| e.tid == tid
            && e.ph == "X"
            && e.name.starts_with(WAIT)
            && turns.iter().any(|&(b, end)| b <= e.ts && e.ts <= end)),
        "no {WAIT}* syscall inside a Driver::turn slice"
    );
    // The wake arrow: it starts in the turn that delivered the event and ends in the poll it
    // caused.
    let arrow_into_reader = picture.events.iter().any(|f| {
        f.ph == "f"
            && f.tid == tid
            && polls.iter().any(|&(b, end)| b <= f.ts && f.ts <= end)
            && picture.events.iter().any(|s| {
                s.ph == "s"
                    && s.id == f.id
                    && turns.iter().any(|&(b, end)| b <= s.ts && s.ts <= end)
            })
    });
    assert!(
        arrow_into_reader,
        "no wake arrow from a turn into the reader's poll\n{text}"
    );
    // Reactor and executor marks are in the picture too.
    for cat in ["reactor", "executor"] {
        assert!(
            picture
                .events
                .iter()
                .any(|e| e.ph == "i" && e.cat.as_deref() == Some(cat)),
            "no {cat} instant"
        );
    }
}
