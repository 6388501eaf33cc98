use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Wake};

use super::word::tick;
use super::*;

fn event_of(io: &ScheduledIo, mask: Ready) -> ReadyEvent {
    io.ready_event(mask).unwrap().expect("readiness expected")
}

#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, atomic::Ordering::SeqCst);
    }
}

fn counting() -> (Arc<CountWaker>, Waker) {
    let count = Arc::new(CountWaker::default());
    (count.clone(), Waker::from(count))
}

fn wakes(count: &CountWaker) -> usize {
    count.0.load(atomic::Ordering::SeqCst)
}

fn poll(io: &ScheduledIo, waker: &Waker, direction: Direction) -> Poll<io::Result<ReadyEvent>> {
    io.poll_readiness(&mut Context::from_waker(waker), direction)
}

#[test]
fn deliver_bumps_only_the_named_direction() {
    let io = ScheduledIo::new(0);
    io.deliver(Ready::READABLE);
    assert_eq!(tick(io.word(), Direction::Read), 1);
    assert_eq!(tick(io.word(), Direction::Write), 0);
    io.deliver(Ready::WRITABLE);
    assert_eq!(tick(io.word(), Direction::Read), 1);
    assert_eq!(tick(io.word(), Direction::Write), 1);
    // ERROR belongs to both directions.
    io.deliver(Ready::ERROR);
    assert_eq!(tick(io.word(), Direction::Read), 2);
    assert_eq!(tick(io.word(), Direction::Write), 2);
}

#[test]
fn an_error_wakes_the_reader_and_either_side_clears_it() {
    let io = ScheduledIo::new(0);
    let (count, w) = counting();
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert_eq!(io.deliver(Ready::ERROR), 1);
    assert_eq!(wakes(&count), 1);
    let seen = match poll(&io, &w, Direction::Read) {
        Poll::Ready(event) => event.unwrap(),
        Poll::Pending => panic!("an ERROR must make the read side ready"),
    };
    assert_eq!(seen.ready(), Ready::ERROR);
    // The writer sees it too, until a read-side clear (after WouldBlock) removes it.
    assert!(io.ready_event(Ready::WRITE_DIRECTION).unwrap().is_some());
    io.clear_readiness(seen);
    assert!(io.ready_event(Ready::ALL).unwrap().is_none());
    // A newer ERROR defeats a write-side clear of the older one.
    io.deliver(Ready::WRITABLE | Ready::ERROR);
    let old = event_of(&io, Ready::WRITE_DIRECTION);
    io.deliver(Ready::ERROR);
    io.clear_readiness(old);
    assert_eq!(
        event_of(&io, Ready::ALL).ready(),
        Ready::WRITABLE | Ready::ERROR
    );
}

#[test]
fn ticks_wrap_without_touching_neighbours() {
    let io = ScheduledIo::new(0);
    // Both ticks at their last value (as after 65,535 events of each direction).
    io.readiness
        .store((0xFFFF << 16) | (0xFFFF << 48), Ordering::Release);
    io.deliver(Ready::READABLE);
    // The read tick went round to 0; its carry touched neither the write tick nor any bit.
    assert_eq!(tick(io.word(), Direction::Read), 0);
    assert_eq!(tick(io.word(), Direction::Write), 0xFFFF);
    assert_eq!(
        io.word() & !(0xFFFF << 48),
        u64::from(Ready::READABLE.as_bits())
    );
    io.deliver(Ready::WRITABLE);
    // The write tick's carry falls off the top of the word.
    assert_eq!(tick(io.word(), Direction::Read), 0);
    assert_eq!(tick(io.word(), Direction::Write), 0);
    assert_eq!(word::flags(io.word()), Ready::READABLE | Ready::WRITABLE);
    assert_eq!(io.word() >> 6, 0, "no bit above the flags is set");
}

#[test]
fn clear_is_refused_after_a_newer_event_of_the_same_direction() {
    let io = ScheduledIo::new(0);
    io.deliver(Ready::READABLE);
    let seen = event_of(&io, Ready::READ_DIRECTION);
    io.deliver(Ready::READABLE);
    io.clear_readiness(seen);
    assert!(io.ready_event(Ready::READ_DIRECTION).unwrap().is_some());
    // A fresh observation clears.
    io.clear_readiness(event_of(&io, Ready::READ_DIRECTION));
    assert!(io.ready_event(Ready::READ_DIRECTION).unwrap().is_none());
}

