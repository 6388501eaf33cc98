//! `task_local!`: values that follow a future across polls, threads and nested scopes.

mod rt_common;

use corium_executor::task::{self, JoinSet};
use rt_common::panic_message;
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};

corium_executor::task_local! {
    static NUMBER: u32;
    /// A `pub` key, to check the macro passes attributes and visibility through.
    pub static NAME: String;
}

both_flavors! {
    fn each_task_sees_its_own_value_across_yields(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..50u32 {
                set.spawn(NUMBER.scope(i, async move {
                    for _ in 0..5 {
                        // Other tasks, with other values, run on this worker meanwhile.
                        task::yield_now().await;
                        assert_eq!(NUMBER.get(), i);
                    }
                    NUMBER.with(|n| *n * 2)
                }));
            }
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 2 * (0..50).sum::<u32>());
            // Not inside any scope here.
            assert!(NUMBER.try_with(|_| ()).is_err());
        });
    }
}

#[test]
fn scopes_nest_and_restore_and_sync_scope_works() {
    NUMBER.sync_scope(1, || {
        assert_eq!(NUMBER.get(), 1);
        NUMBER.sync_scope(2, || assert_eq!(NUMBER.get(), 2));
        assert_eq!(
            NUMBER.get(),
            1,
            "the outer value is back after the inner scope"
        );
        NAME.sync_scope("x".to_owned(), || {
            assert_eq!(NAME.with(|n| n.clone()), "x");
            assert_eq!(NUMBER.get(), 1);
        });
    });
    assert!(NUMBER.try_with(|_| ()).is_err());
    // A panic inside the scope still restores the slot.
    let _ = std::panic::catch_unwind(|| NUMBER.sync_scope(9, || panic!("inside")));
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
fn a_missing_value_is_a_clear_panic_and_an_access_error() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    let panic = std::panic::catch_unwind(|| NUMBER.get()).unwrap_err();
    let msg = panic_message(&*panic);
    assert!(
        msg.contains("task-local value not set") && msg.contains("scope"),
        "{msg}"
    );
}

#[test]
fn take_value_and_the_inner_future_dropped_in_scope() {
    struct SeesValue(Arc<Mutex<Option<u32>>>);
    impl Drop for SeesValue {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = NUMBER.try_with(|n| *n).ok();
        }
    }
    let rt = rt_common::current_thread();
    let seen = Arc::new(Mutex::new(None));
    let guard = SeesValue(seen.clone());
    // Dropped before completing: the inner future's destructor still sees the value.
    let fut = NUMBER.scope(5, async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    rt.block_on(async {
        let mut fut = pin!(fut);
        let polled = Cell::new(false);
        std::future::poll_fn(|cx| {
            if !polled.replace(true) {
                assert!(fut.as_mut().poll(cx).is_pending());
            }
            std::task::Poll::Ready(())
        })
        .await;
    });
    assert_eq!(*seen.lock().unwrap(), Some(5));

    let mut fut = pin!(NUMBER.scope(8, async { NUMBER.try_with(|n| *n).ok() }));
    assert_eq!(fut.as_mut().take_value(), Some(8));
    assert_eq!(fut.as_mut().take_value(), None);
    assert_eq!(
        rt.block_on(fut),
        None,
        "the value was taken before the poll"
    );
}

#[test]
fn a_scope_inside_with_of_the_same_key_panics_clearly() {
    let err = std::panic::catch_unwind(|| {
        NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ())))
    })
    .unwrap_err();
    assert!(
        panic_message(&*err).contains("borrowed"),
        "{}",
        panic_message(&*err)
    );
}

#[test]
fn local_tasks_have_task_locals_too() {
    let rt = corium_executor::runtime::Builder::new_current_thread()
        .build_local(Default::default())
        .unwrap();
    let out = rt.block_on(async {
        let h = task::spawn_local(NAME.scope("local".to_owned(), async {
            task::yield_now().await;
            NAME.get()
        }));
        h.await.unwrap()
    });
    assert_eq!(out, "local");
}
