//! Wheel tests on a fake clock: `now` is whatever the test passes to `advance`.

use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};

use super::{Expired, Wheel, LEVELS, TICK_NS};

const MS: u64 = TICK_NS;
const SEC: u64 = 1_000 * MS;
const DAY: u64 = 86_400 * SEC;

/// A waker that appends its id to a shared log when woken.
struct Tag {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Tag {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

fn tag(id: u64, log: &Arc<Mutex<Vec<u64>>>) -> Waker {
    Waker::from(Arc::new(Tag {
        id,
        log: Arc::clone(log),
    }))
}

/// Pops and wakes everything due; returns the ids woken, in order.
fn fire(wheel: &mut Wheel, log: &Arc<Mutex<Vec<u64>>>) -> Vec<u64> {
    while let Some(w) = wheel.pop_due() {
        w.expect("every test timer has a waker").wake();
    }
    std::mem::take(&mut *log.lock().unwrap())
}

/// Small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Drives the wheel like the driver does: sleep until `next_wake`, advance, fire. Checks that
/// every timer fires exactly at its deadline (never early, never late) and returns the ids in
/// firing order. `deadline_of(id)` gives the deadline each id was inserted with.
#[track_caller]
fn drive_to_empty(
    wheel: &mut Wheel,
    log: &Arc<Mutex<Vec<u64>>>,
    deadline_of: impl Fn(u64) -> u64,
    max_wakes: usize,
) -> Vec<u64> {
    let mut order = Vec::new();
    for _ in 0..max_wakes {
        let Some(wake) = wheel.next_wake() else {
            return order;
        };
        wheel.advance(wake);
        for id in fire(wheel, log) {
            // `wake` is the minimum pending deadline, or a cascade point before it: anything
            // firing now must be due exactly now.
            assert_eq!(deadline_of(id), wake, "timer {id} fired at the wrong time");
            order.push(id);
        }
    }
    panic!("wheel not empty after {max_wakes} wake-ups");
}

#[test]
fn shuffled_deadlines_fire_in_deadline_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Sub-millisecond deadlines across several levels, inserted in random order.
    let deadlines: Vec<u64> = (0..2_000).map(|_| 1 + rng.next() % (20 * SEC)).collect();
    for (id, &d) in deadlines.iter().enumerate() {
        wheel.insert(d, Some(tag(id as u64, &log))).unwrap();
    }
    let order = drive_to_empty(&mut wheel, &log, |id| deadlines[id as usize], 20_000);
    assert_eq!(order.len(), deadlines.len());
    let fired: Vec<u64> = order.iter().map(|&id| deadlines[id as usize]).collect();
    assert!(
        fired.windows(2).all(|w| w[0] <= w[1]),
        "not in deadline order"
    );
    assert_eq!(
        wheel.len(),
        deadlines.len(),
        "fired entries stay until their owner polls"
    );
}

#[test]
fn hundred_thousand_timers_fire_in_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let mut rng = Rng(42);
    let deadlines: Vec<u64> = (0..100_000).map(|_| 1 + rng.next() % (600 * SEC)).collect();
    for (id, &d) in deadlines.iter().enumerate() {
        wheel.insert(d, Some(tag(id as u64, &log))).unwrap();
    }
    let order = drive_to_empty(&mut wheel, &log, |id| deadlines[id as usize], 200_000);
    let mut sorted = deadlines.clone();
    sorted.sort_unstable();
    let fired: Vec<u64> = order.iter().map(|&id| deadlines[id as usize]).collect();
    assert_eq!(fired, sorted);
}

#[test]
fn coarse_steps_never_fire_early_and_fire_everything_due() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let mut rng = Rng(7);
    let deadlines: Vec<u64> = (0..5_000).map(|_| 1 + rng.next() % (90 * SEC)).collect();
    for (id, &d) in deadlines.iter().enumerate() {
        wheel.insert(d, Some(tag(id as u64, &log))).unwrap();
    }
    // A driver that wakes late by odd amounts: each step must fire exactly the timers with
    // prev < deadline <= now.
    let (mut prev, mut now, mut total) = (0, 0, 0);
    while now < 91 * SEC {
        now += 1 + rng.next() % (700 * MS);
        wheel.advance(now);
        let mut got = fire(&mut wheel, &log);
        let mut want: Vec<u64> = (0..deadlines.len() as u64)
            .filter(|&id| (prev + 1..=now).contains(&deadlines[id as usize]))
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "step ({prev}, {now}]");
        total += got.len();
        prev = now;
    }
    assert_eq!(total, deadlines.len());
    assert_eq!(wheel.next_wake(), None);
}