#[test]
fn closed_flags_are_sticky() {
    let io = ScheduledIo::new(0);
    io.deliver(Ready::READABLE | Ready::READ_CLOSED);
    io.clear_readiness(event_of(&io, Ready::ALL));
    assert_eq!(event_of(&io, Ready::ALL).ready(), Ready::READ_CLOSED);
}

#[test]
fn alignment_matches_the_cache_line_pair() {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    assert_eq!(std::mem::align_of::<ScheduledIo>(), 128);
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    assert_eq!(std::mem::align_of::<ScheduledIo>(), 64);
}

/// A waker whose clones and drops are counted (`Waker::from(Arc<_>)` cannot count clones).
struct Counted {
    clones: AtomicUsize,
    drops: AtomicUsize,
    wakes: AtomicUsize,
}

static COUNTED_VTABLE: RawWakerVTable = RawWakerVTable::new(
    counted_clone,
    counted_wake,
    counted_wake_by_ref,
    counted_drop,
);

fn counted(p: *const ()) -> &'static Counted {
    // SAFETY: every waker with this vtable was made by `counted_waker` from the `'static`
    // `COUNTED`.
    unsafe { &*p.cast::<Counted>() }
}

fn counted_clone(p: *const ()) -> RawWaker {
    counted(p).clones.fetch_add(1, atomic::Ordering::SeqCst);
    RawWaker::new(p, &COUNTED_VTABLE)
}

fn counted_wake(p: *const ()) {
    counted_wake_by_ref(p);
    counted_drop(p);
}

fn counted_wake_by_ref(p: *const ()) {
    counted(p).wakes.fetch_add(1, atomic::Ordering::SeqCst);
}

fn counted_drop(p: *const ()) {
    counted(p).drops.fetch_add(1, atomic::Ordering::SeqCst);
}

/// The one `Counted` (a static, so the waker's pointer is `'static` and nothing leaks; only
/// one test uses it).
static COUNTED: Counted = Counted {
    clones: AtomicUsize::new(0),
    drops: AtomicUsize::new(0),
    wakes: AtomicUsize::new(0),
};

fn counted_waker() -> (&'static Counted, Waker) {
    let c: &'static Counted = &COUNTED;
    let raw = RawWaker::new(std::ptr::from_ref(c).cast(), &COUNTED_VTABLE);
    // SAFETY: the vtable's functions follow `RawWaker`'s contract for a `'static` pointer
    // (clone returns the same pointer, wake/drop only count).
    (c, unsafe { Waker::from_raw(raw) })
}

#[test]
fn a_woken_waker_stays_in_its_slot_and_is_not_cloned_again() {
    let io = ScheduledIo::new(0);
    let (c, waker) = counted_waker();
    for round in 1..=100 {
        assert!(poll(&io, &waker, Direction::Read).is_pending());
        assert_eq!(io.deliver(Ready::READABLE), 1);
        assert_eq!(c.wakes.load(atomic::Ordering::SeqCst), round);
        let seen = event_of(&io, Ready::READ_DIRECTION);
        io.clear_readiness(seen);
    }
    // One clone when the slot was first armed; every later wait found it by `will_wake`,
    // and every wake was by reference.
    assert_eq!(c.clones.load(atomic::Ordering::SeqCst), 1);
    assert_eq!(c.drops.load(atomic::Ordering::SeqCst), 0);
    io.clear_wakers();
    assert_eq!(c.drops.load(atomic::Ordering::SeqCst), 1);
}

#[test]
fn an_event_wakes_only_an_armed_slot_once() {
    let io = ScheduledIo::new(0);
    let (count, w) = counting();
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert_eq!(io.deliver(Ready::READABLE), 1);
    // Disarmed by that wake: a second event before the task waits again wakes nobody.
    assert_eq!(io.deliver(Ready::READABLE), 0);
    // A write event never wakes the reader.
    io.clear_readiness(event_of(&io, Ready::READ_DIRECTION));
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert_eq!(io.deliver(Ready::WRITABLE), 0);
    assert_eq!(wakes(&count), 1);
}

#[test]
fn the_latest_waker_of_a_direction_is_the_one_woken() {
    let io = ScheduledIo::new(0);
    let (first, a) = counting();
    let (second, b) = counting();
    assert!(poll(&io, &a, Direction::Write).is_pending());
    assert!(poll(&io, &b, Direction::Write).is_pending());
    // The slot dropped `a`'s clone when `b` replaced it.
    assert_eq!(Arc::strong_count(&first), 2);
    assert_eq!(io.deliver(Ready::WRITABLE), 1);
    assert_eq!((wakes(&first), wakes(&second)), (0, 1));
}

