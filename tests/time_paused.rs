//! The paused clock: `time::pause`/`resume`/`advance`, `Builder::start_paused`, and
//! auto-advance — deterministic time for tests of time-dependent code.

mod rt_common;

use corium::net::UdpSocket;
use corium::runtime::{Builder, Runtime};
use corium::time::{self, Instant, MissedTickBehavior};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn paused() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn an_hour_long_sleep_ends_at_once_and_exactly_an_hour_later() {
    rt_common::watchdog(|| {
        let real = std::time::Instant::now();
        paused().block_on(async {
            let start = Instant::now();
            time::sleep(HOUR).await;
            assert_eq!(Instant::now() - start, HOUR, "no extra millisecond");
        });
        // Auto-advance jumped: nothing like an hour of real time went by.
        assert!(real.elapsed() < Duration::from_secs(30));
    });
}

#[test]
fn deadlines_keep_their_precision_on_the_paused_clock() {
    paused().block_on(async {
        let start = Instant::now();
        time::sleep_until(start).await;
        assert_eq!(Instant::now(), start, "sleep_until(now) completes at now");
        time::sleep(Duration::from_micros(250)).await;
        assert_eq!(Instant::now() - start, Duration::from_micros(250));
        time::sleep(Duration::from_nanos(1_000_001)).await;
        assert_eq!(
            Instant::now() - start,
            Duration::from_micros(250) + Duration::from_nanos(1_000_001)
        );
    });
}

#[test]
fn advance_fires_timers_in_deadline_order_and_runs_them_before_returning() {
    paused().block_on(async {
        let fired = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        for ms in [30u64, 10, 20] {
            let fired = fired.clone();
            corium::spawn(async move {
                time::sleep(Duration::from_millis(ms)).await;
                fired.lock().unwrap().push((ms, Instant::now() - start));
            });
        }
        // Let the three register their timers.
        corium::task::yield_now().await;
        time::advance(Duration::from_millis(25)).await;
        assert_eq!(
            *fired.lock().unwrap(),
            [
                (10, Duration::from_millis(10)),
                (20, Duration::from_millis(20))
            ],
            "each task ran at its own deadline, before advance returned"
        );
        assert_eq!(Instant::now() - start, Duration::from_millis(25));
        time::advance(Duration::from_millis(10)).await;
        assert_eq!(fired.lock().unwrap().len(), 3);
        assert_eq!(Instant::now() - start, Duration::from_millis(35));
    });
}

#[test]
fn a_timer_set_by_a_task_woken_inside_the_window_fires_too() {
    paused().block_on(async {
        let start = Instant::now();
        let chain = corium::spawn(async move {
            time::sleep(Duration::from_secs(1)).await;
            time::sleep(Duration::from_secs(1)).await;
            Instant::now() - start
        });
        corium::task::yield_now().await;
        time::advance(Duration::from_secs(3)).await;
        assert!(
            chain.is_finished(),
            "the second sleep, set at 1 s, fired at 2 s"
        );
        assert_eq!(chain.await.unwrap(), Duration::from_secs(2));
    });
}

#[test]
fn a_timeout_fires_on_the_paused_clock() {
    paused().block_on(async {
        let start = Instant::now();
        let res = time::timeout(HOUR, std::future::pending::<()>()).await;
        assert!(res.is_err());
        assert_eq!(Instant::now() - start, HOUR);
    });
}

/// Ticks of a one-minute interval over an hour, with a stall of 150 s (an `advance` from the
/// ticking task itself, which misses ticks meanwhile) after the 10th and the 40th tick;
/// returns each tick's time in seconds since the start.
async fn an_hour_of_ticks(behavior: MissedTickBehavior) -> Vec<u64> {
    let start = Instant::now();
    let mut interval = time::interval(Duration::from_secs(60));
    interval.set_missed_tick_behavior(behavior);
    let mut ticks = Vec::new();
    while Instant::now() - start < HOUR {
        let at = interval.tick().await;
        assert_eq!(
            at,
            Instant::now().min(at),
            "a tick is never stamped in the future"
        );
        ticks.push((Instant::now() - start).as_secs());
        if ticks.len() == 10 || ticks.len() == 40 {
            time::advance(Duration::from_secs(150)).await;
        }
    }
    ticks
}

