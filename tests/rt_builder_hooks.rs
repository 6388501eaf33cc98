//! The builder knobs and handle queries tokio users reach for: park/unpark hooks,
//! `thread_name_fn`, `thread_stack_size`, `max_io_events_per_tick`, `disable_lifo_slot`,
//! `Handle::id`, `is_rt_shutdown_err`, and the busy-time / global-queue metrics.

mod rt_common;

use corium_executor::runtime::{self, Builder, Handle, RuntimeFlavor};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn builders() -> [Builder; 2] {
    let mut multi = Builder::new_multi_thread();
    multi.worker_threads(2);
    [Builder::new_current_thread(), multi]
}

#[test]
fn park_and_unpark_hooks_run_in_pairs_on_both_flavours() {
    rt_common::watchdog(|| {
        for mut builder in builders() {
            let parks = Arc::new(AtomicUsize::new(0));
            let unparks = Arc::new(AtomicUsize::new(0));
            let (p, u) = (parks.clone(), unparks.clone());
            let rt = builder
                .enable_all()
                .on_thread_park(move || {
                    p.fetch_add(1, SeqCst);
                })
                .on_thread_unpark(move || {
                    u.fetch_add(1, SeqCst);
                })
                .build()
                .unwrap();
            rt.block_on(async {
                for _ in 0..3 {
                    corium_reactor::time::sleep(Duration::from_millis(2)).await;
                }
            });
            let flavor = rt.handle().runtime_flavor();
            drop(rt);
            let (p, u) = (parks.load(SeqCst), unparks.load(SeqCst));
            assert!(p >= 3, "{flavor:?}: {p} parks while sleeping three times");
            // Every park ends in an unpark, shutdown included.
            assert_eq!(p, u, "{flavor:?}: parks and unparks pair up");
        }
    });
}

#[test]
fn thread_name_fn_and_stack_size_apply_to_every_runtime_thread() {
    rt_common::watchdog(|| {
        let names = Arc::new(Mutex::new(HashSet::new()));
        let n = Arc::new(AtomicUsize::new(0));
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name_fn(move || format!("named-{}", n.fetch_add(1, SeqCst)))
            .thread_stack_size(4 << 20)
            .build()
            .unwrap();
        let record = |names: &Arc<Mutex<HashSet<String>>>| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            names.lock().unwrap().insert(name);
        };
        let (a, b) = (names.clone(), names.clone());
        rt.block_on(async move {
            corium_executor::spawn(async move {
                record(&a);
                // A large stack frame: needs more than a tiny stack, fine with 4 MiB.
                let big = [1u8; 512 << 10];
                std::hint::black_box(&big);
            })
            .await
            .unwrap();
            corium_executor::task::spawn_blocking(move || record(&b))
                .await
                .unwrap();
        });
        let names = names.lock().unwrap();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("named-")), "{names:?}");
    });
}

#[test]
fn zero_max_io_events_per_tick_is_refused_and_one_still_delivers_everything() {
    let err = Builder::new_current_thread()
        .max_io_events_per_tick(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("max_io_events_per_tick"), "{err}");
    rt_common::watchdog(|| {
        let rt = Builder::new_current_thread()
            .enable_all()
            .max_io_events_per_tick(1)
            .build()
            .unwrap();
        // Several sockets ready in the same turn: one event per turn, all delivered.
        let pairs: Vec<_> = {
            let _g = rt.enter();
            (0..4)
                .map(|_| rt_common::io::registered_pair().unwrap())
                .collect()
        };
        // Each read first sees WouldBlock, so all four wait on the driver.
        let m = rt.metrics();
        let turns_before = m.io_driver_turns();
        rt.block_on(async {
            let mut reads = Vec::new();
            for i in 0..pairs.len() {
                let pairs = &pairs;
                reads.push(async move {
                    let mut buf = [0u8; 4];
                    rt_common::io::read(&pairs[i].0, &mut buf).await.unwrap()
                });
            }
            let mut reads: Vec<_> = reads.into_iter().map(Box::pin).collect();
            // Poll every read once so each registers its waker, then make all ready at once.
            for r in &mut reads {
                assert!(rt_common::poll_once(r.as_mut()).await.is_none());
            }
            for (_, peer) in pairs.iter() {
                std::io::Write::write_all(&mut &*peer, b"x").unwrap();
            }
            for r in reads {
                assert_eq!(r.await, 1);
            }
        });
        let turns = m.io_driver_turns() - turns_before;
        assert!(
            turns >= 4,
            "four events, at most one per turn, took {turns} turns"
        );
    });
}