#[test]
fn both_directions_wait_and_wake_independently() {
    let io = ScheduledIo::new(0);
    let (reader, r) = counting();
    let (writer, w) = counting();
    assert!(poll(&io, &r, Direction::Read).is_pending());
    assert!(poll(&io, &w, Direction::Write).is_pending());
    assert_eq!(io.deliver(Ready::READABLE | Ready::WRITABLE), 2);
    assert_eq!((wakes(&reader), wakes(&writer)), (1, 1));
}

#[test]
fn clear_wakers_releases_the_tasks() {
    let io = ScheduledIo::new(0);
    let (count, w) = counting();
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert!(poll(&io, &w, Direction::Write).is_pending());
    drop(w);
    assert_eq!(Arc::strong_count(&count), 3, "one clone per slot");
    io.clear_wakers();
    assert_eq!(Arc::strong_count(&count), 1);
    // Nothing is armed any more: an event wakes nobody.
    assert_eq!(io.deliver(Ready::READABLE | Ready::WRITABLE), 0);
}

#[test]
fn a_busy_slot_makes_the_task_poll_again() {
    let io = ScheduledIo::new(0);
    // Hold the read slot as the driver does while it wakes.
    io.readiness
        .fetch_or(Direction::Read.busy(), Ordering::AcqRel);
    let (count, w) = counting();
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert_eq!(wakes(&count), 1, "the task must wake itself to retry");
    // The slot's busy holder is not disturbed, and a skipped clear leaves it alone.
    io.clear_wakers();
    assert_ne!(io.word() & Direction::Read.busy(), 0);
    io.readiness
        .fetch_and(!Direction::Read.busy(), Ordering::AcqRel);
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert_eq!(io.deliver(Ready::READABLE), 1);
    assert_eq!(wakes(&count), 2);
}

#[test]
fn shutdown_wakes_every_armed_slot() {
    let io = ScheduledIo::new(0);
    let (count, w) = counting();
    assert!(poll(&io, &w, Direction::Read).is_pending());
    assert!(poll(&io, &w, Direction::Write).is_pending());
    assert_eq!(io.shutdown(), 2);
    assert_eq!(wakes(&count), 2);
    assert!(matches!(
        poll(&io, &w, Direction::Read),
        Poll::Ready(Err(_))
    ));
}

/// `Step::apply`'s branch-free arithmetic against the direction-by-direction reference, over
/// words with every flag, slot and tick pattern that matters (ticks about to wrap included).
#[test]
fn step_arithmetic_matches_the_reference() {
    use super::word::{next_word, Step};
    let flags = [0u64, 0x01, 0x02, 0x03, 0x25, 0x3F, 0x40 | 0x05];
    let slots = [0u64, 1 << 8, 1 << 10, (1 << 8) | (1 << 10), 1 << 7];
    let ticks = [
        0u64,
        0xFFFF << 16,
        0xFFFF << 48,
        (0x1234 << 16) | (0xFFFF << 48),
    ];
    let readies = [
        Ready::READABLE,
        Ready::WRITABLE,
        Ready::READABLE | Ready::WRITABLE,
        Ready::ERROR,
        Ready::READ_CLOSED | Ready::PRIORITY,
        Ready::WRITE_CLOSED,
        Ready::ALL,
    ];
    let mut checked = 0;
    for f in flags {
        for s in slots {
            for t in ticks {
                let word = f | s | t;
                for ready in readies {
                    let set = Step::new(Update::Set(ready)).apply(word);
                    // Without the slot bits, the reference; with them, each armed slot of a
                    // direction `ready` names is now busy.
                    let slot_bits = 0x3F00;
                    assert_eq!(
                        set & !slot_bits,
                        next_word(word, Update::Set(ready)) & !slot_bits
                    );
                    for direction in Direction::BOTH {
                        let hit = !ready.intersection(direction.ready_bits()).is_empty();
                        let was_armed = word & direction.armed() != 0;
                        assert_eq!(set & direction.busy() != 0, hit && was_armed);
                        assert_eq!(set & direction.armed() != 0, was_armed && !hit);
                    }
                    for seen_ticks in ticks {
                        let event = ReadyEvent {
                            ticks: crate::ready::Ticks(seen_ticks),
                            ready,
                        };
                        assert_eq!(
                            Step::new(Update::Clear(event)).apply(word),
                            next_word(word, Update::Clear(event)),
                            "clear {ready:?} seen at {seen_ticks:#x} from {word:#x}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 3_000);
}
