//! `start_paused = true` on `#[corium::test]` and `#[corium::main]`: the runtime's clock starts
//! paused and jumps to the next timer whenever nothing can run, so an hour's sleep takes no
//! wall time; `start_paused = false` keeps the real clock.
//!
//! Each paused test first checks that the clock stands still while the thread really sleeps,
//! so a clock that is not paused fails at once instead of sleeping for an hour.

use std::time::Duration;

use corium::time::{sleep, Instant};

/// Wall-clock bound for a paused hour: generous for a loaded machine, far below the real thing.
const WALL_LIMIT: Duration = Duration::from_secs(30);

/// Fails unless the runtime's clock is frozen: 20 ms of real sleep must not move it.
#[track_caller]
fn assert_clock_paused() {
    let before = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(Instant::now(), before, "the clock is not paused");
}

#[corium::test(start_paused = true)]
async fn a_paused_test_sleeps_an_hour_in_no_time() {
    assert_clock_paused();
    let wall = std::time::Instant::now();
    let start = Instant::now();
    sleep(Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert!(
        wall.elapsed() < WALL_LIMIT,
        "auto-advance did not jump to the timer"
    );
}

#[corium::test(start_paused = false)]
async fn start_paused_false_keeps_the_real_clock() {
    let before = Instant::now();
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        before.elapsed() >= Duration::from_millis(20),
        "the clock stood still"
    );
}

#[corium::main(flavor = "current_thread", start_paused = true)]
async fn paused_main() -> Duration {
    assert_clock_paused();
    let start = Instant::now();
    sleep(Duration::from_secs(86_400)).await;
    start.elapsed()
}

#[test]
fn a_paused_main_sleeps_a_day_in_no_time() {
    let wall = std::time::Instant::now();
    assert!(paused_main() >= Duration::from_secs(86_400));
    assert!(
        wall.elapsed() < WALL_LIMIT,
        "auto-advance did not jump to the timer"
    );
}