#[test]
fn disable_lifo_slot_keeps_wakes_out_of_the_lifo_slot() {
    rt_common::watchdog(|| {
        let lifo_hits = |disable: bool| {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(1);
            if disable {
                b.disable_lifo_slot();
            }
            let rt = b.build().unwrap();
            rt.block_on(rt.spawn(async {
                // Each spawn from a task goes to the LIFO slot unless it is disabled.
                for _ in 0..50 {
                    corium_executor::spawn(async {}).await.unwrap();
                }
            }))
            .unwrap();
            rt.metrics().worker_lifo_hits(0)
        };
        assert!(lifo_hits(false) > 0, "the LIFO slot is in use by default");
        assert_eq!(lifo_hits(true), 0, "disabled, no task runs from it");
    });
}

#[test]
fn handle_ids_are_unique_per_runtime_and_shared_by_its_handles() {
    rt_common::watchdog(|| {
        let a = rt_common::current_thread();
        let b = rt_common::multi_thread();
        assert_ne!(a.handle().id(), b.handle().id());
        assert_eq!(a.handle().id(), a.handle().clone().id());
        let inside = b.block_on(async { Handle::current().id() });
        assert_eq!(inside, b.handle().id());
        assert_eq!(b.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
        assert!(!a.handle().id().to_string().is_empty());
        assert!(Handle::try_current().is_err());
    });
}

#[test]
fn is_rt_shutdown_err_recognises_the_shutdown_errors_only() {
    rt_common::watchdog(|| {
        let rt = rt_common::current_thread();
        let (io, _peer) = {
            let _g = rt.enter();
            rt_common::io::registered_pair().unwrap()
        };
        let handle = rt.handle().clone();
        drop(rt);
        let err = handle
            .block_on(async {
                let mut buf = [0u8; 1];
                rt_common::io::read(&io, &mut buf).await
            })
            .unwrap_err();
        assert!(runtime::is_rt_shutdown_err(&err), "{err}");
        let registering = {
            let _g = handle.enter();
            rt_common::io::registered_pair().map(|_| ()).unwrap_err()
        };
        assert!(runtime::is_rt_shutdown_err(&registering), "{registering}");
        assert!(!runtime::is_rt_shutdown_err(&std::io::Error::other(
            "unrelated"
        )));
        let refused: std::io::Error = std::io::ErrorKind::ConnectionRefused.into();
        assert!(!runtime::is_rt_shutdown_err(&refused));
    });
}

both_flavors! {
    fn busy_duration_grows_while_tasks_run(rt) {
        let m = rt.metrics();
        let busy = |m: &runtime::RuntimeMetrics| -> Duration {
            (0..m.num_workers()).map(|w| m.worker_total_busy_duration(w)).sum()
        };
        let before = busy(&m);
        rt.block_on(rt.spawn(async {
            let start = std::time::Instant::now();
            while start.elapsed() < Duration::from_millis(30) {
                std::hint::spin_loop();
            }
        }))
        .unwrap();
        // The busy stretch is counted once the worker parks: let it go idle.
        rt.block_on(corium_reactor::time::sleep(Duration::from_millis(20)));
        let after = busy(&m);
        assert!(after >= before + Duration::from_millis(30), "{before:?} -> {after:?}");
        assert_eq!(m.global_queue_depth(), m.injection_queue_depth());
        // Idle now: every worker is parked, so tokio's combined count is odd for each (a
        // current-thread runtime outside `block_on` has no thread to park: even).
        let parked = rt.handle().runtime_flavor() == RuntimeFlavor::MultiThread;
        for w in 0..m.num_workers() {
            rt_common::eventually("the parity settled", || {
                (m.worker_park_unpark_count(w) % 2 == 1) == parked
            });
            assert_eq!(
                m.worker_park_unpark_count(w),
                m.worker_park_count(w) + m.worker_unpark_count(w)
            );
        }
    }
}
