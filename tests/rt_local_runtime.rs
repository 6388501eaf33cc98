//! `Builder::build_local` / `LocalRuntime`: `spawn_local` works anywhere on the runtime.

mod rt_common;

use corium_executor::runtime::{Builder, LocalOptions, LocalRuntime};
use corium_executor::task;
use rt_common::{watchdog, DropCounter};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Poll, Waker};

fn local_rt() -> LocalRuntime {
    Builder::new_current_thread()
        .enable_all()
        .build_local(LocalOptions::default())
        .expect("build a local runtime")
}

#[test]
fn spawn_local_works_in_block_on_in_send_tasks_and_in_enter() {
    watchdog(|| {
        let rt = local_rt();
        let hits = Rc::new(Cell::new(0));
        // Through the runtime itself, before any block_on.
        let h = hits.clone();
        let first = rt.spawn_local(async move { h.set(h.get() + 1) });
        // In an enter guard.
        let entered = {
            let _guard = rt.enter();
            let h = hits.clone();
            task::spawn_local(async move { h.set(h.get() + 1) })
        };
        let h = hits.clone();
        rt.block_on(async move {
            first.await.unwrap();
            entered.await.unwrap();
            // In block_on.
            let h2 = h.clone();
            task::spawn_local(async move { h2.set(h2.get() + 1) })
                .await
                .unwrap();
            // In a `Send` task of the same runtime: its own `!Send` child.
            let (tx, rx) = mpsc::channel();
            corium_executor::spawn(async move {
                let child = task::spawn_local(async { Rc::new(3) });
                drop(child);
                tx.send(()).unwrap();
            })
            .await
            .unwrap();
            rx.recv().unwrap();
        });
        assert_eq!(hits.get(), 3);
    });
}

#[test]
fn build_local_refuses_a_multi_thread_builder() {
    let err = Builder::new_multi_thread()
        .build_local(LocalOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("new_current_thread"), "{err}");
}

#[test]
fn dropping_the_runtime_drops_its_local_tasks() {
    watchdog(|| {
        let rt = local_rt();
        let counter = DropCounter::default();
        for _ in 0..4 {
            let guard = counter.guard();
            rt.spawn_local(async move {
                let _guard = guard;
                let _not_send = Rc::new(());
                std::future::pending::<()>().await
            });
        }
        rt.block_on(task::yield_now());
        assert_eq!(counter.count(), 0);
        drop(rt);
        assert_eq!(counter.count(), 4);
    });
}

#[test]
fn a_local_task_woken_from_another_thread_completes() {
    watchdog(|| {
        let rt = local_rt();
        let (tx, rx) = mpsc::channel::<Waker>();
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = flag.clone();
        let not_send = Rc::new(1);
        let task = rt.spawn_local(std::future::poll_fn(move |cx| {
            if seen.load(std::sync::atomic::Ordering::SeqCst) {
                return Poll::Ready(*not_send);
            }
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        }));
        let other = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            waker.wake();
        });
        assert_eq!(rt.block_on(task).unwrap(), 1);
        other.join().unwrap();
    });
}

#[test]
fn send_tasks_spawned_from_other_threads_run_on_the_local_runtime() {
    watchdog(|| {
        let rt = local_rt();
        let handle = rt.handle().clone();
        let out = rt.block_on(async move {
            let remote = std::thread::spawn(move || handle.spawn(async { 40 }))
                .join()
                .unwrap();
            remote.await.unwrap() + rt_blocking().await
        });
        assert_eq!(out, 42);
    });
}

async fn rt_blocking() -> i32 {
    task::spawn_blocking(|| 2).await.unwrap()
}

#[test]
fn shutdown_timeout_drops_local_tasks_first() {
    watchdog(|| {
        let rt = local_rt();
        let counter = DropCounter::default();
        let guard = counter.guard();
        rt.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        rt.shutdown_timeout(std::time::Duration::from_secs(5));
        assert_eq!(counter.count(), 1);
    });
}