#[test]
fn an_hour_long_interval_obeys_each_missed_tick_behavior_in_milliseconds() {
    rt_common::watchdog(|| {
        let real = std::time::Instant::now();
        let rt = paused();
        // Burst: the missed ticks come at once, then the original schedule resumes.
        let burst = rt.block_on(an_hour_of_ticks(MissedTickBehavior::Burst));
        // Delay: one tick at once, then every 60 s from that late tick.
        let delay = rt.block_on(an_hour_of_ticks(MissedTickBehavior::Delay));
        // Skip: one tick at once, then the next tick on the original 60 s grid.
        let skip = rt.block_on(an_hour_of_ticks(MissedTickBehavior::Skip));
        let grid = |from: u64, to: u64| (from..=to).map(|i| i * 60).collect::<Vec<_>>();

        // The first stall ends at 540 + 150 = 690 s, the second (Burst, on grid) at 2490 s.
        let mut expect = grid(0, 9);
        expect.extend([690, 690]); // the ticks due at 600 and 660, at once
        expect.extend(grid(12, 39));
        expect.extend([2490, 2490]); // due at 2400 and 2460
        expect.extend(grid(42, 60));
        assert_eq!(burst, expect, "Burst");

        // Delay: from the late tick at 690 s every 60 s up to tick 40 at 2430 s; stalled to
        // 2580 s; then every 60 s from there.
        let mut expect = grid(0, 9);
        expect.extend((0..=29).map(|i| 690 + i * 60));
        expect.extend((0..=17).map(|i| 2580 + i * 60));
        assert_eq!(delay, expect, "Delay");

        // Skip: one late tick, then the next point of the grid; tick 40 is at 2400 s.
        let mut expect = grid(0, 9);
        expect.push(690);
        expect.extend(grid(12, 40));
        expect.push(2550);
        expect.extend(grid(43, 60));
        assert_eq!(skip, expect, "Skip");
        assert!(real.elapsed() < Duration::from_secs(30));
    });
}

#[test]
fn auto_advance_does_not_jump_past_ready_io() {
    rt_common::watchdog(|| {
        paused().block_on(async {
            let receiver = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let to = receiver.local_addr().unwrap();
            let receiver = Arc::new(receiver);
            let start = Instant::now();
            // The receive waits in the reactor (registered, nothing readable yet)...
            let r = receiver.clone();
            let recv = corium::spawn(async move {
                let mut buf = [0u8; 8];
                let n = r.recv(&mut buf).await.unwrap();
                buf[..n].to_vec()
            });
            corium::task::yield_now().await;
            // ...then the datagram is queued in the kernel before the runtime goes idle.
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.send_to(b"data", to).unwrap();
            let got = time::timeout(HOUR, recv).await;
            assert_eq!(got.expect("the I/O won, not the timer").unwrap(), b"data");
            assert_eq!(Instant::now(), start, "the clock did not move");
        });
    });
}

#[test]
fn auto_advance_waits_for_blocking_work_in_real_time() {
    rt_common::watchdog(|| {
        paused().block_on(async {
            let start = Instant::now();
            let work = corium::task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20));
                7
            });
            let got = time::timeout(Duration::from_secs(10), work).await;
            assert_eq!(
                got.expect("the clock jumped past the blocking work")
                    .unwrap(),
                7
            );
            assert!(Instant::now() - start < Duration::from_secs(10));
        });
    });
}

#[test]
fn pause_and_resume_from_inside_a_runtime() {
    rt_common::current_thread().block_on(async {
        time::pause();
        let frozen = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(Instant::now(), frozen);
        time::advance(Duration::from_millis(5)).await;
        assert_eq!(Instant::now() - frozen, Duration::from_millis(5));
        time::resume();
        std::thread::sleep(Duration::from_millis(1));
        assert_ne!(Instant::now(), frozen + Duration::from_millis(5));
    });
}

#[test]
fn a_paused_runtime_leaves_other_threads_on_the_real_clock() {
    paused().block_on(async {
        let frozen = Instant::now();
        let elsewhere = std::thread::spawn(|| {
            let a = Instant::now();
            std::thread::sleep(Duration::from_millis(2));
            Instant::now() - a
        })
        .join()
        .unwrap();
        assert!(elsewhere >= Duration::from_millis(2));
        assert_eq!(Instant::now(), frozen);
    });
}

fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("expected a panic");
    rt_common::panic_message(&*err)
}

#[test]
fn misuse_panics_with_the_fix() {
    let msg = panic_of(|| rt_common::multi_thread().block_on(async { time::pause() }));
    assert!(msg.contains("needs a current-thread runtime"), "{msg}");
    let msg = panic_of(|| paused().block_on(async { time::pause() }));
    assert!(msg.contains("already paused"), "{msg}");
    let msg = panic_of(|| rt_common::current_thread().block_on(async { time::resume() }));
    assert!(msg.contains("not paused"), "{msg}");
    let msg = panic_of(|| {
        rt_common::current_thread().block_on(async {
            drop(time::advance(Duration::from_secs(1)));
        })
    });
    assert!(msg.contains("time::pause()"), "{msg}");
    let msg = panic_of(|| time::pause());
    assert!(msg.contains("no reactor running"), "{msg}");
    let msg = panic_of(|| {
        Builder::new_multi_thread().start_paused(true);
    });
    assert!(msg.contains("current-thread"), "{msg}");
    let err = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("enable_time"), "{err}");
}
