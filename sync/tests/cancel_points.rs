//! Every cancel point, dropped in turn: a queue of waiters on each primitive, the `k`-th one
//! dropped while it waits (for every `k`), and the others must still be served, in order,
//! with nothing leaked. Plus the same through `timeout` on a real runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use corium_executor::runtime::Builder;
use corium_reactor::time::timeout;
use corium_sync::{Mutex, Notify, OnceCell, RwLock, Semaphore};

const WAITERS: usize = 5;

type Waiting<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

#[track_caller]
fn poll<T>(fut: &mut Waiting<'_, T>) -> Poll<T> {
    fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

/// For each `k`: takes the resource (`hold`), queues `WAITERS` futures made by `wait` behind
/// it, drops the `k`-th, frees the resource (`free`), then checks that the survivors complete
/// oldest first (each completion passed to `next`, which lets the following one in).
#[track_caller]
fn drop_each_in_turn<'a, H, T>(
    mut hold: impl FnMut() -> H,
    mut wait: impl FnMut() -> Waiting<'a, T>,
    mut free: impl FnMut(H),
    mut next: impl FnMut(T),
) {
    for k in 0..WAITERS {
        let held = hold();
        let mut queue: Vec<Option<Waiting<'a, T>>> = (0..WAITERS).map(|_| Some(wait())).collect();
        for fut in queue.iter_mut().flatten() {
            assert!(
                poll(fut).is_pending(),
                "waiters must queue behind the held resource"
            );
        }
        queue[k] = None;
        free(held);
        for (i, slot) in queue.iter_mut().enumerate() {
            let Some(fut) = slot else { continue };
            let Poll::Ready(out) = poll(fut) else {
                panic!("waiter {i} was not served after waiter {k} was dropped")
            };
            // The ones behind it are still waiting: FIFO.
            next(out);
        }
    }
}

#[test]
fn mutex_lock() {
    let mutex = Mutex::new(0);
    drop_each_in_turn(
        || mutex.try_lock().unwrap(),
        || Box::pin(mutex.lock()),
        drop,
        |mut guard| *guard += 1,
    );
    assert_eq!(*mutex.try_lock().unwrap(), WAITERS * (WAITERS - 1));
}

#[test]
fn semaphore_acquire_many_with_partial_permits() {
    let semaphore = Semaphore::new(3);
    // Each waiter wants 2 of 3 permits: the first in line takes the 1 free permit at once and
    // waits for the other; dropping it must give that permit back.
    drop_each_in_turn(
        || semaphore.try_acquire_many(2).unwrap(),
        || Box::pin(semaphore.acquire_many(2)),
        drop,
        |permit| drop(permit.unwrap()),
    );
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn rwlock_write_behind_a_reader() {
    let lock = RwLock::with_max_readers(0, 4);
    drop_each_in_turn(
        || lock.try_read().unwrap(),
        || Box::pin(lock.write()),
        drop,
        |mut guard| *guard += 1,
    );
    assert!(lock.try_write().is_ok(), "every reader slot came back");
}

#[test]
fn notify_one_per_waiter() {
    let notify = Notify::new();
    // "Freeing" is one notify_one per surviving waiter; a notification given to the dropped
    // one is passed on, so exactly WAITERS - 1 are needed and none is left over.
    let mut notified = 0;
    drop_each_in_turn(
        || (),
        || Box::pin(notify.notified()),
        |()| {
            for _ in 0..WAITERS - 1 {
                notify.notify_one();
            }
        },
        |()| notified += 1,
    );
    assert_eq!(notified, WAITERS * (WAITERS - 1));
    let mut late: Waiting<'_, ()> = Box::pin(notify.notified());
    assert!(poll(&mut late).is_pending(), "no permit was left over");
}

#[test]
fn timeouts_on_a_runtime_give_everything_back() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let short = Duration::from_millis(5);
        let semaphore = Arc::new(Semaphore::new(1));
        let held = semaphore.clone().try_acquire_owned().unwrap();
        assert!(timeout(short, semaphore.acquire_many(3)).await.is_err());
        drop(held);
        assert_eq!(semaphore.available_permits(), 1);

        let mutex = Mutex::new(());
        let guard = mutex.lock().await;
        assert!(timeout(short, mutex.lock()).await.is_err());
        drop(guard);
        assert!(mutex.try_lock().is_ok());

        let cell = OnceCell::new();
        let slow = cell.get_or_init(|| async {
            corium_reactor::time::sleep(Duration::from_secs(60)).await;
            1
        });
        assert!(timeout(short, slow).await.is_err());
        assert_eq!(*cell.get_or_init(|| async { 2 }).await, 2);
    });
}
