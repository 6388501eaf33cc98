//! `sleep` / `sleep_until` / `Sleep` end to end through a reactor `Driver`.

mod time_support;

use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use corium_reactor::time::{sleep, sleep_until, Instant, Interval, Sleep, Timeout};
use corium_reactor::{coop, Config, Driver};
use time_support::{block_on, driver, poll_once, Counter, LIMIT};

#[test]
fn sleep_lasts_at_least_its_duration() {
    let mut driver = driver();
    let start = Instant::now();
    block_on(&mut driver, sleep(Duration::from_millis(20)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(20), "woke early: {took:?}");
    assert!(took < Duration::from_secs(2), "far too late: {took:?}");
}

#[test]
fn one_microsecond_sleep_completes() {
    let mut driver = driver();
    let start = Instant::now();
    let deadline = start + Duration::from_micros(1);
    block_on(&mut driver, sleep_until(deadline));
    assert!(Instant::now() >= deadline);
}

#[test]
fn zero_sleep_is_ready_at_once_even_without_a_reactor() {
    let mut s = sleep(Duration::ZERO);
    assert!(!s.is_elapsed(), "not polled yet");
    assert_eq!(poll_once(&mut s, Waker::noop()), Poll::Ready(()));
    assert!(s.is_elapsed());
    assert_eq!(
        poll_once(&mut s, Waker::noop()),
        Poll::Ready(()),
        "stays ready"
    );
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn pending_sleep_without_a_reactor_panics_on_poll() {
    let mut s = sleep(Duration::from_secs(5));
    let _ = poll_once(&mut s, Waker::noop());
}

#[test]
#[should_panic(expected = "timers are disabled: call Builder::enable_time (or enable_all)")]
fn sleep_on_a_reactor_without_time_panics_on_poll() {
    let driver = Driver::new(Config {
        enable_time: false,
        ..Config::default()
    })
    .unwrap();
    let _guard = driver.handle().enter();
    let mut s = sleep(Duration::from_secs(5));
    let _ = poll_once(&mut s, Waker::noop());
}

#[test]
fn dropped_sleep_never_fires() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let counter = Counter::new();
    let waker = Waker::from(Arc::clone(&counter));
    let mut cancelled = sleep(Duration::from_millis(5));
    assert!(poll_once(&mut cancelled, &waker).is_pending());
    drop(cancelled);
    // Run the driver well past the cancelled deadline.
    block_on(&mut driver, sleep(Duration::from_millis(25)));
    assert_eq!(counter.count(), 0, "a cancelled timer woke its task");
}

#[test]
fn reset_to_earlier_and_to_later() {
    let mut driver = driver();
    let handle = driver.handle();
    let _guard = handle.enter();

    // Earlier: registered for an hour, moved to 10 ms from now.
    let mut s = sleep(Duration::from_secs(3_600));
    assert!(poll_once(&mut s, Waker::noop()).is_pending());
    let start = Instant::now();
    std::pin::Pin::new(&mut s).reset(start + Duration::from_millis(10));
    assert_eq!(s.deadline(), start + Duration::from_millis(10));
    block_on(&mut driver, &mut s);
    assert!(start.elapsed() >= Duration::from_millis(10));
    assert!(start.elapsed() < LIMIT, "the reset did not take effect");

    // Later: registered for 5 ms, moved to 30 ms.
    let mut s = sleep(Duration::from_millis(5));
    assert!(poll_once(&mut s, Waker::noop()).is_pending());
    let start = Instant::now();
    std::pin::Pin::new(&mut s).reset(start + Duration::from_millis(30));
    block_on(&mut driver, &mut s);
    assert!(
        start.elapsed() >= Duration::from_millis(30),
        "fired at the old deadline"
    );

    // After completion: pending again until the new deadline.
    assert!(s.is_elapsed());
    let again = Instant::now() + Duration::from_millis(5);
    std::pin::Pin::new(&mut s).reset(again);
    assert!(!s.is_elapsed());
    block_on(&mut driver, &mut s);
    assert!(Instant::now() >= again);
}

#[test]
fn reset_into_the_past_wakes_the_waiting_task() {
    let driver = driver();
    let _guard = driver.handle().enter();
    let counter = Counter::new();
    let mut s = sleep(Duration::from_secs(3_600));
    assert!(poll_once(&mut s, &Waker::from(Arc::clone(&counter))).is_pending());
    std::pin::Pin::new(&mut s).reset(Instant::now() - Duration::from_millis(1));
    assert_eq!(counter.count(), 1);
    assert_eq!(poll_once(&mut s, Waker::noop()), Poll::Ready(()));
}

#[test]
fn very_long_sleeps_stay_pending_and_cancel_cleanly() {
    let mut driver = driver();
    let _guard = driver.handle().enter();
    let mut days = sleep(Duration::from_secs(3 * 86_400));
    let mut forever = sleep(Duration::MAX);
    assert!(forever.deadline() > Instant::now() + Duration::from_secs(86_400 * 365 * 29));
    for _ in 0..3 {
        assert!(poll_once(&mut days, Waker::noop()).is_pending());
        assert!(poll_once(&mut forever, Waker::noop()).is_pending());
        driver.turn(Some(Duration::ZERO)).unwrap();
    }
    assert!(!days.is_elapsed() && !forever.is_elapsed());
}

#[test]
fn an_earlier_timer_from_another_thread_wakes_a_blocked_driver() {
    let mut driver = driver();
    let handle = driver.handle();
    let (blocking_tx, blocking_rx) = mpsc::channel::<()>();
    let fired = Arc::new(Mutex::new((false, None::<Waker>)));

    let other = {
        let fired = Arc::clone(&fired);
        thread::spawn(move || {
            // Wait until the main thread's future is pending: its driver has no timer and is
            // about to block with no timeout. Only an unpark can cut that wait short.
            blocking_rx.recv().unwrap();
            let _guard = handle.enter();
            let mut s = sleep(Duration::from_millis(15));
            let waker = Waker::from(Counter::new());
            assert!(poll_once(&mut s, &waker).is_pending());
            // Keep the sleep registered until it has fired.
            while !s.is_elapsed() {
                thread::yield_now();
            }
            let mut state = fired.lock().unwrap();
            state.0 = true;
            if let Some(w) = state.1.take() {
                w.wake();
            }
        })
    };

    let start = Instant::now();
    block_on(
        &mut driver,
        std::future::poll_fn(|cx| {
            let mut state = fired.lock().unwrap();
            if state.0 {
                return Poll::Ready(());
            }
            state.1 = Some(cx.waker().clone());
            let _ = blocking_tx.send(());
            Poll::Pending
        }),
    );
    assert!(start.elapsed() >= Duration::from_millis(15));
    other.join().unwrap();
}

#[test]
fn shutdown_completes_pending_sleeps_and_later_ones() {
    let driver = driver();
    let handle = driver.handle();
    let _guard = handle.enter();
    let counter = Counter::new();
    let mut s = sleep(Duration::from_secs(3_600));
    assert!(poll_once(&mut s, &Waker::from(Arc::clone(&counter))).is_pending());
    handle.shutdown();
    assert_eq!(counter.count(), 1, "shutdown must wake the sleeping task");
    assert!(s.is_elapsed());
    assert_eq!(poll_once(&mut s, Waker::noop()), Poll::Ready(()));
    let mut late = sleep(Duration::from_secs(3_600));
    assert_eq!(poll_once(&mut late, Waker::noop()), Poll::Ready(()));
}

#[test]
fn expired_sleeps_spend_coop_budget() {
    let mut sleeps: Vec<Sleep> = (0..coop::BUDGET + 1)
        .map(|_| sleep(Duration::ZERO))
        .collect();
    let ((ready, pending_at), exhausted) = coop::budget(|| {
        let mut ready = 0;
        for (i, s) in sleeps.iter_mut().enumerate() {
            match poll_once(s, Waker::noop()) {
                Poll::Ready(()) => ready += 1,
                Poll::Pending => return (ready, Some(i)),
            }
        }
        (ready, None)
    });
    assert_eq!(ready, coop::BUDGET as usize);
    assert_eq!(pending_at, Some(coop::BUDGET as usize));
    assert!(exhausted);
}

#[test]
fn timer_futures_are_send_sync_and_sleep_is_unpin() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<Sleep>();
    send_sync::<Interval>();
    send_sync::<Timeout<std::future::Ready<()>>>();
    unpin::<Sleep>();
    unpin::<Interval>();
}
