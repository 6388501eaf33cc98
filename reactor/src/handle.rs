//! [`Handle`]: the shareable side of the reactor — registering sources, waking the driver,
//! shutting down, metrics.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use corium_selector_sys::event::Source;
use corium_selector_sys::trace::Layer;
use corium_selector_sys::{trace, Interest, Registry, Token, Waker};

use crate::context::{self, EnterGuard, TryCurrentError};
use crate::metrics::{MetricsCounters, ReactorMetrics};
use crate::registration_set::{RegistrationSet, SlotRef};
use crate::scheduled_io::ScheduledIo;
use crate::time::TimeShared;

/// Everything the [`Driver`](crate::Driver) shares with its handles.
pub(crate) struct Inner {
    /// A clone of the driver's registry (its own fd onto the same kernel queue), so sources
    /// can be registered from any thread while the driver blocks in `poll`.
    pub(crate) registry: Registry,
    pub(crate) registrations: RegistrationSet,
    /// Makes a blocked `turn` return; its events carry `WAKE_TOKEN`.
    waker: Waker,
    /// Set by the `unpark` that writes to the waker, cleared by the driver right after its
    /// poll returns: while set, a wake-up is already on its way, so further `unpark`s skip the
    /// syscall.
    pub(crate) unpark_pending: AtomicBool,
    /// Fast read of the shutdown state (the authority is the registration set's flag).
    is_shutdown: AtomicBool,
    pub(crate) metrics: MetricsCounters,
    io_enabled: bool,
    pub(crate) time: Option<TimeShared>,
}

impl Inner {
    pub(crate) fn new(
        registry: Registry,
        waker: Waker,
        io_enabled: bool,
        time: Option<TimeShared>,
    ) -> Inner {
        Inner {
            registry,
            registrations: RegistrationSet::default(),
            waker,
            unpark_pending: AtomicBool::new(false),
            is_shutdown: AtomicBool::new(false),
            metrics: MetricsCounters::default(),
            io_enabled,
            time,
        }
    }
}

/// A reference to a reactor: cheap to clone (an `Arc`), `Send + Sync + 'static`.
///
/// Obtained from [`Driver::handle`](crate::Driver::handle), or inside a runtime from
/// [`Handle::current`]. It stays usable after the driver is gone: registrations are then
/// refused and readiness checks fail with the shutdown error.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

impl Handle {
    /// Wakes a [`Driver::turn`](crate::Driver::turn) blocked in the selector (or makes the
    /// next one return at once). Many calls before the driver wakes cost one syscall.
    pub fn unpark(&self) {
        if dispatching::is(&self.inner) {
            // Called from inside this driver's own turn, after its poll returned (a waker run
            // during dispatch): the turn is about to return anyway, so a write to the waker
            // would only cost a syscall now and a useless wake-up next turn.
            return;
        }
        if self.inner.unpark_pending.swap(true, Ordering::AcqRel) {
            return; // a wake-up is already on its way
        }
        if self.inner.waker.wake().is_err() {
            // Cannot happen for a live waker fd; if it does, let the next unpark retry rather
            // than believe a wake-up is pending.
            self.inner.unpark_pending.store(false, Ordering::Release);
        }
    }

    /// Shuts the reactor down; idempotent.
    ///
    /// Every registered source gets `SHUTDOWN` and all its waiters are woken; from then on
    /// every readiness operation fails with the error described in the
    /// [crate docs](crate#shutdown), new registrations are refused, all timers fire with their
    /// shutdown state, and a blocked [`Driver::turn`](crate::Driver::turn) is woken.
    pub fn shutdown(&self) {
        let inner = &*self.inner;
        let Some((ios, freed)) = inner.registrations.shutdown() else {
            return; // already shut down
        };
        inner.metrics.dec_fd_count(freed);
        inner.is_shutdown.store(true, Ordering::Release);
        // The single place the reactor shuts sources down (the trace point for "shutdown").
        let woken: usize = ios.iter().map(|io| io.shutdown()).sum();
        trace!(
            Layer::Reactor,
            "Handle::shutdown: {} sources shut down ({freed} queued slots freed), {woken} wakers woken",
            ios.len()
        );
        inner.metrics.add_wakes(woken);
        drop(ios);
        if let Some(time) = &inner.time {
            time.shutdown();
        }
        self.unpark();
    }

    /// Whether [`shutdown`](Handle::shutdown) has run.
    pub fn is_shutdown(&self) -> bool {
        self.inner.is_shutdown.load(Ordering::Acquire)
    }

    /// A snapshot of the reactor's counters.
    pub fn metrics(&self) -> ReactorMetrics {
        self.inner.metrics.snapshot()
    }

