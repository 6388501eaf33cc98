//! 8 producers × 1,000,000 messages into one receiver, on both runtime flavours and both
//! channel kinds: nothing lost, nothing duplicated, every producer's messages in order.
//!
//! Each run is bounded in time: it fails (rather than hangs) after 120 s. The count is the
//! same in debug and release builds; the block-list queue keeps a debug run to a few seconds.

use std::time::{Duration, Instant};

use corium::runtime::{Builder, Runtime};
use corium::sync::mpsc;

const PRODUCERS: usize = 8;
const PER_PRODUCER: u32 = 1_000_000;
const LIMIT: Duration = Duration::from_secs(120);

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// Checks one received `(producer, sequence)` pair against what producer sent before.
#[track_caller]
fn check(next: &mut [u32; PRODUCERS], (producer, seq): (usize, u32)) {
    assert_eq!(
        seq, next[producer],
        "producer {producer}: got message {seq}, expected {}",
        next[producer]
    );
    next[producer] += 1;
}

#[track_caller]
fn check_all_arrived(next: &[u32; PRODUCERS], flavour: &str, started: Instant) {
    assert_eq!(next, &[PER_PRODUCER; PRODUCERS], "{flavour}: messages lost");
    eprintln!(
        "{flavour}: {} messages in {:?}",
        PRODUCERS as u32 * PER_PRODUCER,
        started.elapsed()
    );
}

#[test]
fn bounded_8_producers_1m_each() {
    for (flavour, rt) in runtimes() {
        let started = Instant::now();
        let next = rt.block_on(async {
            corium::time::timeout(LIMIT, async {
                let (tx, mut rx) = mpsc::channel::<(usize, u32)>(1024);
                for producer in 0..PRODUCERS {
                    let tx = tx.clone();
                    corium::spawn(async move {
                        for seq in 0..PER_PRODUCER {
                            tx.send((producer, seq)).await.unwrap();
                        }
                    });
                }
                drop(tx);
                let mut next = [0; PRODUCERS];
                let mut batch = Vec::with_capacity(256);
                while rx.recv_many(&mut batch, 256).await > 0 {
                    for message in batch.drain(..) {
                        check(&mut next, message);
                    }
                }
                next
            })
            .await
            .expect("the stress run hung")
        });
        check_all_arrived(&next, flavour, started);
    }
}

#[test]
fn unbounded_8_producers_1m_each() {
    for (flavour, rt) in runtimes() {
        let started = Instant::now();
        let next = rt.block_on(async {
            corium::time::timeout(LIMIT, async {
                let (tx, mut rx) = mpsc::unbounded_channel::<(usize, u32)>();
                for producer in 0..PRODUCERS {
                    let tx = tx.clone();
                    corium::spawn(async move {
                        for seq in 0..PER_PRODUCER {
                            tx.send((producer, seq)).unwrap();
                            if seq % 4096 == 0 {
                                // Let the receiver keep up, so memory stays bounded.
                                corium::task::yield_now().await;
                            }
                        }
                    });
                }
                drop(tx);
                let mut next = [0; PRODUCERS];
                while let Some(message) = rx.recv().await {
                    check(&mut next, message);
                }
                next
            })
            .await
            .expect("the stress run hung")
        });
        check_all_arrived(&next, flavour, started);
    }
}
