//! Runtime metrics: the counters move when the scheduler does, and an idle runtime is quiet.

mod rt_common;

use corium_executor::runtime::Builder;
use corium_executor::task;
use std::time::{Duration, Instant};

#[test]
fn work_stealing_shows_up_in_the_counters() {
    rt_common::watchdog(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let m = rt.metrics();
        assert_eq!(m.num_workers(), 4);
        // One task fans out many CPU-bound children onto its own queue, then holds its worker
        // until a sibling has stolen some: only stealing can run them meanwhile, so the steal
        // counters must move (however the OS schedules the workers).
        let sum = rt
            .block_on(rt.spawn(async {
                let hs: Vec<_> = (0..2_000u64)
                    .map(|i| {
                        corium_executor::spawn(async move {
                            let mut x = i;
                            for _ in 0..2_000 {
                                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                            }
                            task::yield_now().await;
                            x & 1
                        })
                    })
                    .collect();
                let m = corium_executor::runtime::Handle::current().metrics();
                let steal_ops = || (0..4).map(|w| m.worker_steal_operations(w)).sum::<u64>();
                let deadline = Instant::now() + rt_common::WATCHDOG;
                while steal_ops() == 0 && Instant::now() < deadline {
                    std::thread::yield_now();
                }
                let mut sum = 0;
                for h in hs {
                    sum += h.await.unwrap();
                }
                sum
            }))
            .unwrap();
        assert!(sum <= 2_000);
        let polls: u64 = (0..4).map(|w| m.worker_poll_count(w)).sum();
        let steals: u64 = (0..4).map(|w| m.worker_steal_count(w)).sum();
        let steal_ops: u64 = (0..4).map(|w| m.worker_steal_operations(w)).sum();
        assert!(polls >= 4_000, "every child polled twice: {polls}");
        assert!(
            steals >= steal_ops && steal_ops > 0,
            "siblings stole: {steal_ops} ops, {steals} tasks"
        );
        // Idle workers park; the last ones may still be searching right after the join.
        rt_common::eventually("an idle worker parked", || {
            (0..4).map(|w| m.worker_park_count(w)).sum::<u64>() > 0
        });
        // A finished task leaves the alive count just after its JoinHandle is woken (it is
        // released from the runtime's task list last): the count settles, it is not 0 yet.
        rt_common::eventually("every task released", || m.num_alive_tasks() == 0);
        assert_eq!(m.injection_queue_depth(), 0);
        for w in 0..4 {
            assert_eq!(m.worker_local_queue_depth(w), 0);
        }
    });
}

#[test]
fn an_idle_runtime_does_not_spin() {
    rt_common::watchdog(|| {
        for builder in [Builder::new_current_thread(), Builder::new_multi_thread()].iter_mut() {
            let rt = builder.worker_threads(2).enable_all().build().unwrap();
            let m = rt.metrics();
            // Let everything settle into its park.
            rt.block_on(async { corium_executor::spawn(async {}).await.unwrap() });
            let unparks = |m: &corium_executor::runtime::RuntimeMetrics| -> u64 {
                (0..m.num_workers()).map(|w| m.worker_unpark_count(w)).sum()
            };
            let turns_before = m.io_driver_turns();
            let before = unparks(&m);
            // A measurement window with nothing to do: no event exists to wait for, so this is
            // a plain sleep; a spinning scheduler would wake thousands of times in it.
            let start = Instant::now();
            std::thread::sleep(Duration::from_millis(200));
            let after = unparks(&m);
            let turns_after = m.io_driver_turns();
            assert!(start.elapsed() >= Duration::from_millis(200));
            assert!(
                after - before <= 4,
                "workers woke {} times while idle",
                after - before
            );
            assert!(
                turns_after - turns_before <= 4,
                "the driver turned {} times while idle",
                turns_after - turns_before
            );
        }
    });
}

#[test]
fn current_thread_metrics_have_one_worker() {
    rt_common::watchdog(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let m = rt.metrics();
        assert_eq!(m.num_workers(), 1);
        rt.block_on(async {
            for _ in 0..10 {
                corium_executor::spawn(async { task::yield_now().await })
                    .await
                    .unwrap();
            }
        });
        assert!(m.worker_poll_count(0) >= 20);
        let err = std::panic::catch_unwind(|| m.worker_poll_count(1))
            .expect_err("index 1 is out of range");
        assert!(rt_common::panic_message(&*err).contains("out of range"));
    });
}
