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
pub(crate) mod stats;

use crate::blocking;
use crate::driver::DriverHandle;
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;

/// Tuning shared by both flavours.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// Every this many ticks the injector (or remote queue) is checked before the local one.
    pub(crate) global_queue_interval: u32,
    /// Every this many ticks the driver is polled without blocking.
    pub(crate) event_interval: u32,
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

    pub(crate) fn blocking_spawner(&self) -> &blocking::Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
        }
    }
}
