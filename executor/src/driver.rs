//! The executor's view of the reactor: something a parked thread can block in ([`Driver`]) and
//! something any thread can interrupt it with ([`DriverHandle`]).
//!
//! In a normal build these are `corium_reactor::{Driver, Handle}`. Under `--cfg loom` they
//! are a stand-in with the same methods, built on a loom mutex and condvar (a `turn` that
//! blocks until `unpark`), because loom cannot model epoll; the parking protocol is what the
//! models check, not the selector.

use std::io;

#[cfg(not(loom))]
pub(crate) use corium_reactor::{Driver, EnterGuard, Handle as DriverHandle};

/// Creates the runtime's reactor.
///
/// # Errors
/// The reactor's: creating the selector or its waker failed (e.g. `EMFILE`).
#[cfg(not(loom))]
pub(crate) fn new_driver(
    enable_io: bool,
    enable_time: bool,
    event_capacity: usize,
    pausable_clock: bool,
) -> io::Result<Driver> {
    Driver::new(corium_reactor::Config {
        enable_io,
        enable_time,
        event_capacity,
        pausable_clock,
    })
}

#[cfg(loom)]
pub(crate) use self::fake::{new_driver, Driver, DriverHandle, EnterGuard};

#[cfg(loom)]
mod fake {
    use super::io;
    use crate::loom::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
    use crate::loom::{lock, Arc, Condvar, Mutex};
    use std::time::Duration;

    /// The blocking half, owned by whichever thread parks on it.
    pub(crate) struct Driver {
        shared: Arc<Shared>,
    }

    /// The waking half: cheap to clone, usable from any thread.
    #[derive(Clone)]
    pub(crate) struct DriverHandle {
        shared: Arc<Shared>,
    }

    struct Shared {
        /// An unpark that no `turn` has consumed yet (coalesces like the selector's waker).
        woken: Mutex<bool>,
        condvar: Condvar,
        shutdown: AtomicBool,
        turns: AtomicU64,
        wakes: AtomicU64,
    }

    /// Reactor figures reported through the runtime metrics (same fields as the reactor's).
    #[derive(Clone, Copy, Debug, Default)]
    pub(crate) struct ReactorMetrics {
        pub(crate) registered_fds: u64,
        pub(crate) turns: u64,
        pub(crate) events: u64,
        pub(crate) wakes: u64,
    }

    impl Driver {
        pub(crate) fn new() -> Driver {
            Driver {
                shared: Arc::new(Shared {
                    woken: Mutex::new(false),
                    condvar: Condvar::new(),
                    shutdown: AtomicBool::new(false),
                    turns: AtomicU64::new(0),
                    wakes: AtomicU64::new(0),
                }),
            }
        }

        pub(crate) fn handle(&self) -> DriverHandle {
            DriverHandle {
                shared: self.shared.clone(),
            }
        }

        /// Blocks until `unpark` (or `max_wait`); `Some(ZERO)` never blocks.
        pub(crate) fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<usize> {
            self.shared.turns.fetch_add(1, Relaxed);
            let mut woken = lock(&self.shared.woken);
            match max_wait {
                None => {
                    while !*woken {
                        woken = self
                            .shared
                            .condvar
                            .wait(woken)
                            .unwrap_or_else(|e| e.into_inner());
                    }
                }
                Some(d) if d.is_zero() => {}
                Some(d) => {
                    if !*woken {
                        let (g, _) = self
                            .shared
                            .condvar
                            .wait_timeout(woken, d)
                            .unwrap_or_else(|e| e.into_inner());
                        woken = g;
                    }
                }
            }
            *woken = false;
            Ok(0)
        }
    }

    impl DriverHandle {
        /// Wakes a blocked (or the next) `turn`.
        pub(crate) fn unpark(&self) {
            self.shared.wakes.fetch_add(1, Relaxed);
            *lock(&self.shared.woken) = true;
            self.shared.condvar.notify_one();
        }

        pub(crate) fn shutdown(&self) {
            self.shared.shutdown.store(true, SeqCst);
            self.unpark();
        }

        pub(crate) fn metrics(&self) -> ReactorMetrics {
            ReactorMetrics {
                registered_fds: 0,
                turns: self.shared.turns.load(Relaxed),
                events: 0,
                wakes: self.shared.wakes.load(Relaxed),
            }
        }

        /// Makes this reactor the thread's current one (no-op in the stand-in).
        pub(crate) fn enter(&self) -> EnterGuard {
            EnterGuard(())
        }
    }

    /// Restores the previous current reactor on drop.
    pub(crate) struct EnterGuard(());

    pub(crate) fn new_driver(
        _enable_io: bool,
        _enable_time: bool,
        _event_capacity: usize,
        _pausable_clock: bool,
    ) -> io::Result<Driver> {
        Ok(Driver::new())
    }
}
