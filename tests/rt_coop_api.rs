//! The coop API a task sees: `consume_budget`, `has_budget_remaining`, `unconstrained`.

mod rt_common;

use corium_executor::task::{self, coop};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

/// Units of one task poll (the reactor's `coop::BUDGET`).
const BUDGET: usize = corium_reactor::coop::BUDGET as usize;

both_flavors! {
    fn consume_budget_spends_and_yields_when_spent(rt) {
        rt.block_on(rt.spawn(async {
            // A fresh poll: a full budget.
            task::yield_now().await;
            assert!(coop::has_budget_remaining());
            for _ in 0..BUDGET {
                task::consume_budget().await;
            }
            assert!(!coop::has_budget_remaining(), "128 units spent without a yield");
            // The next one yields; the task is polled again with a fresh budget.
            task::consume_budget().await;
            assert!(coop::has_budget_remaining());
        }))
        .unwrap();
    }
}

both_flavors! {
    fn unconstrained_never_runs_out_and_restores_the_budget(rt) {
        rt.block_on(rt.spawn(async {
            task::yield_now().await;
            for _ in 0..BUDGET - 1 {
                task::consume_budget().await;
            }
            task::unconstrained(async {
                for _ in 0..BUDGET * 4 {
                    task::consume_budget().await;
                    assert!(coop::has_budget_remaining());
                }
            })
            .await;
            // Back in the task's own budget: one unit was left.
            assert!(coop::has_budget_remaining());
            task::consume_budget().await;
            assert!(!coop::has_budget_remaining());
        }))
        .unwrap();
    }
}

#[test]
fn a_consume_budget_loop_lets_other_tasks_run_on_a_current_thread_runtime() {
    rt_common::watchdog(|| {
        let rt = rt_common::current_thread();
        let other_ran = Arc::new(AtomicBool::new(false));
        let flag = other_ran.clone();
        rt.block_on(async move {
            let busy = corium_executor::spawn(async move {
                let mut loops = 0u64;
                // Without yields this would spin forever: the other task could never run.
                while !flag.load(SeqCst) {
                    task::consume_budget().await;
                    loops += 1;
                }
                loops
            });
            let flag = other_ran.clone();
            corium_executor::spawn(async move { flag.store(true, SeqCst) });
            assert!(busy.await.unwrap() >= 1);
        });
    });
}

#[test]
fn outside_a_task_there_is_no_limit() {
    assert!(coop::has_budget_remaining());
}
