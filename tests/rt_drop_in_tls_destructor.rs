//! A runtime kept in a thread-local is dropped by that thread-local's destructor, possibly
//! after the runtime's own thread-locals are gone: the drop must still shut down cleanly, not
//! abort the process with "thread local panicked on drop" (edge 2).
//!
//! An abort would take the whole test binary down, so each scenario runs in a child process:
//! this test binary, re-run on the one test with `CORIUM_TLS_CHILD` set.

mod rt_common;

use corium_executor::runtime::Runtime;
use std::cell::RefCell;
use std::process::Command;

const CHILD: &str = "CORIUM_TLS_CHILD";

thread_local! {
    static KEPT: RefCell<Option<(Runtime, rt_common::DropGuard)>> = const { RefCell::new(None) };
}

/// In the child: a thread stores `rt` in [`KEPT`] *before* the runtime touches its own
/// thread-locals, so (destructors run in reverse order of registration) the runtime's are
/// destroyed first and the runtime is dropped last, when they are gone.
fn child(rt: fn() -> Runtime) {
    let drops = rt_common::DropCounter::default();
    let guard = drops.guard();
    std::thread::spawn(move || {
        KEPT.with(|k| *k.borrow_mut() = Some((rt(), guard)));
        KEPT.with(|k| {
            let k = k.borrow();
            let rt = &k.as_ref().unwrap().0;
            // Registers the runtime's thread-locals (context, run queue, reactor context).
            rt.block_on(async {
                // A task left pending: the drop cancels it, running its destructor.
                drop(corium_executor::spawn(std::future::pending::<()>()));
                corium_executor::task::yield_now().await;
            });
        });
    })
    .join()
    .expect("the thread exited cleanly");
    assert_eq!(
        drops.count(),
        1,
        "the runtime was dropped by the thread-local destructor"
    );
}

#[track_caller]
fn run_in_child(test: &str) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

#[test]
fn current_thread_runtime_dropped_by_a_thread_local_destructor() {
    if std::env::var_os(CHILD).is_some() {
        return child(rt_common::current_thread);
    }
    run_in_child("current_thread_runtime_dropped_by_a_thread_local_destructor");
}

#[test]
fn multi_thread_runtime_dropped_by_a_thread_local_destructor() {
    if std::env::var_os(CHILD).is_some() {
        return child(rt_common::multi_thread);
    }
    run_in_child("multi_thread_runtime_dropped_by_a_thread_local_destructor");
}
