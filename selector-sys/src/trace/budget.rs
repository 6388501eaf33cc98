//! The syscall budget: how many syscalls of each kind a run made, and how many per
//! application-level operation.
//!
//! Counting lives in [`syscall!`](crate::syscall!), so no call is missed: each call site owns
//! a static counter, registered the first time it counts, and a [`Report`] sums the counters by
//! kind. [`op`] marks one application operation (one echo round trip, one request), so the
//! report can say "2.00 `epoll_wait` per op".
//!
//! ```
//! use corium_selector_sys::{trace::budget, Poll, Token, Waker};
//!
//! let poll = Poll::new()?;
//! let waker = Waker::new(poll.registry(), Token(0))?;
//! budget::start();
//! for _ in 0..4 {
//!     waker.wake()?; // one "operation": one write to the eventfd (or pipe)
//!     budget::op();
//! }
//! budget::stop();
//! let report = budget::report();
//! if cfg!(feature = "trace") {
//!     assert_eq!(report.ops(), 4);
//!     # #[cfg(any(target_os = "linux", target_os = "android"))]
//!     assert_eq!(report.per_op("write"), Some(1.0));
//! }
//! println!("{report}");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Counting is process-wide: every thread's syscalls count. Turn it on with [`start`] or
//! `CORIUM_TRACE_BUDGET=1` (which also prints the table at exit).

use std::fmt;
#[cfg(feature = "trace")]
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
#[cfg(feature = "trace")]
use std::sync::Mutex;

#[cfg(feature = "trace")]
use super::state::{self, lock, BUDGET};

/// Resets every count and starts counting.
pub fn start() {
    #[cfg(feature = "trace")]
    {
        let mut locked = state::config();
        reset_counts();
        locked.get().budget = true;
        locked.publish();
    }
}

/// Stops counting; the counts stay for [`report`].
pub fn stop() {
    #[cfg(feature = "trace")]
    {
        let mut locked = state::config();
        locked.get().budget = false;
        locked.publish();
    }
}

/// Sets every count, and the operation count, to zero.
pub fn reset() {
    #[cfg(feature = "trace")]
    reset_counts();
}

/// Marks one application-level operation (while counting).
#[inline(always)]
pub fn op() {
    #[cfg(feature = "trace")]
    if state::test(BUDGET) {
        OPS.fetch_add(1, Relaxed);
    }
}

/// The counts so far, by kind. Empty without the `trace` feature.
pub fn report() -> Report {
    let mut rows: Vec<(&'static str, u64)> = Vec::new();
    #[cfg(feature = "trace")]
    for site in lock(&SITES).iter() {
        let n = site.count.load(Relaxed);
        match rows.iter_mut().find(|(kind, _)| *kind == site.kind) {
            Some((_, total)) => *total += n,
            None => rows.push((site.kind, n)),
        }
    }
    rows.retain(|&(_, n)| n > 0);
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Report {
        rows,
        ops: OPS.load(Relaxed),
    }
}

/// Operations marked by [`op`].
static OPS: AtomicU64 = AtomicU64::new(0);

/// Every call site that has counted at least once.
#[cfg(feature = "trace")]
static SITES: Mutex<Vec<&'static Site>> = Mutex::new(Vec::new());

#[cfg(feature = "trace")]
pub(crate) fn reset_counts() {
    for site in lock(&SITES).iter() {
        site.count.store(0, Relaxed);
    }
    OPS.store(0, Relaxed);
}

/// One `syscall!` call site's counter. Used by the macro only.
#[cfg(feature = "trace")]
#[doc(hidden)]
#[derive(Debug)]
pub struct Site {
    kind: &'static str,
    count: AtomicU64,
    listed: AtomicBool,
}

#[cfg(feature = "trace")]
impl Site {
    #[doc(hidden)]
    pub const fn new(kind: &'static str) -> Site {
        Site {
            kind,
            count: AtomicU64::new(0),
            listed: AtomicBool::new(false),
        }
    }

    /// The syscall's kind (`epoll_wait`, `write`, …).
    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// Counts one call; the first count lists the site for `report`.
    pub(crate) fn count(&'static self) {
        self.count.fetch_add(1, Relaxed);
        if !self.listed.load(Relaxed) && !self.listed.swap(true, Relaxed) {
            lock(&SITES).push(self);
        }
    }
}

/// The syscall budget at one moment: syscalls per kind, and per operation.
///
/// `Display` prints it as a table, most frequent kind first:
///
/// ```text
/// syscall budget: 1000 ops
/// kind                 total     per op
/// epoll_wait            1002       1.00
/// recv                  2000       2.00
/// total                 3002       3.00
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    rows: Vec<(&'static str, u64)>,
    ops: u64,
}

impl Report {
    /// `(kind, total)` for every kind seen, most frequent first.
    pub fn rows(&self) -> &[(&'static str, u64)] {
        &self.rows
    }

    /// Operations marked by [`op`].
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// Calls of `kind` (0 if none).
    pub fn total(&self, kind: &str) -> u64 {
        self.rows
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |&(_, n)| n)
    }

    /// Every syscall counted.
    pub fn all(&self) -> u64 {
        self.rows.iter().map(|&(_, n)| n).sum()
    }

    /// Calls of `kind` per operation; `None` if no operation was marked.
    pub fn per_op(&self, kind: &str) -> Option<f64> {
        (self.ops > 0).then(|| self.total(kind) as f64 / self.ops as f64)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per_op = |n: u64| match self.ops {
            0 => "-".to_owned(),
            ops => format!("{:.2}", n as f64 / ops as f64),
        };
        writeln!(f, "syscall budget: {} ops", self.ops)?;
        writeln!(f, "{:<16} {:>10} {:>10}", "kind", "total", "per op")?;
        for &(kind, n) in &self.rows {
            writeln!(f, "{kind:<16} {n:>10} {:>10}", per_op(n))?;
        }
        writeln!(
            f,
            "{:<16} {:>10} {:>10}",
            "total",
            self.all(),
            per_op(self.all())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let report = Report {
            rows: vec![("recv", 2000), ("epoll_wait", 1002)],
            ops: 1000,
        };
        assert_eq!(report.per_op("recv"), Some(2.0));
        assert_eq!(report.total("send"), 0);
        assert_eq!(report.all(), 3002);
        let text = report.to_string();
        assert_eq!(
            text,
            "syscall budget: 1000 ops\n\
             kind                  total     per op\n\
             recv                   2000       2.00\n\
             epoll_wait             1002       1.00\n\
             total                  3002       3.00\n"
        );
        let no_ops = Report {
            rows: vec![("write", 3)],
            ops: 0,
        };
        assert_eq!(no_ops.per_op("write"), None);
        assert!(no_ops
            .to_string()
            .contains("write                     3          -"));
    }
}