    /// Makes this handle the thread's current one until the guard drops, so
    /// [`Handle::current`] (and constructors such as
    /// [`PollEvented::new`](crate::PollEvented::new)) find it.
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_reactor::{Config, Driver, Handle};
    ///
    /// let driver = Driver::new(Config::default())?;
    /// assert!(Handle::try_current().is_err());
    /// {
    ///     let _guard = driver.handle().enter();
    ///     assert!(Handle::try_current().is_ok());
    /// }
    /// assert!(Handle::try_current().is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter(self)
    }

    /// The thread's current handle.
    ///
    /// # Panics
    /// With "there is no reactor running: this must be called from within a corium runtime
    /// (Runtime::block_on / spawn) or inside Handle::enter" when none is entered; use
    /// [`try_current`](Handle::try_current) to get an error instead.
    #[track_caller]
    pub fn current() -> Handle {
        context::current()
    }

    /// The thread's current handle.
    ///
    /// # Errors
    /// [`TryCurrentError`] when no handle is entered on this thread (its `Display` is the
    /// message [`current`](Handle::current) panics with).
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::try_current()
    }

    /// Whether this reactor runs timers: its runtime was built with `enable_time` (or
    /// `enable_all`). Without them `sleep`, `timeout` and `interval` panic; code that can do
    /// without timers, or wants to return an error instead, asks here first.
    pub fn is_time_enabled(&self) -> bool {
        self.inner.time.is_some()
    }

    /// Whether this reactor's clock is [paused](crate::time::pause).
    pub fn is_clock_paused(&self) -> bool {
        self.time().is_some_and(|t| t.clock().is_paused())
    }

    /// Keeps a paused clock from *auto-advancing* while the returned guard lives: the driver
    /// then waits for timers in real time instead of jumping to them. A runtime takes one
    /// for each `spawn_blocking` closure started while its clock is paused, so a timeout
    /// around work that runs on another thread measures that work, not an instant jump.
    /// Dropping the guard unparks the driver, which re-evaluates its wait.
    ///
    /// `None` when the clock is not paused (nothing to keep from jumping).
    pub fn inhibit_auto_advance(&self) -> Option<AutoAdvanceGuard> {
        let clock = self.time()?.clock();
        if !clock.is_paused() {
            return None;
        }
        clock.inhibit_auto_advance();
        Some(AutoAdvanceGuard {
            handle: self.clone(),
        })
    }

    /// The timer state, `None` if the runtime was built without time.
    pub(crate) fn time(&self) -> Option<&TimeShared> {
        self.inner.time.as_ref()
    }

    /// Allocates a slot for `source` and registers it with the selector under the slot's token.
    ///
    /// # Errors
    /// I/O disabled, shut down, slab full, or the selector's error (`AlreadyExists` when the
    /// source is already registered, `EPERM` for a regular file).
    pub(crate) fn add_source(
        &self,
        source: &mut (impl Source + ?Sized),
        interest: Interest,
    ) -> io::Result<SlotRef> {
        let inner = &*self.inner;
        if !inner.io_enabled {
            return Err(io::Error::other(
                "I/O is disabled on this reactor: build the runtime with enable_io \
                 (or enable_all) to use sockets and pipes",
            ));
        }
        let slot = inner.registrations.allocate()?;
        let scheduled_io = slot.get();
        if let Err(e) = inner
            .registry
            .register(source, Token(scheduled_io.token()), interest)
        {
            // Never registered, so no event can name this token: free the slot now.
            inner.registrations.cancel(scheduled_io);
            return Err(e);
        }
        inner.metrics.inc_fd_count();
        trace!(
            Layer::Reactor,
            "Handle::add_source: token {} assigned, registered for {interest:?}",
            scheduled_io.token()
        );
        Ok(slot)
    }

    /// Queues `scheduled_io`'s slot for release; wakes the driver when enough pile up.
    pub(crate) fn release(&self, scheduled_io: &ScheduledIo) {
        let (unpark, freed_now) = self.inner.registrations.deregister(scheduled_io);
        self.inner.metrics.dec_fd_count(freed_now);
        if unpark {
            self.unpark();
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("is_shutdown", &self.is_shutdown())
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

/// Which driver, if any, the current thread is dispatching for: set by
/// [`Driver::turn`](crate::Driver::turn) between its poll returning and the turn ending, so
/// [`Handle::unpark`] can tell a wake-up from the turning thread itself, which needs no syscall.
pub(crate) mod dispatching {
    use std::cell::Cell;

    use super::Inner;

    thread_local! {
        static DRIVER: Cell<*const Inner> = const { Cell::new(std::ptr::null()) };
    }

    /// Marks this thread as dispatching for `inner` until the guard drops.
    pub(crate) fn enter(inner: &Inner) -> Guard {
        let prev = DRIVER.with(|d| d.replace(inner));
        Guard { prev }
    }

    /// Whether this thread is inside `inner`'s turn, past the poll.
    pub(crate) fn is(inner: &Inner) -> bool {
        // Only compared, never dereferenced. `try_with`: during thread teardown, say no.
        DRIVER
            .try_with(|d| std::ptr::eq(d.get(), inner))
            .unwrap_or(false)
    }

    pub(crate) struct Guard {
        prev: *const Inner,
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = DRIVER.try_with(|d| d.set(self.prev));
        }
    }
}

/// From [`Handle::inhibit_auto_advance`]: while it lives, the paused clock does not jump.
#[derive(Debug)]
#[must_use = "auto-advance is inhibited only while the guard lives"]
pub struct AutoAdvanceGuard {
    handle: Handle,
}

impl Drop for AutoAdvanceGuard {
    fn drop(&mut self) {
        if let Some(time) = self.handle.time() {
            time.clock().allow_auto_advance();
        }
        self.handle.unpark();
    }
}
