//! A `Waker` whose `wake` panics, woken by the timer or by the I/O driver, costs neither a
//! worker thread nor the runtime: the panic is contained, reported (stderr and
//! `corium_reactor::waker_panic_count`), and the runtime keeps serving timers and I/O (edge 8).

mod rt_common;

use corium_reactor::time::sleep;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

/// Panics when woken, after noting that it was.
#[derive(Default)]
struct PanickingWaker(AtomicBool);

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
        panic!("this waker panics on purpose");
    }
}

impl PanickingWaker {
    /// Waits (bounded by the watchdog) until the reactor has called this waker.
    async fn called(&self) {
        while !self.0.load(SeqCst) {
            sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Polls `fut` once with `waker` (so the reactor stores that waker), then keeps it alive
/// without polling it again: the reactor will call the waker later. `false` if `fut` was
/// already done (a sleep whose deadline passed before its first poll, on a loaded machine).
async fn poll_with<F: Future>(fut: F, waker: &Arc<PanickingWaker>) -> bool {
    let mut fut = Box::pin(fut);
    let waker = Waker::from(waker.clone());
    let pending = fut
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending();
    // Kept alive, so the timer / registration still holds the waker when it fires.
    std::mem::forget(fut);
    pending
}

/// After a contained waker panic, the runtime still runs tasks on every worker and fires
/// timers.
fn runtime_still_works(rt: &corium_executor::runtime::Runtime) {
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                corium_executor::spawn(async move {
                    sleep(Duration::from_millis(5)).await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.unwrap();
        }
        assert_eq!(sum, 28);
    });
}

both_flavors! {
    fn a_timer_waker_that_panics_is_contained(rt) {
        let before = corium_reactor::waker_panic_count();
        let waker = loop {
            let waker = Arc::new(PanickingWaker::default());
            if rt.block_on(poll_with(sleep(Duration::from_millis(10)), &waker)) {
                break waker;
            }
        };
        // The timer fires: the driver calls the panicking waker.
        rt.block_on(waker.called());
        runtime_still_works(&rt);
        assert!(corium_reactor::waker_panic_count() > before, "the panic was not reported");
    }
}

both_flavors! {
    fn an_io_waker_that_panics_is_contained(rt) {
        let before = corium_reactor::waker_panic_count();
        let (io, mut peer) = {
            let _guard = rt.enter();
            rt_common::io::registered_pair().expect("socket pair")
        };
        let io = Arc::new(io);
        let reader = io.clone();
        let waker = Arc::new(PanickingWaker::default());
        let read = async move {
            let mut buf = [0u8; 8];
            let _ = rt_common::io::read(&reader, &mut buf).await;
        };
        assert!(rt.block_on(poll_with(read, &waker)), "nothing to read yet");
        // Readable: the driver wakes the panicking waker.
        peer.write_all(b"x").unwrap();
        rt.block_on(waker.called());
        runtime_still_works(&rt);
        // The registration itself still works.
        peer.write_all(b"y").unwrap();
        let mut buf = [0u8; 8];
        let n = rt.block_on(async { rt_common::io::read(&io, &mut buf).await }).unwrap();
        assert!(n >= 1);
        assert!(corium_reactor::waker_panic_count() > before, "the panic was not reported");
    }
}
