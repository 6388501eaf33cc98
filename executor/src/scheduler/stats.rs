//! Per-worker counters behind [`RuntimeMetrics`](crate::runtime::RuntimeMetrics).
//!
//! Each worker owns one cache-padded block and is its only writer, so an increment is a
//! relaxed load plus a relaxed store (no locked instruction, no shared cache line); readers
//! on other threads see a value that is at most a few events old.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// Aligns `T` to its own pair of cache lines (adjacent-line prefetch makes 64 bytes too few on
/// x86-64), so counters of different workers never share a line.
#[derive(Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One single-writer counter.
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`. Only the owning worker calls this.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    #[inline]
    pub(crate) fn incr(&self) {
        self.add(1);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// The counters of one worker (or of the current-thread scheduler's single core).
#[derive(Default)]
pub(crate) struct WorkerMetrics {
    /// Task polls (including cancellations run by the worker).
    pub(crate) polls: Counter,
    /// Successful steal operations (from a sibling or the injection queue).
    pub(crate) steal_operations: Counter,
    /// Tasks moved by those steals.
    pub(crate) stolen_tasks: Counter,
    /// Times the worker went to sleep.
    pub(crate) parks: Counter,
    /// Times it woke up.
    pub(crate) unparks: Counter,
    /// Tasks run from the LIFO slot.
    pub(crate) lifo_hits: Counter,
    /// Polls that ended because the coop budget ran out.
    pub(crate) budget_forced_yields: Counter,
    /// Tasks moved to the injection queue because the local queue was full.
    pub(crate) overflows: Counter,
    /// Time spent not parked.
    pub(crate) busy: BusyTime,
    /// Gauge: tasks in the local queue (current-thread only; the work-stealing queue reports its
    /// own length).
    pub(crate) local_queue_depth: AtomicUsize,
}

/// A worker's busy time: the sum of its stretches between waking up and parking. One writer
/// (the worker); a stretch still running is not included in [`total`](BusyTime::total).
#[derive(Default)]
pub(crate) struct BusyTime {
    total_nanos: AtomicU64,
    /// The monotonic clock (nanoseconds) when the current stretch began; 0 while parked.
    since: AtomicU64,
}

/// Now on the monotonic clock, in nanoseconds (never 0, the "parked" marker). A raw
/// `clock_gettime`: two readings per park cost about 30 instructions this way, against about
/// 180 through `Instant::elapsed` (callgrind, an echo round trip that parks each time).
fn now_nanos() -> u64 {
    corium_selector_sys::monotonic_nanos().max(1)
}

impl BusyTime {
    /// The worker woke up (or started). Returns the clock reading, for the caller to time the
    /// sleep that just ended.
    pub(crate) fn start(&self) -> u64 {
        let now = now_nanos();
        self.since.store(now, Relaxed);
        now
    }

    /// The worker is about to park (or stop). Returns the clock reading.
    pub(crate) fn stop(&self) -> u64 {
        let now = now_nanos();
        let since = self.since.load(Relaxed);
        if since != 0 {
            self.since.store(0, Relaxed);
            let total = self.total_nanos.load(Relaxed);
            self.total_nanos
                .store(total.saturating_add(now.saturating_sub(since)), Relaxed);
        }
        now
    }

    pub(crate) fn total(&self) -> Duration {
        Duration::from_nanos(self.total_nanos.load(Relaxed))
    }
}
