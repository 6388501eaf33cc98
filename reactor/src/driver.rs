//! [`Driver`]: the one thread at a time that waits in the selector and turns events into
//! wake-ups; and its [`Config`].

use std::fmt;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use corium_selector_sys::trace::Layer;
use corium_selector_sys::{trace, trace_slice, Events, Poll, Token, Waker};

use crate::handle::{Handle, Inner};
use crate::ready::Ready;
use crate::registration_set::WAKE_TOKEN;
use crate::time::TimeShared;
use crate::trace::Wait;

/// What a [`Driver`] drives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Whether sources may be registered. Without it the driver still parks, wakes on
    /// [`Handle::unpark`] and runs timers; registrations fail with an error naming the switch.
    pub enable_io: bool,
    /// Whether timers exist (the time driver's state is created).
    pub enable_time: bool,
    /// How many selector events one [`Driver::turn`] can receive (more wait for the next turn).
    pub event_capacity: usize,
    /// Whether [`time::pause`](crate::time::pause) may freeze this reactor's clock. A runtime
    /// allows it only where one thread runs every task (the current-thread scheduler): there,
    /// "nothing to run and no I/O ready" is a fact the driver can see, which auto-advance needs.
    pub pausable_clock: bool,
}

impl Default for Config {
    /// I/O and time enabled, 1024 events per turn, a clock that cannot be paused.
    fn default() -> Config {
        Config {
            enable_io: true,
            enable_time: true,
            event_capacity: 1024,
            pausable_clock: false,
        }
    }
}

/// The reactor's event loop: owned by whichever thread parks on it (one at a time).
///
/// Not `Clone`: share the [`Handle`] instead. Dropping the driver shuts the reactor down
/// ([`Handle::shutdown`]).
pub struct Driver {
    poll: Poll,
    events: Events,
    handle: Handle,
}

impl Driver {
    /// Creates the selector, its waker and (if enabled) the timer state.
    ///
    /// # Errors
    /// `InvalidInput` for an `event_capacity` of 0; otherwise the OS error of creating the
    /// kernel queue, duplicating its fd or creating the waker (for example `EMFILE`).
    pub fn new(config: Config) -> io::Result<Driver> {
        if config.event_capacity == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Config::event_capacity is 0: a turn must be able to receive at least one \
                 event (1024 is the default)",
            ));
        }
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Waker::new(poll.registry(), Token(WAKE_TOKEN))?;
        let time = config
            .enable_time
            .then(|| TimeShared::new(config.pausable_clock));
        let inner = Inner::new(registry, waker, config.enable_io, time);
        Ok(Driver {
            poll,
            events: Events::with_capacity(config.event_capacity),
            handle: Handle {
                inner: Arc::new(inner),
            },
        })
    }

    /// A handle to this reactor.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// One turn of the event loop; returns how many I/O events were delivered.
    ///
    /// 1. free the slots of registrations dropped since the last turn;
    /// 2. wait in the selector for at most `min(max_wait, time until the next timer)` —
    ///    `Some(Duration::ZERO)` never blocks, `None` waits for an event, an
    ///    [`unpark`](Handle::unpark) or the next timer;
    /// 3. for each event, set the readiness flags and bump the direction's tick
    ///    ([`ScheduledIo`](crate::ScheduledIo)), then wake the matching waiters, outside every lock;
    /// 4. fire expired timers.
    ///
    /// A signal interrupting the wait (`EINTR`) is not an error: the turn returns `Ok(0)` after
    /// running timers.
    ///
    /// # Errors
    /// The selector's error other than `Interrupted` (which should not happen with a live
    /// kernel queue).
    pub fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<usize> {
        let _slice = trace_slice!(Layer::Reactor, "Driver::turn");
        let inner = &*self.handle.inner;
        if inner.registrations.needs_release() {
            let freed = inner.registrations.release();
            inner.metrics.dec_fd_count(freed);
        }
        // With no timer pending this is one atomic load: no lock, no clock read.
        let next_timer = inner
            .time
            .as_ref()
            .and_then(|shared| shared.next_timeout(|| shared.now()));
        let timeout = earliest(max_wait, next_timer);
        trace!(
            Layer::Reactor,
            "Driver::turn: wait {}{}",
            Wait(timeout),
            if timeout == max_wait {
                String::new()
            } else {
                format!(" (next timer; asked {})", Wait(max_wait))
            }
        );
        let polled = match (&inner.time, next_timer) {
            (Some(shared), Some(_))
                if timeout != Some(Duration::ZERO) && shared.clock().can_auto_advance() =>
            {
                Self::poll_paused(&mut self.poll, &mut self.events, shared, timeout)
            }
            _ => self.poll.poll(&mut self.events, timeout),
        };
        // Any unpark from now on must write to the waker again (see `Inner::unpark_pending`).
        // A swap, not a store: it acquires what the unparker published before its unpark.
        inner.unpark_pending.swap(false, Ordering::AcqRel);
        // Wakers run from here on, on this thread, cannot need to interrupt this very turn.
        let _dispatching = crate::handle::dispatching::enter(inner);
        let delivered = match polled {
            Ok(()) => self.dispatch(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        let inner = &*self.handle.inner;
        if let Some(time) = &inner.time {
            time.process(|| time.now());
        }
        inner.metrics.inc_turns();
        trace!(
            Layer::Reactor,
            "Driver::turn: {delivered} I/O event{} delivered",
            if delivered == 1 { "" } else { "s" }
        );
        Ok(delivered)
    }

    /// Step 2 of [`turn`](Driver::turn) on a paused clock with a timer pending: **auto-advance**.
    ///
    /// The turn was about to sleep until that timer (`wait`). On a paused clock that sleep
    /// would never end by itself, so first look without blocking: if any I/O event or an
    /// unpark is there, deliver it and leave the clock alone. If nothing is, nothing but the
    /// timer can happen next (the runtime has no task to run, or it would not be waiting), so
    /// move the clock by `wait` — straight to the timer — and let step 4 fire it.
    fn poll_paused(
        poll: &mut Poll,
        events: &mut Events,
        shared: &TimeShared,
        wait: Option<Duration>,
    ) -> io::Result<()> {
        poll.poll(events, Some(Duration::ZERO))?;
        if events.is_empty() {
            if let Some(wait) = wait {
                let now = shared.now();
                trace!(
                    Layer::Reactor,
                    "Driver::turn: clock paused, nothing ready: auto-advance {wait:?} to the next timer"
                );
                let _ = shared.clock().advance_to(now.saturating_add(wait));
            }
        }
        Ok(())
    }

    /// Step 3 of [`turn`](Driver::turn): for each event, find its source (lock-free, stale
    /// tokens dropped), set its readiness, wake its waiters.
    fn dispatch(&mut self) -> usize {
        let inner = &*self.handle.inner;
        let mut delivered = 0;
        let mut woken = 0;
        for event in self.events.iter() {
            let Some(io) = inner.registrations.get(event.token().0) else {
                continue; // the unpark waker's token, or a released source's
            };
            let ready = Ready::from_event(event);
            woken += io.deliver(ready);
            delivered += 1;
        }
        inner.metrics.add_events(delivered);
        inner.metrics.add_wakes(woken);
        delivered
    }
}

/// The shorter of two optional waits (`None` = forever).
fn earliest(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("handle", &self.handle)
            .field("event_capacity", &self.events.capacity())
            .finish_non_exhaustive()
    }
}
