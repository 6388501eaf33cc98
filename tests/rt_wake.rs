//! Wake-ups from everywhere, and fairness between tasks, on both flavours.

mod rt_common;

use corium_executor::runtime::Builder;
use corium_executor::task;
use rt_common::Signal;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

both_flavors! {
    fn wake_from_another_task(rt) {
        let signal = Signal::default();
        let s = signal.clone();
        let waiter = rt.spawn(async move {
            s.wait().await;
            "woken"
        });
        let out = rt.block_on(async move {
            let setter = corium_executor::spawn(async move {
                task::yield_now().await;
                signal.set();
            });
            setter.await.unwrap();
            waiter.await.unwrap()
        });
        assert_eq!(out, "woken");
    }
}

both_flavors! {
    fn wake_from_a_foreign_std_thread(rt) {
        for round in 0..50 {
            let signal = Signal::default();
            let s = signal.clone();
            let waiter = rt.spawn(async move {
                s.wait().await;
                round
            });
            let setter = std::thread::spawn(move || signal.set());
            assert_eq!(rt.block_on(waiter).unwrap(), round);
            setter.join().unwrap();
        }
    }
}

both_flavors! {
    fn the_block_on_future_is_woken_from_a_foreign_thread(rt) {
        let signal = Signal::default();
        let s = signal.clone();
        let setter = std::thread::spawn(move || s.set());
        rt.block_on(signal.wait());
        setter.join().unwrap();
    }
}

#[test]
fn yield_now_lets_every_other_task_run() {
    rt_common::watchdog(|| {
        for (name, rt) in rt_common::single_threaded_flavours() {
            const TASKS: usize = 4;
            const ROUNDS: usize = 50;
            let log = Arc::new(Mutex::new(Vec::new()));
            let l = log.clone();
            // Spawned from inside a task, so on a worker they all share its local queue.
            rt.block_on(rt.spawn(async move {
                let hs: Vec<_> = (0..TASKS)
                    .map(|t| {
                        let log = l.clone();
                        corium_executor::spawn(async move {
                            for _ in 0..ROUNDS {
                                log.lock().unwrap().push(t);
                                task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }))
            .unwrap();
            let log = log.lock().unwrap();
            assert_eq!(log.len(), TASKS * ROUNDS);
            // Between two consecutive entries of one task, every other task ran once.
            for t in 0..TASKS {
                let positions: Vec<_> = log
                    .iter()
                    .enumerate()
                    .filter(|(_, &x)| x == t)
                    .map(|(i, _)| i)
                    .collect();
                for pair in positions.windows(2) {
                    let between = &log[pair[0] + 1..pair[1]];
                    assert!(
                        between.len() >= TASKS - 1,
                        "{name}: task {t} ran twice in a row without the others: {between:?}"
                    );
                }
            }
        }
    });
}

/// Two tasks that hand a token back and forth, each waking the other (on a worker, the woken
/// one lands in the LIFO slot).
#[derive(Default)]
struct PingPong {
    state: Mutex<(usize, [Option<Waker>; 2])>,
    exchanges: AtomicUsize,
    stop: AtomicBool,
}

impl PingPong {
    async fn player(self: Arc<Self>, me: usize) {
        loop {
            let proceed = poll_fn(|cx| {
                let mut s = self.state.lock().unwrap();
                if self.stop.load(SeqCst) {
                    return Poll::Ready(false);
                }
                if s.0 == me {
                    Poll::Ready(true)
                } else {
                    s.1[me] = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            if !proceed {
                return;
            }
            let other = {
                let mut s = self.state.lock().unwrap();
                s.0 = 1 - me;
                s.1[1 - me].take()
            };
            let limit_reached = self.exchanges.fetch_add(1, SeqCst) >= 100_000;
            if limit_reached {
                self.finish();
            }
            if let Some(w) = other {
                w.wake();
            }
            if limit_reached {
                return;
            }
        }
    }

    fn finish(&self) {
        self.stop.store(true, SeqCst);
        let wakers = std::mem::take(&mut self.state.lock().unwrap().1);
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }
}

#[test]
fn a_lifo_ping_pong_does_not_starve_a_third_task() {
    rt_common::watchdog(|| {
        for (name, rt) in rt_common::single_threaded_flavours() {
            let game = Arc::new(PingPong::default());
            let exchanges_when_third_ran = rt.block_on(async {
                let game2 = game.clone();
                // Start everything from inside one task so all three share the worker's queues.
                corium_executor::spawn(async move {
                    let a = corium_executor::spawn(game2.clone().player(0));
                    let b = corium_executor::spawn(game2.clone().player(1));
                    let g = game2.clone();
                    let third = corium_executor::spawn(async move {
                        task::yield_now().await;
                        let seen = g.exchanges.load(SeqCst);
                        g.finish();
                        seen
                    });
                    let seen = third.await.unwrap();
                    a.await.unwrap();
                    b.await.unwrap();
                    seen
                })
                .await
                .unwrap()
            });
            assert!(
                exchanges_when_third_ran < 1_000,
                "{name}: the third task waited for {exchanges_when_third_ran} ping-pong exchanges"
            );
        }
    });
}

#[test]
fn lifo_slot_is_used_on_workers() {
    rt_common::watchdog(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let game = Arc::new(PingPong::default());
        let g = game.clone();
        rt.block_on(async move {
            corium_executor::spawn(async move {
                let a = corium_executor::spawn(g.clone().player(0));
                let b = corium_executor::spawn(g.clone().player(1));
                while g.exchanges.load(SeqCst) < 1_000 {
                    task::yield_now().await;
                }
                g.finish();
                a.await.unwrap();
                b.await.unwrap();
            })
            .await
            .unwrap()
        });
        assert!(
            rt.metrics().worker_lifo_hits(0) > 100,
            "hits: {}",
            rt.metrics().worker_lifo_hits(0)
        );
    });
}
