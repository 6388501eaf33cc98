//! `timeout` end to end through a reactor `Driver`.

mod time_support;

use std::future::{pending, poll_fn, ready};
use std::task::{Poll, Waker};
use std::time::Duration;

use corium_reactor::coop;
use corium_reactor::time::{sleep, timeout, timeout_at, Elapsed, Instant};
use time_support::{block_on, driver, poll_once};

#[test]
fn a_never_ready_future_times_out() {
    let mut driver = driver();
    let start = Instant::now();
    let result = block_on(
        &mut driver,
        timeout(Duration::from_millis(15), pending::<u8>()),
    );
    assert_eq!(result, Err(Elapsed::new()));
    assert!(start.elapsed() >= Duration::from_millis(15));
    assert_eq!(Elapsed::new().to_string(), "deadline has elapsed");
}

#[test]
fn a_ready_future_passes_through() {
    let mut driver = driver();
    assert_eq!(
        block_on(&mut driver, timeout(Duration::from_secs(5), ready(42))),
        Ok(42)
    );
}

#[test]
fn a_future_finishing_before_the_deadline_wins() {
    let mut driver = driver();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(5);
    let result = block_on(
        &mut driver,
        timeout_at(deadline, async {
            sleep(Duration::from_millis(5)).await;
            "done"
        }),
    );
    assert_eq!(result, Ok("done"));
    assert!(start.elapsed() >= Duration::from_millis(5));
}

#[test]
fn timeout_into_inner_gives_the_future_back() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let mut t = timeout(
        Duration::from_secs(5),
        Box::pin(sleep(Duration::from_millis(3))),
    );
    assert!(poll_once(&mut t, Waker::noop()).is_pending());
    assert!(t.deadline() > Instant::now());
    let inner = t.into_inner();
    block_on(&mut driver, inner);
}

#[test]
fn the_deadline_is_seen_even_when_the_inner_future_spends_all_the_budget() {
    // An inner future that burns the task's whole budget and stays pending: the timeout must
    // still notice its (already passed) deadline instead of yielding forever.
    let greedy = poll_fn(|cx| {
        while coop::poll_proceed(cx)
            .map(|unit| unit.made_progress())
            .is_ready()
        {}
        Poll::<()>::Pending
    });
    let mut t = Box::pin(timeout(Duration::ZERO, greedy));
    let (result, exhausted) = coop::budget(|| poll_once(&mut t, Waker::noop()));
    assert!(exhausted);
    assert_eq!(result, Poll::Ready(Err(Elapsed::new())));
}
