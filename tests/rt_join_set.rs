//! `JoinSet`: outputs in completion order, abort/detach/shutdown, on both flavours and on a
//! `LocalSet`.

mod rt_common;

use corium_executor::runtime::Handle;
use corium_executor::task::{self, JoinSet, LocalSet};
use rt_common::{DropCounter, Signal};
use std::collections::HashSet;
use std::rc::Rc;

both_flavors! {
    fn outputs_come_back_in_completion_order_with_ids(rt) {
        rt.block_on(async {
            let gates: Vec<Signal> = (0..3).map(|_| Signal::default()).collect();
            let mut set = JoinSet::new();
            let mut ids = Vec::new();
            for (i, gate) in gates.iter().enumerate() {
                let gate = gate.clone();
                ids.push(set.spawn(async move {
                    gate.wait().await;
                    i
                }).id());
            }
            assert_eq!(set.len(), 3);
            // Released in the order 2, 0, 1: joined in that order, whatever the spawn order.
            for (&i, expect_len) in [2usize, 0, 1].iter().zip([2usize, 1, 0]) {
                gates[i].set();
                let (id, out) = set.join_next_with_id().await.unwrap().unwrap();
                assert_eq!(out, i);
                assert_eq!(id, ids[i], "the id is the one spawn's abort handle reported");
                assert_eq!(set.len(), expect_len);
            }
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }
}

both_flavors! {
    fn many_tasks_all_joined(rt) {
        let sum = rt.block_on(async {
            let mut set: JoinSet<u64> = (0..2_000u64).map(|i| async move {
                if i % 3 == 0 {
                    task::yield_now().await;
                }
                i
            }).collect();
            set.extend((2_000..2_100u64).map(|i| async move { i }));
            let mut sum = 0;
            let mut n = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
                n += 1;
            }
            assert_eq!(n, 2_100);
            sum
        });
        assert_eq!(sum, (0..2_100u64).sum::<u64>());
    }
}

both_flavors! {
    fn abort_all_shutdown_and_drop_cancel_the_tasks(rt) {
        rt.block_on(async {
            let counter = DropCounter::default();
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let guard = counter.guard();
                set.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
            }
            set.abort_all();
            assert_eq!(set.len(), 5, "aborted tasks stay until joined");
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 5);
            assert_eq!(counter.count(), 5);

            for _ in 0..3 {
                let guard = counter.guard();
                set.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(counter.count(), 8);

            let guard = counter.guard();
            let abort = set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            drop(set);
            // Dropping the set aborted the task; wait for its future to be dropped.
            while !abort.is_finished() {
                task::yield_now().await;
            }
            assert_eq!(counter.count(), 9);
        });
    }
}

both_flavors! {
    fn detach_all_lets_the_tasks_run_on(rt) {
        rt.block_on(async {
            let done = Signal::default();
            let gate = Signal::default();
            let mut set = JoinSet::new();
            let (d, g) = (done.clone(), gate.clone());
            set.spawn(async move {
                g.wait().await;
                d.set();
            });
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            gate.set();
            done.wait().await;
        });
    }
}

both_flavors! {
    fn try_join_next_blocking_spawn_on_and_join_all(rt) {
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none());
            set.spawn_blocking(|| 1);
            set.spawn_blocking_on(|| 2, &handle);
            set.spawn_on(async { 3 }, &Handle::current());
            let mut got = HashSet::new();
            while got.len() < 3 {
                match set.try_join_next_with_id() {
                    Some(res) => {
                        got.insert(res.unwrap().1);
                    }
                    None => task::yield_now().await,
                }
            }
            assert_eq!(got, HashSet::from([1, 2, 3]));
            let mut set = JoinSet::new();
            for i in 0..4 {
                set.spawn(async move { i });
            }
            let mut all = set.join_all().await;
            all.sort();
            assert_eq!(all, vec![0, 1, 2, 3]);
        });
    }
}

both_flavors! {
    fn join_all_resumes_a_task_panic(rt) {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { panic!("boom in a set") });
                set.join_all().await
            })
        }))
        .unwrap_err();
        assert_eq!(rt_common::panic_message(&*err), "boom in a set");
    }
}

both_flavors! {
    fn local_tasks_in_a_join_set(rt) {
        let local = LocalSet::new();
        let mut outer = JoinSet::new();
        let rc = Rc::new(10);
        let r = rc.clone();
        outer.spawn_local_on(async move { *r + 1 }, &local);
        let total = local.block_on(&rt, async move {
            let r = rc.clone();
            outer.spawn_local(async move { *r + 2 });
            let mut total = 0;
            while let Some(res) = outer.join_next().await {
                total += res.unwrap();
            }
            total
        });
        assert_eq!(total, 23);
    }
}
