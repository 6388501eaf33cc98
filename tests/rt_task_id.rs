//! Task ids: `task::id()`/`try_id()` inside and outside tasks, and the ids handles and
//! errors report.

mod rt_common;

use corium_executor::task::{self, Id, LocalSet};
use rt_common::panic_message;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

both_flavors! {
    fn the_running_task_knows_its_id_and_its_handles_agree(rt) {
        rt.block_on(async {
            assert_eq!(task::try_id(), None, "the block_on future is not a task");
            let handle = corium_executor::spawn(async {
                // Still this task's id after a suspension point.
                let before = task::id();
                task::yield_now().await;
                assert_eq!(task::try_id(), Some(before));
                before
            });
            let (id, abort_id) = (handle.id(), handle.abort_handle().id());
            assert_eq!(handle.await.unwrap(), id);
            assert_eq!(abort_id, id);

            let blocking = task::spawn_blocking(task::id);
            let blocking_id = blocking.id();
            assert_eq!(blocking.await.unwrap(), blocking_id);
        });
    }
}

both_flavors! {
    fn join_errors_carry_the_failed_tasks_id(rt) {
        rt.block_on(async {
            let panicking = corium_executor::spawn(async { panic!("with an id") });
            let id = panicking.id();
            let err = panicking.await.unwrap_err();
            assert_eq!(err.id(), id);
            assert!(err.to_string().contains(&id.to_string()), "{err}");

            // The aborted task's destructor runs inside it: task::id() answers there too.
            struct RecordId(Arc<Mutex<Option<Id>>>);
            impl Drop for RecordId {
                fn drop(&mut self) {
                    *self.0.lock().unwrap() = task::try_id();
                }
            }
            let seen = Arc::new(Mutex::new(None));
            let record = RecordId(seen.clone());
            let aborted = corium_executor::spawn(async move {
                let _record = record;
                std::future::pending::<()>().await
            });
            let id = aborted.id();
            task::yield_now().await;
            aborted.abort();
            let err = aborted.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.id(), id);
            assert_eq!(*seen.lock().unwrap(), Some(id));
        });
    }
}

both_flavors! {
    fn ids_are_unique_across_runtimes_and_local_sets(rt) {
        let local = LocalSet::new();
        let mut ids = HashSet::new();
        for _ in 0..500 {
            assert!(ids.insert(rt.spawn(async {}).id()));
            assert!(ids.insert(local.spawn_local(async {}).id()));
        }
        let other = rt_common::current_thread();
        for _ in 0..500 {
            assert!(ids.insert(other.spawn(async {}).id()), "an id was reused");
        }
        let local_id = local.block_on(&rt, async { task::spawn_local(async { task::id() }).await.unwrap() });
        assert!(ids.insert(local_id));
    }
}

#[test]
fn task_id_outside_a_task_panics_and_try_id_is_none() {
    assert_eq!(task::try_id(), None);
    let err = std::panic::catch_unwind(task::id).unwrap_err();
    let msg = panic_message(&*err);
    assert!(
        msg.contains("outside a task") && msg.contains("try_id"),
        "{msg}"
    );
}
