//! The two schedulers and what they share.
//!
//! * [`current_thread`]: every task runs on the thread that calls `block_on`.
//! * [`multi_thread`]: a work-stealing pool of worker threads.
//!
//! Both park idle threads with [`park`] (in the reactor driver when they can, on a condvar
//! otherwise), count per-worker [`stats`], and are reached through one [`Handle`] enum so
//! `spawn` does not care which flavour is current.

pub(crate) mod block_on;
pub(crate) mod current_thread;
pub(crate) mod local;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod rand;
pub(crate) mod spin;
pub(crate) mod stats;

use crate::blocking;
use crate::driver::DriverHandle;
use crate::runtime::builder::Callback;
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;

/// Tuning shared by both flavours.
#[derive(Clone)]
pub(crate) struct Config {
    /// Every this many ticks the injector (or remote queue) is checked before the local one.
    pub(crate) global_queue_interval: u32,
    /// Every this many ticks the driver is polled without blocking.
    pub(crate) event_interval: u32,
    /// Multi-thread only: wakes go to the back of the local queue, never to the LIFO slot.
    pub(crate) disable_lifo_slot: bool,
    /// Run by a worker (or the `block_on` thread) right before it parks...
    pub(crate) on_park: Option<Callback>,
    /// ...and right after it wakes.
    pub(crate) on_unpark: Option<Callback>,
    /// This runtime's id (see `runtime::Id`).
    pub(crate) id: std::num::NonZeroU64,
}

impl Config {
    /// Runs the park hook, if any.
    #[inline]
    pub(crate) fn before_park(&self) {
        if let Some(f) = &self.on_park {
            f();
        }
    }

    /// Runs the unpark hook, if any.
    #[inline]
    pub(crate) fn after_unpark(&self) {
        if let Some(f) = &self.on_unpark {
            f();
        }
    }
}

/// A handle to either scheduler.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = Id::next();
        crate::trace::spawn(id, false);
        match self {
            Handle::CurrentThread(h) => h.spawn(future, id),
            Handle::MultiThread(h) => h.spawn(future, id),
        }
    }

    pub(crate) fn driver(&self) -> &DriverHandle {
        match self {
            Handle::CurrentThread(h) => &h.driver,
            Handle::MultiThread(h) => &h.driver,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        match self {
            Handle::CurrentThread(h) => &h.config,
            Handle::MultiThread(h) => &h.config,
        }
    }

    pub(crate) fn blocking_spawner(&self) -> &blocking::Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
        }
    }
}
