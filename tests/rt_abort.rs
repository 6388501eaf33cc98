//! Aborting tasks and capturing panics, on both flavours.

mod rt_common;

use corium_executor::task;
use rt_common::{DropCounter, Signal, WorkerHold};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

both_flavors! {
    fn abort_before_start_never_polls(rt) {
        let polled = Arc::new(AtomicBool::new(false));
        let drops = DropCounter::default();
        let (p, guard) = (polled.clone(), drops.guard());
        // No worker may pick the task up between spawn and abort.
        let hold = WorkerHold::new(&rt);
        let err = rt.block_on(async move {
            let h = corium_executor::spawn(async move {
                p.store(true, SeqCst);
                drop(guard);
            });
            h.abort();
            hold.release();
            h.await.expect_err("aborted before it ran")
        });
        assert!(err.is_cancelled() && !err.is_panic(), "{err:?}");
        assert!(!polled.load(SeqCst), "an aborted task is never polled");
        assert_eq!(drops.count(), 1, "its future was dropped");
    }
}

both_flavors! {
    fn abort_while_pending_drops_the_future(rt) {
        let drops = DropCounter::default();
        let started = Signal::default();
        let (s, guard) = (started.clone(), drops.guard());
        let h = rt.spawn(async move {
            s.set();
            std::future::pending::<()>().await;
            drop(guard);
        });
        let err = rt.block_on(async move {
            started.wait().await;
            h.abort();
            h.await.expect_err("aborted while pending")
        });
        assert!(err.is_cancelled());
        assert_eq!(drops.count(), 1);
        assert!(err.to_string().contains("cancelled"), "{err}");
    }
}

both_flavors! {
    fn abort_after_completion_keeps_the_output(rt) {
        let out = rt.block_on(async {
            let h = corium_executor::spawn(async { 11 });
            while !h.is_finished() {
                task::yield_now().await;
            }
            h.abort();
            h.await
        });
        assert_eq!(out.expect("completed before the abort"), 11);
    }
}

both_flavors! {
    fn abort_handle_cancels_a_detached_task(rt) {
        let drops = DropCounter::default();
        let guard = drops.guard();
        let h = rt.spawn(async move {
            std::future::pending::<()>().await;
            drop(guard);
        });
        let abort = h.abort_handle();
        drop(h);
        abort.abort();
        rt.block_on(async {
            while !abort.is_finished() {
                task::yield_now().await;
            }
        });
        assert_eq!(drops.count(), 1);
    }
}

both_flavors! {
    fn a_panicking_task_is_captured_and_the_runtime_survives(rt) {
        let err = rt.block_on(async {
            corium_executor::spawn(async {
                task::yield_now().await;
                std::panic::panic_any(String::from("task blew up"))
            })
            .await
            .expect_err("the task panicked")
        });
        assert!(err.is_panic() && !err.is_cancelled());
        assert!(err.to_string().contains("task blew up"), "{err}");
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("task blew up"));
        // Every worker is still alive: a burst of tasks still completes.
        let n = rt.block_on(async {
            let hs: Vec<_> = (0..64).map(|i| corium_executor::spawn(async move { i })).collect();
            let mut n = 0;
            for h in hs {
                n += h.await.unwrap();
            }
            n
        });
        assert_eq!(n, (0..64).sum::<i32>());
    }
}

both_flavors! {
    fn a_panic_in_a_detached_task_or_its_destructor_is_contained(rt) {
        struct PanicOnDrop;
        impl Drop for PanicOnDrop {
            fn drop(&mut self) {
                panic!("destructor blew up");
            }
        }
        // Detached panicking task: nobody observes it, the runtime must not care.
        drop(rt.spawn(async { panic!("nobody is listening") }));
        // A destructor panicking during abort becomes a panic JoinError.
        let started = Signal::default();
        let s = started.clone();
        let bomb = PanicOnDrop;
        let h = rt.spawn(async move {
            s.set();
            std::future::pending::<()>().await;
            drop(bomb);
        });
        let err = rt.block_on(async move {
            started.wait().await;
            h.abort();
            h.await.expect_err("aborted")
        });
        let payload = err.try_into_panic().expect("the destructor panicked");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"destructor blew up"));
        assert_eq!(rt.block_on(async { corium_executor::spawn(async { 1 }).await.unwrap() }), 1);
    }
}
