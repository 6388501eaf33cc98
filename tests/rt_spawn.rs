//! Spawning and joining on both flavours.

mod rt_common;

use corium_executor::runtime::{Builder, Handle};
use corium_executor::task;
use rt_common::{panic_message, Signal};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

both_flavors! {
    fn spawn_many_and_join_outputs(rt) {
        let sum = rt.block_on(async {
            let handles: Vec<_> = (0..10_000u64).map(|i| corium_executor::spawn(async move { i * 3 })).collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.expect("task failed");
            }
            sum
        });
        assert_eq!(sum, 3 * (0..10_000u64).sum::<u64>());
        let m = rt.metrics();
        let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
        assert!(polls >= 10_000, "every task was polled at least once, got {polls}");
    }
}

both_flavors! {
    fn spawn_from_outside_and_from_inside(rt) {
        // From outside any runtime context, through the runtime and its handle.
        let outer = rt.spawn(async { task::spawn(async { 20 }).await.unwrap() + 1 });
        let via_handle = rt.handle().spawn(async { 2 });
        let (a, b) = rt.block_on(async { (outer.await.unwrap(), via_handle.await.unwrap()) });
        assert_eq!((a, b), (21, 2));
        // Inside an `enter` guard, the free function works without block_on.
        let guard = rt.enter();
        let entered = corium_executor::spawn(async { Handle::current().spawn(async { 5 }).await.unwrap() });
        drop(guard);
        assert_eq!(rt.block_on(entered).unwrap(), 5);
    }
}

both_flavors! {
    fn spawn_from_a_foreign_thread_through_a_handle(rt) {
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let t = std::thread::Builder::new().name("foreign".into()).spawn(move || {
            let join = handle.spawn(async { std::thread::current().name().map(str::to_owned) });
            tx.send(join).unwrap();
        }).unwrap();
        t.join().unwrap();
        let join = rx.recv().unwrap();
        let ran_on = rt.block_on(join).unwrap();
        assert_ne!(ran_on.as_deref(), Some("foreign"), "the task ran on a runtime thread");
    }
}

both_flavors! {
    fn dropped_join_handle_detaches_the_task(rt) {
        let (tx, rx) = mpsc::channel();
        let done = Signal::default();
        let d = done.clone();
        let handle = rt.spawn(async move {
            task::yield_now().await;
            tx.send("finished").unwrap();
            d.set();
        });
        drop(handle);
        rt.block_on(done.wait());
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("finished"));
    }
}

both_flavors! {
    fn join_handle_reports_finished_and_id(rt) {
        let gate = Signal::default();
        let g = gate.clone();
        let h = rt.spawn(async move { g.wait().await });
        let id = h.id();
        assert!(!h.is_finished());
        gate.set();
        let abort = h.abort_handle();
        assert_eq!(abort.id(), id);
        rt.block_on(h).unwrap();
        assert!(abort.is_finished());
    }
}

both_flavors! {
    fn block_on_inside_the_runtime_panics_with_guidance(rt) {
        let handle = rt.handle().clone();
        let err = rt.block_on(async move {
            let h = handle.clone();
            // On the block_on thread itself...
            let direct = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.block_on(async {})));
            // ...and inside a spawned task.
            let in_task = handle
                .spawn(async move {
                    let h = Handle::current();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.block_on(async {}))).is_err()
                })
                .await
                .unwrap();
            assert!(in_task, "block_on inside a task must panic");
            direct.expect_err("block_on inside block_on must panic")
        });
        let msg = panic_message(&*err);
        assert!(msg.contains("Cannot start a runtime from within a runtime"), "{msg}");
        assert!(msg.contains("`Handle::spawn` / `.await`"), "{msg}");
    }
}

both_flavors! {
    fn block_on_inside_spawn_blocking_is_allowed(rt) {
        let handle = rt.handle().clone();
        let v = rt.block_on(async move {
            task::spawn_blocking(move || handle.block_on(async { 9 })).await.unwrap()
        });
        assert_eq!(v, 9);
    }
}

#[test]
fn spawn_without_a_runtime_panics_with_guidance() {
    let err =
        std::panic::catch_unwind(|| corium_executor::spawn(async {})).expect_err("must panic");
    let msg = panic_message(&*err);
    assert!(msg.contains("there is no corium runtime"), "{msg}");
    assert!(msg.contains("Runtime::enter"), "{msg}");
    let err = std::panic::catch_unwind(|| task::spawn_blocking(|| ())).expect_err("must panic");
    assert!(panic_message(&*err).contains("there is no corium runtime"));
    let err = Handle::try_current().expect_err("no runtime here");
    assert!(err.to_string().contains("there is no corium runtime"));
}

#[test]
fn zero_workers_is_an_invalid_input_error() {
    let err = Builder::new_multi_thread()
        .worker_threads(0)
        .build()
        .expect_err("0 workers must be refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads"), "{err}");
    for build in [
        Builder::new_current_thread()
            .max_blocking_threads(0)
            .build(),
        Builder::new_current_thread().event_interval(0).build(),
        Builder::new_multi_thread().global_queue_interval(0).build(),
    ] {
        assert_eq!(
            build.expect_err("0 must be refused").kind(),
            std::io::ErrorKind::InvalidInput
        );
    }
}

#[test]
fn thread_names_and_start_stop_hooks_apply_to_workers() {
    rt_common::watchdog(|| {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (s, t) = (started.clone(), stopped.clone());
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rt-test-worker")
            .on_thread_start(move || {
                s.fetch_add(1, SeqCst);
            })
            .on_thread_stop(move || {
                t.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        let name = rt.block_on(async {
            corium_executor::spawn(async { std::thread::current().name().map(str::to_owned) })
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("rt-test-worker"));
        drop(rt);
        assert_eq!(started.load(SeqCst), 2, "both workers ran the start hook");
        assert_eq!(
            stopped.load(SeqCst),
            2,
            "both workers ran the stop hook before drop returned"
        );
    });
}
