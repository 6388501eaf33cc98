//! An always-ready primitive spends the coop budget: a task that loops on a free `Mutex`,
//! `Semaphore` or a stored `Notify` permit still lets another task on the same thread run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use corium_executor::runtime::{Builder, Runtime};
use corium_sync::{Mutex, Notify, Semaphore};

const LOOPS: usize = 10_000;

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Spawns a task that sets a flag, then runs `spin` (which loops on an always-ready
/// primitive, checking the flag each time) on the same thread; returns the iteration at which
/// the spinner first saw the flag.
#[track_caller]
fn iterations_before_the_other_task_ran<F, Fut>(spin: F) -> usize
where
    F: FnOnce(Arc<AtomicBool>) -> Fut,
    Fut: std::future::Future<Output = Option<usize>>,
{
    let rt = runtime();
    let flag = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let other = {
            let flag = flag.clone();
            corium_executor::spawn(async move { flag.store(true, Ordering::SeqCst) })
        };
        let seen_at = spin(flag).await;
        other.await.unwrap();
        seen_at.expect("the other task never ran while the loop spun: the budget was not spent")
    })
}

#[test]
fn a_mutex_lock_loop_yields() {
    let mutex = Mutex::new(());
    let at = iterations_before_the_other_task_ran(|flag| async move {
        for i in 0..LOOPS {
            drop(mutex.lock().await);
            if flag.load(Ordering::SeqCst) {
                return Some(i);
            }
        }
        None
    });
    assert!(
        at <= corium_reactor::coop::BUDGET as usize,
        "yielded only after {at} locks"
    );
}

#[test]
fn a_semaphore_acquire_loop_yields() {
    let semaphore = Semaphore::new(1);
    let at = iterations_before_the_other_task_ran(|flag| async move {
        for i in 0..LOOPS {
            drop(semaphore.acquire().await.unwrap());
            if flag.load(Ordering::SeqCst) {
                return Some(i);
            }
        }
        None
    });
    assert!(
        at <= corium_reactor::coop::BUDGET as usize,
        "yielded only after {at} acquires"
    );
}

#[test]
fn a_notified_loop_with_stored_permits_yields() {
    let notify = Notify::new();
    let at = iterations_before_the_other_task_ran(|flag| async move {
        for i in 0..LOOPS {
            notify.notify_one();
            notify.notified().await;
            if flag.load(Ordering::SeqCst) {
                return Some(i);
            }
        }
        None
    });
    assert!(
        at <= corium_reactor::coop::BUDGET as usize,
        "yielded only after {at} waits"
    );
}
