//! Where wakes go: the thread-local fast path must only ever take this runtime's tasks, and
//! wakes during shutdown must neither panic nor leak.

use crate::runtime::{Builder, Runtime};
use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn one_worker(name: &str) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .build()
        .unwrap()
}

/// Runs `f` on its own thread and fails the test if it does not finish within [`LIMIT`].
fn bounded<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(out) => {
            thread.join().unwrap();
            out
        }
        Err(_) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("the test did not finish within {LIMIT:?}"),
        },
    }
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_owned()
}

#[test]
fn a_wake_from_another_runtimes_worker_runs_the_task_on_its_own_runtime() {
    let (woke_on, ran_on) = bounded(|| {
        let a = one_worker("exec-a");
        let b = one_worker("exec-b");
        let (tx, rx) = mpsc::channel::<Waker>();
        let woken = Arc::new(AtomicBool::new(false));
        let seen = woken.clone();
        let task = b.spawn(poll_fn(move |cx| {
            if seen.load(SeqCst) {
                return Poll::Ready(thread_name());
            }
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        }));
        let woke_on = a.block_on(a.spawn(async move {
            let waker = crate::task::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            woken.store(true, SeqCst);
            // On runtime a's worker, whose thread-local core belongs to a: the task must go
            // to b's injector, not into a's queues.
            waker.wake();
            thread_name()
        }));
        (woke_on.unwrap(), b.block_on(task).unwrap())
    });
    assert!(woke_on.starts_with("exec-a"), "woken on {woke_on:?}");
    assert!(ran_on.starts_with("exec-b"), "b's task ran on {ran_on:?}");
}

/// Wakes a task when dropped, and records that the wake returned.
struct WakeOnDrop {
    waker: Option<Waker>,
    woke: Arc<AtomicBool>,
}

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
            self.woke.store(true, SeqCst);
        }
    }
}

#[test]
fn a_wake_from_a_destructor_during_shutdown_neither_panics_nor_leaks() {
    let (woke, leaked) = bounded(|| {
        let rt = one_worker("exec-shutdown");
        let tracker = Arc::new(());
        let (tx, rx) = mpsc::channel::<Waker>();
        let held = tracker.clone();
        drop(rt.spawn(poll_fn(move |cx| {
            let _held = &held;
            let _ = tx.send(cx.waker().clone());
            Poll::<()>::Pending
        })));
        let waker = rx.recv_timeout(LIMIT).unwrap();
        let woke = Arc::new(AtomicBool::new(false));
        let guard = WakeOnDrop {
            waker: Some(waker),
            woke: woke.clone(),
        };
        let (polled_tx, polled_rx) = mpsc::channel::<()>();
        let held = tracker.clone();
        drop(rt.spawn(async move {
            let _guard = guard;
            let _held = held;
            let _ = polled_tx.send(());
            pending::<()>().await
        }));
        polled_rx.recv_timeout(LIMIT).unwrap();
        // The worker cancels both tasks; dropping the second wakes the first from the worker
        // thread while its core is being torn down.
        rt.shutdown_timeout(LIMIT);
        (woke.load(SeqCst), Arc::strong_count(&tracker) - 1)
    });
    assert!(woke, "the wake from the destructor did not return");
    assert_eq!(leaked, 0, "task futures outlived the shutdown");
}

#[test]
fn wakes_on_a_worker_queue_locally_behind_the_lifo_slot() {
    let rt = one_worker("exec-local");
    let (local, injected) = bounded(move || {
        rt.block_on(rt.spawn(async {
            let count = 64;
            let (tx, rx) = mpsc::channel::<Waker>();
            let flags: Vec<_> = (0..count)
                .map(|_| Arc::new(AtomicBool::new(false)))
                .collect();
            let tasks: Vec<_> = flags
                .iter()
                .map(|flag| {
                    let (tx, flag) = (tx.clone(), flag.clone());
                    crate::spawn(poll_fn(move |cx| {
                        if flag.load(SeqCst) {
                            return Poll::Ready(());
                        }
                        tx.send(cx.waker().clone()).unwrap();
                        Poll::Pending
                    }))
                })
                .collect();
            let mut wakers = Vec::new();
            while wakers.len() < count {
                match rx.try_recv() {
                    Ok(waker) => wakers.push(waker),
                    Err(_) => crate::task::yield_now().await,
                }
            }
            // Woken from this worker, in one go: the last into the LIFO slot, every earlier
            // one pushed behind it onto the local queue; none through the injector.
            for (flag, waker) in flags.iter().zip(wakers) {
                flag.store(true, SeqCst);
                waker.wake();
            }
            let m = crate::runtime::Handle::current().metrics();
            let seen = (m.worker_local_queue_depth(0), m.injection_queue_depth());
            for task in tasks {
                task.await.unwrap();
            }
            seen
        }))
        .unwrap()
    });
    assert_eq!(local, 63, "tasks on the local queue after 64 local wakes");
    assert_eq!(injected, 0, "tasks in the injector after 64 local wakes");
}
