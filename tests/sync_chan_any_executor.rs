//! The channels need no corium runtime: a dozen-line `block_on` (park the thread, unpark on
//! wake) drives producers on plain threads and a consumer on this one.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use corium::sync::{mpsc, oneshot, watch};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The whole executor.
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
