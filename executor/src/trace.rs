//! The executor's trace points, one function per kind of event.
//!
//! Every spawn, schedule decision, steal, park/unpark transition, wake, poll and completion in
//! the crate goes through these functions and nowhere else. They report through
//! `corium-selector-sys`'s trace facility (`[executor]` lines, poll slices and wake arrows in
//! the Chrome picture); without its `trace` feature they compile to nothing.

use corium_selector_sys::trace::{self, Layer, Slice};
// `trace_line!`: the facility's `trace!` macro, renamed so it does not read as this module.
use corium_selector_sys::{trace as trace_line, trace_slice};

use crate::task::Id;

/// Where a scheduled task was put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dest {
    /// The worker's LIFO slot (runs next on this worker).
    Lifo,
    /// The back of the worker's local queue.
    Local,
    /// The global injection queue (scheduled from outside a worker, or overflow).
    Inject,
}

/// A task was queued on `worker` (`None`: not on a worker thread).
#[inline(always)]
pub(crate) fn schedule(task: Id, worker: Option<usize>, dest: Dest) {
    match (worker, dest) {
        (Some(w), Dest::Lifo) => trace_line!(
            Layer::Executor,
            "Worker::schedule: task {task} → worker {w} lifo"
        ),
        (Some(w), Dest::Local) => trace_line!(
            Layer::Executor,
            "Worker::schedule: task {task} → worker {w} local"
        ),
        (Some(w), Dest::Inject) => {
            trace_line!(
                Layer::Executor,
                "Worker::schedule: task {task} → inject (overflow of worker {w})"
            )
        }
        (None, _) => trace_line!(Layer::Executor, "Handle::schedule: task {task} → inject"),
    }
}

/// `thief` took `count` tasks from `victim` (`None`: from the injection queue).
#[inline(always)]
pub(crate) fn steal(thief: usize, victim: Option<usize>, count: usize) {
    let s = if count == 1 { "" } else { "s" };
    match victim {
        Some(v) => trace_line!(
            Layer::Executor,
            "Worker::steal: worker {thief} stole {count} task{s} from worker {v}"
        ),
        None => trace_line!(
            Layer::Executor,
            "Worker::steal: worker {thief} stole {count} task{s} from inject"
        ),
    }
}

/// Park state transition of `worker`'s parker (`None`: a `block_on` thread's): `from` -> `to`
/// (names from `park.rs`). Only `unpark` moves to `NOTIFIED`, so that names the actor.
#[inline(always)]
pub(crate) fn park_transition(worker: Option<usize>, from: &'static str, to: &'static str) {
    let actor = if to == "NOTIFIED" {
        "Unparker::unpark"
    } else {
        "Parker::park"
    };
    match worker {
        Some(w) => trace_line!(Layer::Executor, "{actor}: worker {w} {from} → {to}"),
        None => trace_line!(Layer::Executor, "{actor}: block_on thread {from} → {to}"),
    }
}

/// A task's waker fired. If the reactor is running the wake, the line names the token (or
/// timer) behind it; the Chrome picture gets an arrow from here to the task's next poll.
#[inline(always)]
pub(crate) fn wake(task: Id) {
    trace_line!(
        Layer::Executor,
        "RawTask::wake: task {task} woken{}",
        match corium_reactor::__trace_wake_cause() {
            Some(cause) => format!(" by {cause}"),
            None => String::new(),
        }
    );
    trace::flow_start(task.as_u64());
}

/// A task was spawned (`blocking`: onto the blocking pool).
#[inline(always)]
pub(crate) fn spawn(task: Id, blocking: bool) {
    if blocking {
        trace_line!(Layer::Executor, "spawn_blocking: task {task}");
    } else {
        trace_line!(Layer::Executor, "spawn: task {task}");
    }
}

/// A poll of `task` begins: a line, and a slice (the poll) that ends when the returned guard
/// drops, where the arrow from the task's wake points.
#[inline(always)]
pub(crate) fn poll(task: Id) -> Slice {
    trace_line!(Layer::Executor, "Harness::poll: poll task {task}");
    let slice = trace_slice!(Layer::Executor, "poll task {task}");
    trace::flow_end(task.as_u64());
    slice
}

/// How a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Its future returned `Ready`.
    Complete,
    /// It was aborted or shut down.
    Cancelled,
    /// Its future panicked while polled.
    Panicked,
    /// It was cancelled, and its future's destructor panicked.
    PanickedOnDrop,
}

/// `task` finished, as `end` says.
#[inline(always)]
pub(crate) fn end(task: Id, end: End) {
    match end {
        End::Complete => trace_line!(Layer::Executor, "Harness::poll: task {task} complete"),
        End::Cancelled => trace_line!(Layer::Executor, "Harness::cancel: task {task} cancelled"),
        End::Panicked => trace_line!(Layer::Executor, "Harness::poll: task {task} panicked"),
        End::PanickedOnDrop => {
            trace_line!(
                Layer::Executor,
                "Harness::cancel: task {task} cancelled, panicked in drop"
            )
        }
    }
}
