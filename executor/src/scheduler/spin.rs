//! Adaptive spinning: stay awake for a few microseconds before sleeping, but only while
//! sleeping has not been paying off.
//!
//! Putting a thread to sleep and waking it costs a futex wait on one side, a futex wake (or an
//! eventfd write into the driver) on the other, and a context switch each way: several
//! microseconds, mostly in the kernel. When two threads hand work back and forth (a task on a
//! worker filling a channel that the `block_on` thread drains, say) each would sleep and be
//! woken again within microseconds, thousands of times a second. A thread that instead watches
//! for its wake-up for a short while finds it arriving while it is still awake: the waker sees
//! nobody asleep and makes no system call either.
//!
//! Spinning is a bet, and a lost bet burns a core. So a thread spins only if its previous
//! sleep was short ([`SHORT_WAIT_NS`]), and never for longer than [`SPIN_NS`]. An idle thread
//! therefore spins at most once, loses the bet, sleeps long, and from then on sleeps at once;
//! a thread in a ping-pong keeps spinning as long as the other side keeps answering quickly.
//!
//! The watching loop itself, [`spin_until`], also keeps a blocking-pool thread that has just
//! finished a closure awake for the next one (`blocking.rs`, unconditionally: a spawner claims
//! it under the pool's lock).

use corium_selector_sys::monotonic_nanos;

/// A sleep that ended within this many nanoseconds counts as short: the next wait spins.
const SHORT_WAIT_NS: u64 = 50_000;

/// The longest spin, in nanoseconds: a fraction of what a sleep and its wake-up cost together.
const SPIN_NS: u64 = 50_000;

/// Busy spins (a `pause` each, tens of cycles) before the wait starts yielding the core.
const SPINS_BEFORE_YIELD: u32 = 64;

/// Whether the next wait should spin: one per sleeping thread.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Spin {
    last_sleep_was_short: bool,
}

impl Spin {
    /// Spins until `ready()` returns `true` (then returns `true`), for at most [`SPIN_NS`];
    /// returns `false` at once if the last sleep was long.
    #[inline]
    pub(crate) fn spin(&self, ready: impl FnMut() -> bool) -> bool {
        self.last_sleep_was_short && spin_until(SPIN_NS, ready)
    }

    /// Records a sleep from `slept_at` to `woke_at`, during which an unpark that last came at
    /// `unparked_at` may have ended it (all monotonic nanoseconds): the next wait spins if the
    /// sleep was short. If the unpark ended it, its own time is what counts: how soon the work
    /// came, not how soon the kernel ran us (a wake-up can take tens of microseconds on a busy
    /// or virtual machine, which would otherwise turn spinning off for good).
    #[inline]
    pub(crate) fn record(&mut self, slept_at: u64, woke_at: u64, unparked_at: u64) {
        let ended = if unparked_at > slept_at {
            unparked_at
        } else {
            woke_at
        };
        self.last_sleep_was_short = ended.wrapping_sub(slept_at) < SHORT_WAIT_NS;
    }
}

/// Watches `ready()` for up to `budget_ns` nanoseconds: a few dozen `pause` spins, then
/// yielding the core at each turn. `true` once `ready()` is; `false` when the budget runs out,
/// or at once under loom, whose model has no clock.
pub(crate) fn spin_until(budget_ns: u64, mut ready: impl FnMut() -> bool) -> bool {
    if cfg!(loom) {
        return false;
    }
    let start = monotonic_nanos();
    let mut spins = 0u32;
    loop {
        if ready() {
            return true;
        }
        spins += 1;
        if spins < SPINS_BEFORE_YIELD {
            std::hint::spin_loop();
            continue;
        }
        // Give the core to any other runnable thread (on a machine with fewer cores than
        // busy threads, it may be the very thread we are waiting for).
        std::thread::yield_now();
        if monotonic_nanos().wrapping_sub(start) > budget_ns {
            return false;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_thread_does_not_spin() {
        let mut calls = 0;
        assert!(!Spin::default().spin(|| {
            calls += 1;
            true
        }));
        assert_eq!(calls, 0, "no sleep has been short yet");
    }

    #[test]
    fn a_short_sleep_turns_spinning_on_and_a_long_one_off() {
        let mut spin = Spin::default();
        spin.record(0, 0, 0);
        let mut calls = 0;
        assert!(spin.spin(|| {
            calls += 1;
            calls == 3
        }));
        assert_eq!(calls, 3, "spins until ready");

        spin.record(0, SHORT_WAIT_NS, 0);
        assert!(!spin.spin(|| true), "a long sleep turns spinning off");
    }

    #[test]
    fn an_unpark_that_came_soon_counts_even_if_the_thread_woke_late() {
        let mut spin = Spin::default();
        let slept_at = 1_000_000;
        spin.record(slept_at, slept_at + 10 * SHORT_WAIT_NS, slept_at + 100);
        assert!(spin.spin(|| true), "the work came after 100 ns");
        // An unpark from before this sleep says nothing about it.
        spin.record(slept_at, slept_at + 10 * SHORT_WAIT_NS, slept_at - 100);
        assert!(
            !spin.spin(|| true),
            "no unpark during the sleep, which was long"
        );
    }

    #[test]
    fn a_spin_gives_up_after_its_budget() {
        let mut spin = Spin::default();
        spin.record(0, 0, 0);
        let start = monotonic_nanos();
        assert!(!spin.spin(|| false));
        let spent = monotonic_nanos() - start;
        assert!(spent >= SPIN_NS, "gave up after {spent} ns");
    }
}
