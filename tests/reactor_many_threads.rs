//! Behaviour: sources registered, awaited and dropped from many threads while the driver turns
//! on another are all delivered and all freed.

mod reactor_common;

use std::future::Future;
use std::io::Write;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use corium_reactor::{Config, Driver, Interest, PollEvented};
use reactor_common::{pair, DEADLINE};

const THREADS: usize = 4;
const PER_THREAD: usize = 500;

struct Unpark(Thread);
impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` on this thread, parking while pending: the driver runs elsewhere.
#[track_caller]
fn park_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let start = Instant::now();
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "readiness not delivered before the deadline"
        );
        thread::park_timeout(Duration::from_millis(100));
    }
}

#[test]
fn register_wait_and_drop_from_many_threads() {
    let driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();
    let stop = Arc::new(AtomicBool::new(false));
    let turner = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut driver = driver;
            let start = Instant::now();
            while !stop.load(Ordering::Acquire) {
                assert!(start.elapsed() < DEADLINE * 6, "workers did not finish");
                driver.turn(Some(Duration::from_millis(100))).unwrap();
            }
            driver
        })
    };

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let handle = handle.clone();
            thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let (sock, mut peer) = pair();
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    let io =
                        PollEvented::new_with_interest_and_handle(sock, interest, handle.clone())
                            .unwrap_or_else(|e| panic!("thread {t} registration {i}: {e}"));
                    if i % 5 == 0 {
                        // Wait for readiness delivered by the driver thread.
                        peer.write_all(b"x").unwrap();
                        let ev = park_on(io.registration().readiness(Interest::READABLE)).unwrap();
                        assert!(ev.ready().is_readable());
                    }
                    drop(io);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Release);
    handle.unpark();
    let mut driver = turner.join().unwrap();

    // Releases queued since the driver's last turn are freed by the next one.
    driver.turn(Some(Duration::ZERO)).unwrap();
    let m = handle.metrics();
    assert_eq!(m.registered_fds, 0, "every slot must be freed: {m:?}");
    assert!(m.events >= (THREADS * PER_THREAD / 5) as u64, "{m:?}");
}
