//! Stress (bounded): 8 tasks on a multi-thread runtime hammer one `Mutex`, one `RwLock` and
//! one `Semaphore`; no update is lost and the semaphore's limit always holds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use corium_executor::runtime::Builder;
use corium_sync::{Barrier, Mutex, RwLock, Semaphore};

const TASKS: usize = 8;
const ROUNDS: usize = 2_000;

#[test]
fn eight_tasks_share_locks_and_permits() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mutex = Arc::new(Mutex::new(0usize));
    let rwlock = Arc::new(RwLock::new(0usize));
    let semaphore = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(TASKS));
    let leaders = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (mutex, rwlock, semaphore) = (mutex.clone(), rwlock.clone(), semaphore.clone());
                let (inside, barrier, leaders) = (inside.clone(), barrier.clone(), leaders.clone());
                corium_executor::spawn(async move {
                    for i in 0..ROUNDS {
                        *mutex.lock().await += 1;
                        if i % 4 == 0 {
                            *rwlock.write().await += 1;
                        } else {
                            let seen = *rwlock.read().await;
                            assert!(seen <= TASKS * ROUNDS / 4);
                        }
                        let permit = semaphore.acquire().await.unwrap();
                        assert!(inside.fetch_add(1, Ordering::SeqCst) < 3, "limit broken");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        drop(permit);
                        if i % 500 == 0 && barrier.wait().await.is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*mutex.try_lock().unwrap(), TASKS * ROUNDS);
    assert_eq!(*rwlock.try_read().unwrap(), TASKS * ROUNDS / 4);
    assert_eq!(semaphore.available_permits(), 3);
    assert_eq!(
        leaders.load(Ordering::SeqCst),
        ROUNDS / 500,
        "one leader per barrier round"
    );
}