#[test]
fn cancel_never_fires_and_clears_the_bitmaps() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let near = wheel.insert(5 * MS, Some(tag(1, &log))).unwrap().0;
    let far = wheel.insert(3 * DAY, Some(tag(2, &log))).unwrap().0;
    assert_eq!(wheel.place_of(near).map(|p| p.0), Some(0));
    assert_eq!(wheel.place_of(far).map(|p| p.0), Some(4));
    assert!(wheel.remove(near).is_some(), "the waker comes back");
    assert!(wheel.remove(far).is_some());
    assert_eq!(wheel.occupied, [0; LEVELS], "slot bits must be cleared");
    assert_eq!(wheel.len(), 0);
    assert_eq!(wheel.next_wake(), None);
    wheel.advance(10 * DAY);
    assert!(fire(&mut wheel, &log).is_empty());
    assert!(wheel.remove(near).is_none(), "a cancelled key is dead");
}

#[test]
fn cancel_of_the_earliest_refreshes_the_next_wake() {
    let mut wheel = Wheel::new();
    let a = wheel.insert(5 * MS + 100, None).unwrap().0;
    wheel.insert(5 * MS + 700, None).unwrap();
    assert_eq!(wheel.next_wake(), Some(5 * MS + 100));
    wheel.remove(a);
    assert_eq!(wheel.next_wake(), Some(5 * MS + 700), "stale minimum used");
}

#[test]
fn only_the_due_part_of_the_current_millisecond_fires() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    wheel.insert(5 * MS + 200_000, Some(tag(1, &log))).unwrap();
    wheel.insert(5 * MS + 800_000, Some(tag(2, &log))).unwrap();
    wheel.advance(5 * MS + 199_999);
    assert!(fire(&mut wheel, &log).is_empty(), "fired early");
    wheel.advance(5 * MS + 500_000);
    assert_eq!(fire(&mut wheel, &log), vec![1]);
    assert_eq!(wheel.next_wake(), Some(5 * MS + 800_000));
    wheel.advance(5 * MS + 800_000);
    assert_eq!(fire(&mut wheel, &log), vec![2]);
}

#[test]
fn one_microsecond_timer_wakes_exactly() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    wheel.advance(3 * MS + 400_000);
    let now = 3 * MS + 400_000;
    wheel.insert(now + 1_000, Some(tag(9, &log))).unwrap();
    assert_eq!(wheel.next_wake(), Some(now + 1_000));
    wheel.advance(now + 999);
    assert!(fire(&mut wheel, &log).is_empty());
    wheel.advance(now + 1_000);
    assert_eq!(fire(&mut wheel, &log), vec![9]);
}

#[test]
fn already_due_or_after_shutdown_is_expired() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    wheel.advance(10 * MS);
    assert_eq!(wheel.insert(10 * MS, None).err(), Some(Expired));
    assert_eq!(wheel.insert(9 * MS, None).err(), Some(Expired));
    let (k, _) = wheel.insert(20 * MS, Some(tag(1, &log))).unwrap();
    wheel.insert(2 * DAY, Some(tag(2, &log))).unwrap();
    wheel.shutdown();
    let mut got = fire(&mut wheel, &log);
    got.sort_unstable();
    assert_eq!(got, vec![1, 2], "shutdown fires everything");
    assert!(wheel.has_fired(k));
    assert_eq!(wheel.insert(30 * MS, None).err(), Some(Expired));
    assert_eq!(wheel.occupied, [0; LEVELS]);
}

#[test]
fn reset_later_and_earlier() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let (k, _) = wheel.insert(10 * MS, Some(tag(1, &log))).unwrap();
    // Later: nothing at the old deadline.
    assert_eq!(wheel.reset(k, 2 * SEC).ok(), Some(false));
    wheel.advance(10 * MS);
    assert!(
        fire(&mut wheel, &log).is_empty(),
        "fired at the old deadline"
    );
    // Earlier than the driver's armed wake-up: must ask for an unpark.
    assert_eq!(
        wheel.next_wake(),
        Some(1_984 * MS),
        "level-1 cascade point (slot 31)"
    );
    assert_eq!(wheel.reset(k, 30 * MS).ok(), Some(true));
    assert_eq!(wheel.next_wake(), Some(30 * MS));
    wheel.advance(30 * MS);
    assert_eq!(fire(&mut wheel, &log), vec![1]);
    // A fired entry can be re-armed with the same key; the driver, about to sleep forever,
    // must hear of it.
    assert!(wheel.has_fired(k));
    assert_eq!(wheel.next_wake(), None);
    assert_eq!(wheel.reset(k, 40 * MS).ok(), Some(true));
    assert!(!wheel.has_fired(k));
    // Reset into the past frees the entry and hands back the waker it was last polled with.
    assert_eq!(wheel.poll(k, &tag(3, &log)), Poll::Pending);
    let waker = wheel.reset(k, MS).unwrap_err();
    assert!(waker.is_some());
    assert_eq!(wheel.len(), 0);
}

