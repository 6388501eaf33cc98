//! `LocalSet` and `spawn_local`: `!Send` tasks on the thread that owns the set, on both
//! flavours.

mod rt_common;

use corium_executor::task::{self, LocalSet};
use rt_common::{panic_message, DropCounter, Signal};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};

both_flavors! {
    fn non_send_tasks_run_on_the_owning_thread(rt) {
        let local = LocalSet::new();
        let owner = std::thread::current().id();
        let out = local.block_on(&rt, async move {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut handles = Vec::new();
            for i in 0..100 {
                let log = log.clone();
                handles.push(task::spawn_local(async move {
                    assert_eq!(std::thread::current().id(), owner, "a local task left its thread");
                    task::yield_now().await;
                    log.borrow_mut().push(i);
                    i
                }));
            }
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            assert_eq!(log.borrow().len(), 100);
            sum
        });
        assert_eq!(out, (0..100).sum::<i32>());
    }
}

both_flavors! {
    fn run_until_leaves_the_rest_and_awaiting_the_set_finishes_it(rt) {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        let gate = Signal::default();
        for _ in 0..3 {
            let (done, gate) = (done.clone(), gate.clone());
            local.spawn_local(async move {
                gate.wait().await;
                // Tasks spawned by tasks count too: the set waits for them.
                let d = done.clone();
                task::spawn_local(async move { d.set(d.get() + 10) });
                done.set(done.get() + 1);
            });
        }
        // run_until returns when its own future does; the three tasks still wait on the gate.
        local.block_on(&rt, async {});
        assert_eq!(done.get(), 0);
        gate.set();
        rt.block_on(local);
        assert_eq!(done.get(), 33, "awaiting the set ran every task, and the tasks they spawned");
    }
}

both_flavors! {
    fn a_wake_from_another_thread_requeues_the_task_on_its_set(rt) {
        let local = LocalSet::new();
        let (tx, rx) = mpsc::channel::<Waker>();
        let woken = Arc::new(Mutex::new(false));
        let seen = woken.clone();
        let not_send = Rc::new(());
        let task = local.spawn_local(std::future::poll_fn(move |cx| {
            let _keep = &not_send;
            if *seen.lock().unwrap() {
                return Poll::Ready(7);
            }
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        }));
        let waker_thread = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            *woken.lock().unwrap() = true;
            // Not the owning thread: the task must go to the set's remote queue, and the
            // thread blocked in `block_on` must be unparked to run it.
            waker.wake();
        });
        assert_eq!(local.block_on(&rt, task).unwrap(), 7);
        waker_thread.join().unwrap();
    }
}

both_flavors! {
    fn dropping_the_set_drops_its_tasks_on_its_thread_with_the_set_current(rt) {
        struct OnDrop {
            owner: std::thread::ThreadId,
            spawned_in_drop: Rc<Cell<bool>>,
            _drops: rt_common::DropGuard,
        }
        impl Drop for OnDrop {
            fn drop(&mut self) {
                assert_eq!(std::thread::current().id(), self.owner);
                // The set is current while its tasks are dropped: spawn_local does not panic
                // (the new task is cancelled at once: the set is closing).
                let late = task::spawn_local(async {});
                drop(late);
                self.spawned_in_drop.set(true);
            }
        }
        let counter = DropCounter::default();
        let spawned_in_drop = Rc::new(Cell::new(false));
        let local = LocalSet::new();
        for _ in 0..5 {
            let guard = OnDrop {
                owner: std::thread::current().id(),
                spawned_in_drop: spawned_in_drop.clone(),
                _drops: counter.guard(),
            };
            local.spawn_local(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
        // Polled once, so the tasks are idle and parked rather than never started.
        local.block_on(&rt, task::yield_now());
        assert_eq!(counter.count(), 0);
        drop(local);
        assert_eq!(counter.count(), 5, "every task was dropped with the set");
        assert!(spawned_in_drop.get());
    }
}

both_flavors! {
    fn spawn_local_in_an_enter_guard_runs_at_the_next_poll(rt) {
        let local = LocalSet::new();
        let ran = Rc::new(Cell::new(false));
        let handle = {
            let _guard = local.enter();
            let ran = ran.clone();
            task::spawn_local(async move { ran.set(true) })
        };
        assert!(!ran.get(), "nothing runs until the set is polled");
        local.block_on(&rt, handle).unwrap();
        assert!(ran.get());
    }
}

both_flavors! {
    fn a_local_task_aborted_from_another_thread_is_cancelled(rt) {
        let local = LocalSet::new();
        let counter = DropCounter::default();
        let guard = counter.guard();
        let handle = local.spawn_local(async move {
            let _guard = guard;
            let _not_send = Rc::new(());
            std::future::pending::<()>().await
        });
        let abort = handle.abort_handle();
        let err = local.block_on(&rt, async move {
            task::yield_now().await;
            std::thread::spawn(move || abort.abort()).join().unwrap();
            handle.await.unwrap_err()
        });
        assert!(err.is_cancelled());
        assert_eq!(counter.count(), 1);
    }
}

both_flavors! {
    fn a_busy_local_task_does_not_starve_the_run_until_future(rt) {
        let local = LocalSet::new();
        let stop = Rc::new(Cell::new(false));
        let spins = Rc::new(Cell::new(0u64));
        // Set once the local task has run: the `Send` task below waits for it, so the local
        // task is certainly busy while the run_until future waits (on a multi-thread runtime
        // the `Send` task could otherwise finish before the set polls its task at all).
        let spun = Arc::new(AtomicBool::new(false));
        let (s, n, sp) = (stop.clone(), spins.clone(), spun.clone());
        local.spawn_local(async move {
            while !s.get() {
                n.set(n.get() + 1);
                sp.store(true, Ordering::SeqCst);
                task::yield_now().await;
            }
        });
        // The run_until future needs a `Send` task of the runtime to finish first.
        local.block_on(&rt, async {
            corium_executor::spawn(async move {
                while !spun.load(Ordering::SeqCst) {
                    task::yield_now().await;
                }
                5
            })
            .await
            .unwrap();
            stop.set(true);
        });
        assert!(spins.get() > 0);
    }
}

#[test]
fn spawn_local_outside_a_local_set_panics_naming_where_it_may_be_called() {
    let err = std::panic::catch_unwind(|| {
        drop(task::spawn_local(async {}));
    })
    .unwrap_err();
    let msg = panic_message(&*err);
    assert!(msg.contains("outside of a `task::LocalSet`"), "{msg}");
    assert!(msg.contains("run_until"), "{msg}");
    // Inside a runtime but not a set: still refused.
    let rt = rt_common::current_thread();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { drop(task::spawn_local(async {})) })
    }))
    .unwrap_err();
    assert!(panic_message(&*err).contains("LocalSet"));
}
