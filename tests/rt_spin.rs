//! Adaptive spinning (`corium_executor::scheduler::spin`): a worker fed by the `block_on`
//! thread, which answers within microseconds, keeps spinning instead of parking, while a
//! runtime with nothing to do parks at once.
//!
//! Its own test binary, and its tests take turns ([`ONE_AT_A_TIME`]): the properties are about
//! thread timing and CPU time, so nothing else of this binary may compete for the cores.

use corium::runtime::{Builder, Runtime};
use corium::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// CPU time this process has used so far (every thread).
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime: {}", std::io::Error::last_os_error());
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

const ROUNDS: u64 = 2_000;

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn parks(rt: &Runtime) -> u64 {
    let m = rt.metrics();
    (0..m.num_workers()).map(|w| m.worker_park_count(w)).sum()
}

#[test]
fn a_ping_pong_with_the_block_on_thread_does_not_park_every_round() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let (ping_tx, mut ping_rx) = mpsc::unbounded_channel::<u64>();
    let (pong_tx, mut pong_rx) = mpsc::unbounded_channel::<u64>();
    rt.spawn(async move {
        while let Some(n) = ping_rx.recv().await {
            pong_tx.send(n).unwrap();
        }
    });
    rt.block_on(async {
        // Warm up: the first sleeps are long (threads starting), so spinning is still off.
        for n in 0..100 {
            ping_tx.send(n).unwrap();
            assert_eq!(pong_rx.recv().await, Some(n));
        }
    });
    let before = parks(&rt);
    rt.block_on(async {
        for n in 0..ROUNDS {
            ping_tx.send(n).unwrap();
            assert_eq!(pong_rx.recv().await, Some(n));
        }
    });
    let parked = parks(&rt) - before;
    // Without spinning the worker parks (and is unparked with a system call) once per round,
    // as the block_on thread does: both sides idle while the other works.
    assert!(
        parked < ROUNDS / 2,
        "the workers parked {parked} times in {ROUNDS} rounds of a ping-pong"
    );
}

#[test]
fn an_idle_runtime_parks_instead_of_spinning() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    // Short waits first, as in a ping-pong, so that spinning is on...
    rt.block_on(async {
        for _ in 0..100 {
            corium::spawn(async {}).await.unwrap();
        }
    });
    // ...then a long idle stretch: each worker may spin once (at most tens of microseconds),
    // then sleeps. The process's CPU time counts every thread, spinning or not.
    let before = process_cpu();
    std::thread::sleep(Duration::from_millis(200));
    let spent = process_cpu() - before;
    assert!(
        spent < Duration::from_millis(20),
        "an idle runtime used {spent:?} of CPU in 200 ms"
    );
}
