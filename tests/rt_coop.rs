//! The cooperative budget: a task whose socket is always ready still yields, so a timer and
//! another task on the same worker get their turn.

mod rt_common;

use corium_executor::task;
use rt_common::io::{read, registered_pair};
use rt_common::Signal;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// Without a budget the reader would stop by itself only after this many reads.
const READ_LIMIT: u64 = 2_000_000;

#[test]
fn an_always_ready_socket_does_not_starve_a_timer_or_another_task() {
    rt_common::watchdog(|| {
        for (name, rt) in rt_common::single_threaded_flavours() {
            let stop = Arc::new(AtomicBool::new(false));
            let reads = Arc::new(AtomicU64::new(0));
            let reading = Signal::default();
            let (reader, writer) = {
                let _guard = rt.enter();
                registered_pair().expect("socket pair")
            };
            // The peer writes far faster than the reader's one-byte reads drain it, so every
            // read finds data: the reader never sees WouldBlock, never returns Pending by itself.
            let writer_stop = stop.clone();
            let peer = std::thread::spawn(move || {
                let mut writer = writer;
                let chunk = [7u8; 64 * 1024];
                while !writer_stop.load(SeqCst) {
                    if writer.write_all(&chunk).is_err() {
                        break;
                    }
                }
            });
            let (s, r, reading2) = (stop.clone(), reads.clone(), reading.clone());
            let total = rt
                .block_on(rt.spawn(async move {
                    let reader_task = corium_executor::spawn(async move {
                        let mut buf = [0u8; 1];
                        while !s.load(SeqCst) && r.load(SeqCst) < READ_LIMIT {
                            read(&reader, &mut buf).await.expect("read");
                            if r.fetch_add(1, SeqCst) == 10 {
                                reading2.set();
                            }
                        }
                        // Dropping the socket here makes the peer's next write fail: it stops.
                        r.load(SeqCst)
                    });
                    // Both wait until the reader is in its loop, then compete with it for the
                    // only worker.
                    let r1 = reading.clone();
                    let timer = corium_executor::spawn(async move {
                        r1.wait().await;
                        corium_reactor::time::sleep(Duration::from_millis(20)).await;
                    });
                    let r2 = reading.clone();
                    let other = corium_executor::spawn(async move {
                        r2.wait().await;
                        task::yield_now().await;
                    });
                    other.await.unwrap();
                    timer.await.unwrap();
                    stop.store(true, SeqCst);
                    reader_task.await.unwrap()
                }))
                .unwrap();
            let forced = rt.metrics().worker_budget_forced_yield_count(0);
            drop(rt);
            peer.join().unwrap();
            assert!(
                total < READ_LIMIT,
                "{name}: the timer and the other task only ran after the reader gave up ({total} reads)"
            );
            assert!(forced > 0, "{name}: the budget forced the reader to yield");
        }
    });
}
