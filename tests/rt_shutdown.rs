//! Runtime shutdown: cancelling tasks, not hanging, honouring timeouts — on both flavours.

mod rt_common;

use corium_executor::runtime::Builder;
use corium_executor::task;
use rt_common::{DropCounter, Signal};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

both_flavors! {
    fn dropping_the_runtime_drops_pending_futures(rt) {
        let drops = DropCounter::default();
        let started = Arc::new(AtomicUsize::new(0));
        let all_started = Signal::default();
        const N: usize = 100;
        for _ in 0..N {
            let (guard, started, all) = (drops.guard(), started.clone(), all_started.clone());
            drop(rt.spawn(async move {
                if started.fetch_add(1, SeqCst) + 1 == N {
                    all.set();
                }
                std::future::pending::<()>().await;
                drop(guard);
            }));
        }
        rt.block_on(all_started.wait());
        // Queued but never polled.
        let never_run: Vec<_> = (0..N).map(|_| {
            let guard = drops.guard();
            rt.spawn(async move { drop(guard) })
        }).collect();
        assert!(drops.count() <= N, "the pending ones are still alive");
        drop(rt);
        assert_eq!(drops.count(), 2 * N, "every future was dropped by the time drop returned");
        for h in never_run {
            assert!(h.is_finished());
        }
    }
}

both_flavors! {
    fn futures_are_dropped_on_a_runtime_thread(rt) {
        let dropped_on = Arc::new(Mutex::new(Vec::new()));
        struct RecordThread(Arc<Mutex<Vec<Option<String>>>>);
        impl Drop for RecordThread {
            fn drop(&mut self) {
                self.0.lock().unwrap().push(std::thread::current().name().map(str::to_owned));
            }
        }
        let started = Signal::default();
        let (s, rec) = (started.clone(), RecordThread(dropped_on.clone()));
        drop(rt.spawn(async move {
            s.set();
            std::future::pending::<()>().await;
            drop(rec);
        }));
        rt.block_on(started.wait());
        let me = std::thread::current().name().map(str::to_owned);
        let multi = rt.metrics().num_workers() > 1;
        drop(rt);
        let on = dropped_on.lock().unwrap().clone();
        assert_eq!(on.len(), 1);
        if multi {
            let name = on[0].as_deref().unwrap_or("<unnamed>");
            assert!(name.starts_with("corium-worker-"), "dropped on {name}, not a worker");
        } else {
            assert_eq!(on[0], me, "a current-thread runtime drops futures on the dropping thread");
        }
    }
}

both_flavors! {
    fn drop_does_not_hang_on_parked_workers(rt) {
        // Let every worker go idle and park, in the driver and on condvars.
        rt.block_on(async { task::yield_now().await });
        let parked = Signal::default();
        let p = parked.clone();
        let h = rt.spawn(async move { p.set() });
        rt.block_on(h).unwrap();
        let start = Instant::now();
        drop(rt);
        assert!(start.elapsed() < Duration::from_secs(30));
    }
}

both_flavors! {
    fn destructors_that_spawn_or_wake_during_shutdown_are_harmless(rt) {
        struct SpawnOnDrop(Signal);
        impl Drop for SpawnOnDrop {
            fn drop(&mut self) {
                // The runtime is shutting down: this task is cancelled at once, no panic.
                let late = corium_executor::spawn(async {});
                assert!(late.is_finished());
                self.0.set();
            }
        }
        let dropped = Signal::default();
        let started = Signal::default();
        let (s, guard) = (started.clone(), SpawnOnDrop(dropped.clone()));
        drop(rt.spawn(async move {
            s.set();
            std::future::pending::<()>().await;
            drop(guard);
        }));
        rt.block_on(started.wait());
        drop(rt);
        assert!(dropped.is_set());
    }
}

both_flavors! {
    fn spawning_through_a_handle_after_shutdown_cancels_at_once(rt) {
        let handle = rt.handle().clone();
        drop(rt);
        let drops = DropCounter::default();
        let guard = drops.guard();
        let h = handle.spawn(async move { drop(guard) });
        assert!(h.is_finished());
        assert_eq!(drops.count(), 1);
        let blocking = handle.spawn_blocking(|| 1);
        assert!(blocking.is_finished(), "the blocking pool is shut down too");
    }
}

both_flavors! {
    fn shutdown_timeout_returns_while_a_blocking_task_is_stuck(rt) {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let running = Signal::default();
        let r = running.clone();
        drop(rt.spawn_blocking(move || {
            r.set();
            // Stuck until the test releases it, long after shutdown_timeout returned.
            let _ = release_rx.recv();
        }));
        rt.block_on(running.wait());
        let timeout = Duration::from_millis(200);
        let start = Instant::now();
        rt.shutdown_timeout(timeout);
        let elapsed = start.elapsed();
        release_tx.send(()).unwrap();
        assert!(elapsed >= timeout, "it waited for the stuck task until the deadline ({elapsed:?})");
        assert!(elapsed < Duration::from_secs(30), "it gave up at the deadline ({elapsed:?})");
    }
}

both_flavors! {
    fn shutdown_background_does_not_wait(rt) {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let running = Signal::default();
        let r = running.clone();
        drop(rt.spawn_blocking(move || {
            r.set();
            let _ = release_rx.recv();
        }));
        let drops = DropCounter::default();
        let guard = drops.guard();
        drop(rt.spawn(async move {
            std::future::pending::<()>().await;
            drop(guard);
        }));
        rt.block_on(running.wait());
        let start = Instant::now();
        rt.shutdown_background();
        // Returned although the blocking closure still runs (it only ends when released below).
        assert!(start.elapsed() < Duration::from_secs(30));
        release_tx.send(()).unwrap();
    }
}

#[test]
fn shutdown_timeout_returns_early_when_everything_finishes() {
    rt_common::watchdog(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async { task::spawn_blocking(|| ()).await.unwrap() });
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_secs(60));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "nothing was stuck, so no reason to wait"
        );
    });
}

both_flavors! {
    fn shutdown_with_pending_io_and_timers_drops_them_without_hanging(rt) {
        let drops = DropCounter::default();
        let waiting = Arc::new(AtomicUsize::new(0));
        let both_waiting = Signal::default();
        let (io, peer) = {
            let _guard = rt.enter();
            rt_common::io::registered_pair().expect("socket pair")
        };
        assert!(rt.metrics().io_registered_fds() >= 1);
        let arrived = {
            let (waiting, both) = (waiting.clone(), both_waiting.clone());
            move || {
                if waiting.fetch_add(1, SeqCst) + 1 == 2 {
                    both.set();
                }
            }
        };
        let (a1, guard) = (arrived.clone(), drops.guard());
        drop(rt.spawn(async move {
            // No data ever arrives: parked on read readiness.
            let mut buf = [0u8; 8];
            let read = rt_common::io::read(&io, &mut buf);
            a1();
            let _ = read.await;
            drop(guard);
        }));
        let guard = drops.guard();
        drop(rt.spawn(async move {
            let sleep = corium_reactor::time::sleep(Duration::from_secs(3600));
            arrived();
            sleep.await;
            drop(guard);
        }));
        rt.block_on(both_waiting.wait());
        let start = Instant::now();
        drop(rt);
        assert!(start.elapsed() < Duration::from_secs(30));
        assert_eq!(drops.count(), 2, "the reading and the sleeping futures were dropped");
        drop(peer);
    }
}