#[test]
fn insert_earlier_than_the_armed_wake_asks_for_one_unpark() {
    let mut wheel = Wheel::new();
    assert_eq!(wheel.next_wake(), None);
    assert!(
        wheel.insert(50 * MS, None).unwrap().1,
        "first timer: driver sleeps forever"
    );
    assert!(wheel.insert(40 * MS, None).unwrap().1);
    assert!(
        !wheel.insert(45 * MS, None).unwrap().1,
        "not earlier: no unpark"
    );
    assert_eq!(wheel.next_wake(), Some(40 * MS));
    assert!(!wheel.insert(41 * MS, None).unwrap().1);
    assert!(wheel.insert(39 * MS, None).unwrap().1);
}

#[test]
fn poll_stores_the_waker_and_reports_firing_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let (k, _) = wheel.insert(2 * MS, None).unwrap();
    assert_eq!(wheel.poll(k, &tag(5, &log)), Poll::Pending);
    wheel.advance(2 * MS);
    assert_eq!(
        fire(&mut wheel, &log),
        vec![5],
        "the waker given to poll is woken"
    );
    assert_eq!(wheel.poll(k, Waker::noop()), Poll::Ready(()));
    assert_eq!(wheel.len(), 0, "Ready frees the entry");
}

#[test]
fn cascades_level_by_level_to_the_exact_deadline() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    // 3 h 7 min 5.000321 s: filed on level 3, then reaches 2, 1, 0.
    let deadline = (3 * 3_600 + 7 * 60 + 5) * SEC + 321;
    let (k, _) = wheel.insert(deadline, Some(tag(1, &log))).unwrap();
    let mut levels = vec![wheel.place_of(k).unwrap().0];
    let mut wakes = 0;
    loop {
        let wake = wheel.next_wake().unwrap();
        assert!(wake <= deadline, "woke after the deadline");
        wheel.advance(wake);
        wakes += 1;
        if !fire(&mut wheel, &log).is_empty() {
            assert_eq!(wake, deadline);
            break;
        }
        levels.push(wheel.place_of(k).unwrap().0);
        assert!(wakes < 10, "too many wake-ups");
    }
    levels.dedup();
    assert_eq!(levels, vec![3, 2, 1, 0]);
}

#[test]
fn very_long_sleeps_fire_exactly() {
    for days in [1, 3, 45, 400] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut wheel = Wheel::new();
        wheel.advance(17 * MS + 5);
        let deadline = days * DAY + 123_456;
        wheel.insert(deadline, Some(tag(days, &log))).unwrap();
        let order = drive_to_empty(&mut wheel, &log, |_| deadline, 20);
        assert_eq!(order, vec![days]);
    }
}

#[test]
fn beyond_the_wheel_range_waits_in_the_top_level_and_fires_exactly() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    let range = (1u64 << 36) * MS; // 64^6 ms, about 2.2 years
    let deadlines = [range + 5 * DAY + 7, 5 * range + 11, 30 * 365 * DAY + 1];
    for (id, &d) in deadlines.iter().enumerate() {
        let (k, _) = wheel.insert(d, Some(tag(id as u64, &log))).unwrap();
        assert_eq!(wheel.place_of(k).unwrap().0, LEVELS - 1);
    }
    let order = drive_to_empty(&mut wheel, &log, |id| deadlines[id as usize], 2_000);
    assert_eq!(order, vec![0, 1, 2]);
}

#[test]
fn top_level_wraps_into_its_next_rotation_without_delay() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    // One top-level slot is about 12.4 days. Stand in top slot 10, then ask for top slot 3
    // of the next rotation (57 slots ahead): it must be filed there, not in the farthest slot
    // (which would fire it late).
    let top = (1u64 << 30) * MS;
    wheel.advance(10 * top + 5 * MS);
    let deadline = 64 * top + 3 * top + 9;
    let (k, _) = wheel.insert(deadline, Some(tag(1, &log))).unwrap();
    assert_eq!(wheel.place_of(k), Some((LEVELS - 1, 3)));
    let order = drive_to_empty(&mut wheel, &log, |_| deadline, 20);
    assert_eq!(order, vec![1]);
}

#[test]
fn near_the_end_of_time_does_not_overflow() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut wheel = Wheel::new();
    wheel.advance(u64::MAX - 3 * DAY);
    let deadline = u64::MAX - 1;
    wheel.insert(deadline, Some(tag(1, &log))).unwrap();
    let order = drive_to_empty(&mut wheel, &log, |_| deadline, 20);
    assert_eq!(order, vec![1]);
}
