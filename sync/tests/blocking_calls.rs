//! `blocking_*` calls: they block a plain thread until the lock is free, and refuse (with a
//! panic that says what to do) on a thread that drives async tasks.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use corium_executor::runtime::{Builder, Runtime};
use corium_sync::{Mutex, RwLock};

#[track_caller]
fn panic_message(result: std::thread::Result<()>) -> String {
    let payload = result.expect_err("the blocking call must panic here");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

#[test]
fn blocking_lock_inside_block_on_panics_with_advice() {
    let rt = Runtime::new().unwrap();
    let mutex = Mutex::new(0);
    let msg = panic_message(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || {
            rt.block_on(async {
                let _guard = mutex.blocking_lock();
            })
        },
    )));
    assert!(msg.contains("Mutex::blocking_lock"), "{msg}");
    assert!(msg.contains(".await"), "{msg}");
    assert!(msg.contains("spawn_blocking"), "{msg}");
}

#[test]
fn blocking_write_inside_a_worker_task_panics() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let lock = Arc::new(RwLock::new(0));
    let task = rt.spawn(async move {
        let _guard = lock.blocking_write();
    });
    let err = rt.block_on(task).unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn blocking_calls_wait_on_a_plain_thread_and_on_the_blocking_pool() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mutex = Arc::new(Mutex::new(0));
    let guard = mutex.clone().try_lock_owned().unwrap();
    // A plain thread blocks until a task releases the lock.
    let waiter = {
        let mutex = mutex.clone();
        thread::spawn(move || {
            *mutex.blocking_lock() += 1;
        })
    };
    rt.spawn(async move {
        corium_reactor::time::sleep(Duration::from_millis(20)).await;
        drop(guard);
    });
    waiter.join().unwrap();
    // The blocking pool may block too.
    let m = mutex.clone();
    let on_pool = rt.spawn_blocking(move || *m.blocking_lock() + 1);
    assert_eq!(rt.block_on(on_pool).unwrap(), 2);
    let lock = RwLock::new(5);
    let read = *lock.blocking_read();
    *lock.blocking_write() += read;
    assert_eq!(*lock.blocking_read(), 10);
}
