//! corium-sync needs no corium runtime: driven by a hand-written `block_on` on plain threads,
//! a contended `Mutex`, a `Semaphore` and a `Notify` ping-pong all complete, and so do bounded
//! mpsc producers, a oneshot and a watch.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use corium_sync::{mpsc, oneshot, watch, Mutex, Notify, Semaphore};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The smallest executor there is: poll, park until woken, poll again.
fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

#[test]
fn contended_mutex_and_semaphore_under_a_trivial_executor() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 2_000;
    let mutex = Arc::new(Mutex::new(0usize));
    let semaphore = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (mutex, semaphore, inside) = (mutex.clone(), semaphore.clone(), inside.clone());
            thread::spawn(move || {
                block_on(async {
                    for _ in 0..ROUNDS {
                        *mutex.lock().await += 1;
                        let _permit = semaphore.acquire().await.unwrap();
                        assert!(inside.fetch_add(1, Ordering::SeqCst) < 2, "over the limit");
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*block_on(mutex.lock()), THREADS * ROUNDS);
    assert_eq!(semaphore.available_permits(), 2);
}

#[test]
fn notify_ping_pong_between_threads() {
    const ROUNDS: usize = 2_000;
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let other = {
        let (ping, pong) = (ping.clone(), pong.clone());
        thread::spawn(move || {
            block_on(async {
                for _ in 0..ROUNDS {
                    ping.notified().await;
                    pong.notify_one();
                }
            })
        })
    };
    block_on(async {
        for _ in 0..ROUNDS {
            ping.notify_one();
            pong.notified().await;
        }
    });
    other.join().unwrap();
}

#[test]
fn bounded_mpsc_oneshot_and_watch_under_a_hand_written_block_on() {
    let (tx, mut rx) = mpsc::channel::<(usize, usize)>(8);
    let (done_tx, done_rx) = oneshot::channel();
    let (cfg_tx, mut cfg_rx) = watch::channel(0);
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                block_on(async {
                    for i in 0..2_000 {
                        tx.send((p, i)).await.unwrap();
                    }
                })
            })
        })
        .collect();
    drop(tx);
    let watcher = thread::spawn(move || {
        block_on(async {
            cfg_rx.wait_for(|v| *v == 3).await.unwrap();
            done_tx.send("saw 3").unwrap();
        })
    });
    let mut next = [0; 3];
    block_on(async {
        while let Some((p, i)) = rx.recv().await {
            assert_eq!(i, next[p]);
            next[p] += 1;
        }
    });
    assert_eq!(next, [2_000; 3]);
    for v in 1..=3 {
        cfg_tx.send(v).unwrap();
    }
    assert_eq!(block_on(done_rx), Ok("saw 3"));
    for p in producers {
        p.join().unwrap();
    }
    watcher.join().unwrap();
}
