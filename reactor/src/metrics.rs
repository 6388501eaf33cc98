//! [`ReactorMetrics`]: counters a runtime (or a test) reads to see the reactor work.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the reactor's counters, from [`Handle::metrics`](crate::Handle::metrics).
///
/// Each field is read separately (relaxed), so a snapshot taken while the driver turns may mix
/// moments; every counter only grows except `registered_fds`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ReactorMetrics {
    /// Slots of the registration slab in use: +1 when a source is registered, −1 when the
    /// driver frees the slot of a dropped [`Registration`](crate::Registration) (at the start
    /// of its next turn; at shutdown for those still queued; at once after shutdown).
    pub registered_fds: u64,
    /// Completed calls to [`Driver::turn`](crate::Driver::turn).
    pub turns: u64,
    /// Selector events delivered to a live registration (wake-ups of the driver itself and
    /// events for already-released slots are not counted).
    pub events: u64,
    /// I/O wakers woken by the driver or by shutdown.
    pub wakes: u64,
}

/// The live counters behind [`ReactorMetrics`]. Relaxed: they order nothing.
#[derive(Debug, Default)]
pub(crate) struct MetricsCounters {
    registered_fds: AtomicU64,
    turns: AtomicU64,
    events: AtomicU64,
    wakes: AtomicU64,
}

impl MetricsCounters {
    pub(crate) fn inc_fd_count(&self) {
        self.registered_fds.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dec_fd_count(&self, n: usize) {
        self.registered_fds.fetch_sub(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn inc_turns(&self) {
        self.turns.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_events(&self, n: usize) {
        self.events.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn add_wakes(&self, n: usize) {
        self.wakes.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ReactorMetrics {
        ReactorMetrics {
            registered_fds: self.registered_fds.load(Ordering::Relaxed),
            turns: self.turns.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            wakes: self.wakes.load(Ordering::Relaxed),
        }
    }
}
