//! Dropping (or `block_on`-ing) a runtime inside async code fails fast with a message that
//! names the cause and the fix, instead of blocking a thread that tasks need (edge 1).

mod rt_common;

use corium_executor::runtime::Builder;
use rt_common::panic_message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// The panic message of `f`, which must panic.
#[track_caller]
fn panics_with(f: impl FnOnce()) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected a panic, but the call returned"),
        Err(payload) => panic_message(&*payload),
    }
}

#[track_caller]
fn assert_names_cause_and_fix(msg: &str) {
    assert!(msg.contains("asynchronous context"), "cause missing: {msg}");
    assert!(msg.contains("shutdown_background"), "fix missing: {msg}");
    assert!(msg.contains("spawn_blocking"), "fix missing: {msg}");
}

both_flavors! {
    fn dropping_a_runtime_inside_block_on_panics_at_once(rt) {
        let inner = rt_common::multi_thread();
        let msg = rt.block_on(async move { panics_with(move || drop(inner)) });
        assert_names_cause_and_fix(&msg);
    }
}

both_flavors! {
    fn dropping_a_runtime_inside_a_task_panics_at_once(rt) {
        let inner = rt_common::current_thread();
        let msg = rt.block_on(rt.spawn(async move { panics_with(move || drop(inner)) })).unwrap();
        assert_names_cause_and_fix(&msg);
    }
}

both_flavors! {
    fn shutdown_timeout_inside_async_code_panics_too(rt) {
        let inner = rt_common::multi_thread();
        let msg = rt.block_on(async move {
            panics_with(move || inner.shutdown_timeout(Duration::from_secs(1)))
        });
        assert_names_cause_and_fix(&msg);
    }
}

both_flavors! {
    fn shutdown_background_inside_async_code_is_allowed(rt) {
        let inner = rt_common::multi_thread();
        let h = inner.spawn(std::future::pending::<()>());
        rt.block_on(async move { inner.shutdown_background() });
        // The inner runtime's task was cancelled, though nobody waited for its workers.
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled());
    }
}

both_flavors! {
    fn block_on_inside_async_code_panics_with_the_fix(rt) {
        let inner = rt_common::current_thread();
        let msg = rt.block_on(async { panics_with(|| inner.block_on(async {})) });
        assert!(msg.contains("Cannot start a runtime from within a runtime"), "{msg}");
        assert!(msg.contains("spawn_blocking"), "{msg}");
    }
}

#[test]
fn dropping_a_runtime_on_a_blocking_thread_is_fine() {
    rt_common::watchdog(|| {
        let rt = rt_common::multi_thread();
        let inner = Builder::new_current_thread().build().unwrap();
        rt.block_on(rt.spawn_blocking(move || drop(inner))).unwrap();
    });
}
