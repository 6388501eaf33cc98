//! `interval` end to end through a reactor `Driver`.
//!
//! Missed ticks are produced without waiting: an interval whose start lies 35 ms in the past
//! has already missed several ticks when first polled. Assertions bound the outcome between
//! instants read before and after each tick, never by an upper bound on elapsed time.

mod time_support;

use std::task::{Context, Poll, Waker};
use std::time::Duration;

use corium_reactor::time::{interval, interval_at, Instant, Interval, MissedTickBehavior};
use corium_reactor::Driver;
use time_support::{block_on, driver};

const MS: Duration = Duration::from_millis(1);
const PERIOD: Duration = Duration::from_millis(10);

/// The next tick, with the instants just before and just after it was returned.
fn tick(driver: &mut Driver, i: &mut Interval) -> (Instant, Instant, Instant) {
    let before = Instant::now();
    let at = block_on(driver, i.tick());
    (before, at, Instant::now())
}

/// An interval that has missed the ticks at +10, +20 and +30 ms of its start.
fn late_interval(behavior: MissedTickBehavior) -> (Interval, Instant) {
    let start = Instant::now() - 35 * MS;
    let mut i = interval_at(start, PERIOD);
    i.set_missed_tick_behavior(behavior);
    (i, start)
}

#[test]
fn ticks_follow_the_schedule() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let start = Instant::now();
    let mut i = interval(5 * MS);
    assert_eq!(i.period(), 5 * MS);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(tick(&mut driver, &mut i).1);
    }
    for (k, at) in seen.iter().enumerate() {
        assert_eq!(
            *at - seen[0],
            5 * MS * k as u32,
            "tick {k} off the schedule"
        );
    }
    assert!(seen[0] >= start);
    assert!(Instant::now() >= seen[3], "a tick came before its time");
}

#[test]
fn burst_returns_every_missed_tick_then_keeps_the_schedule() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let (mut i, start) = late_interval(MissedTickBehavior::Burst);
    let ticks: Vec<Instant> = (0..5).map(|_| tick(&mut driver, &mut i).1).collect();
    let want: Vec<Instant> = (0..5).map(|k| start + PERIOD * k).collect();
    assert_eq!(ticks, want);
    assert!(Instant::now() >= start + 40 * MS);
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let (mut i, start) = late_interval(MissedTickBehavior::Delay);
    let (before, first, after) = tick(&mut driver, &mut i);
    assert_eq!(first, start, "the late tick itself is returned");
    let (_, second, returned) = tick(&mut driver, &mut i);
    // One period after the moment the late tick was handed out.
    assert!(
        second >= before + PERIOD && second <= after + PERIOD,
        "{second:?}"
    );
    assert!(returned >= second);
    let (_, third, _) = tick(&mut driver, &mut i);
    assert!(third - second >= PERIOD, "ticks closer than a period");
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_phase() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let (mut i, start) = late_interval(MissedTickBehavior::Skip);
    let (_, first, after) = tick(&mut driver, &mut i);
    assert_eq!(first, start);
    let (_, second, returned) = tick(&mut driver, &mut i);
    let offset = second - start;
    assert_eq!(
        offset.as_nanos() % PERIOD.as_nanos(),
        0,
        "off the grid: {offset:?}"
    );
    assert!(
        second >= start + 40 * MS,
        "a missed tick was not skipped: {offset:?}"
    );
    assert!(second <= after + PERIOD, "skipped too far: {offset:?}");
    assert!(returned >= second);
}

#[test]
fn reset_starts_over_one_period_from_now() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let mut i = interval(PERIOD);
    tick(&mut driver, &mut i); // the immediate first tick
    let before = Instant::now();
    i.reset();
    let (_, at, returned) = tick(&mut driver, &mut i);
    assert!(at >= before + PERIOD);
    assert!(returned >= at);
    i.reset_immediately();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(i.poll_tick(&mut cx), Poll::Ready(_)));
    i.reset_after(3_600 * 1_000 * MS);
    assert!(i.poll_tick(&mut cx).is_pending());
}
