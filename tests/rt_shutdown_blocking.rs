//! `shutdown_timeout` and drop run blocking work that was already spawned — also work still
//! queued behind a busy pool — and wait for it up to the deadline, wherever they are called
//! from outside async code (edge 4).

mod rt_common;

use corium_executor::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn runtimes(max_blocking: usize) -> [Runtime; 2] {
    [
        Builder::new_current_thread()
            .max_blocking_threads(max_blocking)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(max_blocking)
            .build()
            .unwrap(),
    ]
}

#[test]
fn shutdown_timeout_waits_even_while_the_caller_holds_an_enter_guard() {
    rt_common::watchdog(|| {
        for rt in runtimes(4) {
            let done = Arc::new(AtomicBool::new(false));
            let d = done.clone();
            let started = Arc::new(AtomicBool::new(false));
            let s = started.clone();
            drop(rt.spawn_blocking(move || {
                s.store(true, SeqCst);
                std::thread::sleep(Duration::from_millis(300));
                d.store(true, SeqCst);
            }));
            while !started.load(SeqCst) {
                std::thread::yield_now();
            }
            let handle = rt.handle().clone();
            let _entered = handle.enter();
            let start = Instant::now();
            rt.shutdown_timeout(Duration::from_secs(20));
            assert!(
                done.load(SeqCst),
                "shutdown_timeout returned after {:?} without waiting for the blocking task",
                start.elapsed()
            );
        }
    });
}

#[test]
fn blocking_work_queued_behind_a_busy_pool_still_runs_at_shutdown() {
    rt_common::watchdog(|| {
        for rt in runtimes(1) {
            let started = Arc::new(AtomicBool::new(false));
            let s = started.clone();
            let first = rt.spawn_blocking(move || {
                s.store(true, SeqCst);
                std::thread::sleep(Duration::from_millis(100));
                1
            });
            while !started.load(SeqCst) {
                std::thread::yield_now();
            }
            // The only pool thread is busy: this one waits in the queue.
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let queued = rt.spawn_blocking(move || {
                r.store(true, SeqCst);
                2
            });
            let handle = rt.handle().clone();
            rt.shutdown_timeout(Duration::from_secs(20));
            assert!(
                ran.load(SeqCst),
                "the queued closure was cancelled instead of run"
            );
            let outputs = Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(async { (first.await.unwrap(), queued.await.unwrap()) });
            assert_eq!(outputs, (1, 2));
            // Spawned after shutdown: cancelled at once.
            let late = handle.spawn_blocking(|| 3);
            assert!(late.is_finished());
        }
    });
}
