//! `task::block_in_place`: on a multi-thread worker the other tasks keep running while the
//! closure blocks; on a current-thread runtime it refuses, naming `spawn_blocking`.

mod rt_common;

use corium_executor::runtime::{Builder, Handle, LocalOptions, Runtime};
use corium_executor::task;
use rt_common::{panic_message, watchdog};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn one_worker() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn the_workers_other_tasks_run_while_the_closure_blocks() {
    watchdog(|| {
        // One worker: unless its queue moves to another thread, the sender below can never
        // run while the receiver blocks it.
        let rt = one_worker();
        let (tx, rx) = mpsc::channel::<u32>();
        let out = rt.block_on(rt.spawn(async move {
            let sender = task::spawn(async move { tx.send(9).unwrap() });
            let got = task::block_in_place(|| rx.recv_timeout(Duration::from_secs(10)));
            sender.await.unwrap();
            got
        }));
        assert_eq!(
            out.unwrap(),
            Ok(9),
            "the queued task never ran while the worker blocked"
        );
    });
}

#[test]
fn the_closure_may_block_on_and_spawn_and_nest() {
    watchdog(|| {
        let rt = one_worker();
        let out = rt.block_on(rt.spawn(async {
            task::block_in_place(|| {
                let inner = task::block_in_place(|| 2);
                // Not async code any more: blocking on the runtime is allowed here.
                let spawned =
                    Handle::current().block_on(async { task::spawn(async { 40 }).await.unwrap() });
                inner + spawned
            })
        }));
        assert_eq!(out.unwrap(), 42);
    });
}

#[test]
fn many_hand_offs_then_a_clean_shutdown() {
    watchdog(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut tasks = Vec::new();
            for i in 0..40 {
                let done = done.clone();
                tasks.push(task::spawn(async move {
                    task::yield_now().await;
                    let v = task::block_in_place(|| {
                        if i % 4 == 0 {
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        i
                    });
                    task::yield_now().await;
                    done.fetch_add(1, SeqCst);
                    v
                }));
            }
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            assert_eq!(sum, (0..40).sum::<i32>());
        });
        assert_eq!(done.load(SeqCst), 40);
        // Every thread, old and new, is counted out: the drop returns.
        drop(rt);
    });
}

#[test]
fn on_a_current_thread_runtime_it_panics_naming_spawn_blocking() {
    let rt = rt_common::current_thread();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { task::block_in_place(|| ()) })
    }))
    .unwrap_err();
    let msg = panic_message(&*err);
    assert!(
        msg.contains("current-thread") && msg.contains("spawn_blocking"),
        "{msg}"
    );
    // Inside a task of it, and on a local runtime, the same.
    let err = rt
        .block_on(rt.spawn(async { task::block_in_place(|| ()) }))
        .unwrap_err();
    assert!(panic_message(&*err.into_panic()).contains("spawn_blocking"));
    let local = Builder::new_current_thread()
        .build_local(LocalOptions::default())
        .unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        local.block_on(async { task::block_in_place(|| ()) })
    }))
    .unwrap_err();
    assert!(panic_message(&*err).contains("spawn_blocking"));
}

#[test]
fn outside_a_worker_it_just_runs() {
    assert_eq!(task::block_in_place(|| 5), 5);
    let rt = rt_common::multi_thread();
    // A multi-thread runtime's block_on thread has no core to hand off.
    assert_eq!(rt.block_on(async { task::block_in_place(|| 6) }), 6);
    // A current-thread runtime merely entered (not driven) does not refuse either.
    let ct = rt_common::current_thread();
    let _guard = ct.enter();
    assert_eq!(task::block_in_place(|| 7), 7);
}
