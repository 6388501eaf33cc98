//! [`Builder`]: choosing a scheduler flavour and its knobs.

use super::{Flavor, Runtime};
use crate::blocking::BlockingPool;
use crate::driver;
use crate::scheduler::{self, current_thread, multi_thread, Config};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

pub(crate) type Callback = Arc<dyn Fn() + Send + Sync + 'static>;
type ThreadName = Arc<dyn Fn() -> String + Send + Sync + 'static>;

/// Configures and builds a [`Runtime`].
///
/// # Examples
/// ```
/// use corium_executor::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .enable_all()
///     .build()?;
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Builder {
    kind: Kind,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    /// `None`: the defaults, `corium-worker-<index>` and `corium-blocking`.
    thread_name: Option<ThreadName>,
    thread_stack_size: Option<usize>,
    thread_keep_alive: Duration,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    on_thread_park: Option<Callback>,
    on_thread_unpark: Option<Callback>,
    enable_io: bool,
    enable_time: bool,
    event_interval: u32,
    global_queue_interval: u32,
    max_io_events_per_tick: usize,
    disable_lifo_slot: bool,
    start_paused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    CurrentThread,
    MultiThread,
}

/// How runtime threads (workers and the blocking pool) are made.
#[derive(Clone)]
pub(crate) struct ThreadConfig {
    /// The user's naming, if any (see [`Builder::thread_name`]).
    pub(crate) name: Option<ThreadName>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Callback>,
    pub(crate) on_stop: Option<Callback>,
}

impl ThreadConfig {
    /// A builder for a blocking-pool thread.
    pub(crate) fn builder(&self) -> std::thread::Builder {
        self.builder_or(|| "corium-blocking".to_owned())
    }

    /// A builder for scheduler worker `index`: numbered by default, so each worker's trace
    /// lines and Chrome track say which worker it is.
    pub(crate) fn worker_builder(&self, index: usize) -> std::thread::Builder {
        self.builder_or(|| format!("corium-worker-{index}"))
    }

    fn builder_or(&self, default: impl FnOnce() -> String) -> std::thread::Builder {
        let name = match &self.name {
            Some(name) => name(),
            None => default(),
        };
        let builder = std::thread::Builder::new().name(name);
        match self.stack_size {
            Some(size) => builder.stack_size(size),
            None => builder,
        }
    }
}

impl Builder {
    /// A builder for the current-thread flavour: tasks run on the thread calling
    /// [`Runtime::block_on`].
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    /// A builder for the work-stealing flavour: tasks run on a pool of worker threads
    /// (one per CPU by default).
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: None,
            thread_stack_size: None,
            thread_keep_alive: Duration::from_secs(10),
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
            enable_io: false,
            enable_time: false,
            event_interval: 61,
            global_queue_interval: 61,
            max_io_events_per_tick: 1024,
            disable_lifo_slot: false,
            start_paused: false,
        }
    }

    /// Starts the runtime with its clock paused, as if [`time::pause`] were its first call:
    /// timers and [`Instant::now`] see a frozen clock that moves only through
    /// [`time::advance`] and auto-advance (when nothing can run, the clock jumps to the next
    /// timer). For tests of time-dependent code: a one-hour timeout takes microseconds.
    ///
    /// Needs timers ([`enable_time`](Builder::enable_time)); [`build`](Builder::build) fails
    /// without them.
    ///
    /// # Panics
    /// On a multi-thread builder: a paused clock needs the current-thread flavour (tokio
    /// panics the same way).
    ///
    /// [`time::pause`]: corium_reactor::time::pause
    /// [`time::advance`]: corium_reactor::time::advance
    /// [`Instant::now`]: corium_reactor::time::Instant::now
    #[track_caller]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder {
        if start_paused && self.kind == Kind::MultiThread {
            panic!(
                "Builder::start_paused(true) needs a current-thread runtime: on a multi-thread \
                 runtime other workers would keep running against a frozen clock. Use \
                 Builder::new_current_thread()"
            );
        }
        self.start_paused = start_paused;
        self
    }

    /// Number of worker threads (multi-thread flavour; ignored by current-thread). Default: the
    /// number of CPUs. `0` makes [`build`](Builder::build) fail.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// Most threads the blocking pool runs at once (default 512). `0` makes
    /// [`build`](Builder::build) fail.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.max_blocking_threads = n;
        self
    }

    /// Name of every runtime thread. By default workers are named `corium-worker-0`,
    /// `corium-worker-1`, … and blocking-pool threads `corium-blocking`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        self.thread_name = Some(Arc::new(move || name.clone()));
        self
    }

    /// Computes the name of each new runtime thread.
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let rt = corium_executor::runtime::Builder::new_multi_thread()
    ///     .thread_name_fn(|| {
    ///         static ID: AtomicUsize = AtomicUsize::new(0);
    ///         format!("worker-{}", ID.fetch_add(1, Ordering::Relaxed))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn thread_name_fn(
        &mut self,
        f: impl Fn() -> String + Send + Sync + 'static,
    ) -> &mut Builder {
        self.thread_name = Some(Arc::new(f));
        self
    }

    /// Stack size of runtime threads (default: std's).
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.thread_stack_size = Some(bytes);
        self
    }

    /// How long an idle blocking-pool thread waits for work before exiting (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Builder {
        self.thread_keep_alive = duration;
        self
    }

    /// Runs on every runtime thread when it starts.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs on every runtime thread just before it exits.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Runs on a worker thread (or, for the current-thread flavour, the thread in `block_on`)
    /// right before it parks because it has no task to run.
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let p = parks.clone();
    /// let rt = corium_executor::runtime::Builder::new_current_thread()
    ///     .enable_time()
    ///     .on_thread_park(move || { p.fetch_add(1, Ordering::Relaxed); })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     // Nothing else to run until the timer fires: the `block_on` thread parks.
    ///     corium_reactor::time::sleep(std::time::Duration::from_millis(5)).await;
    /// });
    /// assert!(parks.load(Ordering::Relaxed) >= 1);
    /// ```
    pub fn on_thread_park(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs on a worker thread (or the `block_on` thread) right after it wakes from a park.
    pub fn on_thread_unpark(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_unpark = Some(Arc::new(f));
        self
    }

    /// Most I/O events one driver turn takes from the selector (default 1024); the rest wait
    /// for the next turn. `0` makes [`build`](Builder::build) fail.
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Builder {
        self.max_io_events_per_tick = capacity;
        self
    }

    /// Multi-thread flavour: a task woken by a task of the same worker goes to the back of the
    /// worker's queue instead of the LIFO slot (where it would run next). Fairer, usually
    /// slower for request/response patterns. No effect on the current-thread flavour, which
    /// has no LIFO slot. (tokio offers this only with `--cfg tokio_unstable`.)
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.disable_lifo_slot = true;
        self
    }

    /// Enables the I/O driver (sockets).
    pub fn enable_io(&mut self) -> &mut Builder {
        self.enable_io = true;
        self
    }

    /// Enables timers (`sleep`, `timeout`, `interval`).
    pub fn enable_time(&mut self) -> &mut Builder {
        self.enable_time = true;
        self
    }

    /// Enables both I/O and timers.
    pub fn enable_all(&mut self) -> &mut Builder {
        self.enable_io().enable_time()
    }

    /// Every this many scheduler ticks, a busy worker polls the driver for I/O without
    /// blocking (default 61). `0` makes [`build`](Builder::build) fail.
    pub fn event_interval(&mut self, ticks: u32) -> &mut Builder {
        self.event_interval = ticks;
        self
    }

    /// Every this many scheduler ticks, the global (injection / remote) queue is checked before
    /// the local one, so tasks scheduled from outside are not starved (default 61). `0` makes
    /// [`build`](Builder::build) fail.
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Builder {
        self.global_queue_interval = ticks;
        self
    }

    /// Builds the runtime: creates the reactor and, for the multi-thread flavour, starts the
    /// workers.
    ///
    /// # Errors
    /// `InvalidInput` if `worker_threads`, `max_blocking_threads`, `event_interval`,
    /// `global_queue_interval` or `max_io_events_per_tick` is 0 (tokio panics for some of
    /// these; corium reports them as the error of `build`); otherwise the error of creating the reactor (e.g. the
    /// process is out of file descriptors) or of spawning a worker thread.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let invalid = |what: &str| {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what} must be at least 1; pass a positive value"),
            ))
        };
        if self.worker_threads == Some(0) {
            return invalid("Builder::worker_threads");
        }
        if self.max_blocking_threads == 0 {
            return invalid("Builder::max_blocking_threads");
        }
        if self.event_interval == 0 {
            return invalid("Builder::event_interval");
        }
        if self.global_queue_interval == 0 {
            return invalid("Builder::global_queue_interval");
        }
        if self.max_io_events_per_tick == 0 {
            return invalid("Builder::max_io_events_per_tick");
        }
        let threads = ThreadConfig {
            name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            on_start: self.on_thread_start.clone(),
            on_stop: self.on_thread_stop.clone(),
        };
        let config = Config {
            global_queue_interval: self.global_queue_interval,
            event_interval: self.event_interval,
            disable_lifo_slot: self.disable_lifo_slot,
            on_park: self.on_thread_park.clone(),
            on_unpark: self.on_thread_unpark.clone(),
            id: next_runtime_id(),
        };
        if self.start_paused && !self.enable_time {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Builder::start_paused(true) pauses the timers' clock, but timers are disabled: \
                 call enable_time (or enable_all)",
            ));
        }
        // Only where one thread runs every task can the driver tell that nothing is runnable,
        // which a paused clock's auto-advance relies on.
        let pausable_clock = self.kind == Kind::CurrentThread;
        let driver = driver::new_driver(
            self.enable_io,
            self.enable_time,
            self.max_io_events_per_tick,
            pausable_clock,
        )?;
        if self.start_paused {
            let _reactor = driver.handle().enter();
            corium_reactor::time::pause();
        }
        let blocking = BlockingPool::new(
            threads.clone(),
            self.max_blocking_threads,
            self.thread_keep_alive,
        );
        let spawner = blocking.spawner().clone();
        let (handle, flavor) = match self.kind {
            Kind::CurrentThread => {
                let h = current_thread::Handle::new(driver, spawner, config);
                (scheduler::Handle::CurrentThread(h), Flavor::CurrentThread)
            }
            Kind::MultiThread => {
                let n = self.worker_threads.unwrap_or_else(default_worker_threads);
                let h = multi_thread::Handle::launch(n, driver, spawner, config, &threads)?;
                (scheduler::Handle::MultiThread(h), Flavor::MultiThread)
            }
        };
        Ok(Runtime::from_parts(handle, flavor, blocking))
    }
}

/// A process-unique runtime id; never 0.
fn next_runtime_id() -> std::num::NonZeroU64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Relaxed);
    std::num::NonZeroU64::new(id).expect("runtime ids exhausted (2^64 runtimes)")
}

impl Builder {
    /// `true` for [`Builder::new_current_thread`] (what `build_local` needs).
    pub(crate) fn is_current_thread(&self) -> bool {
        self.kind == Kind::CurrentThread
    }
}

fn default_worker_threads() -> usize {
    static CACHED: AtomicUsize = AtomicUsize::new(0);
    match CACHED.load(Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, usize::from);
            CACHED.store(n, Relaxed);
            n
        }
        n => n,
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("thread_keep_alive", &self.thread_keep_alive)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("event_interval", &self.event_interval)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("max_io_events_per_tick", &self.max_io_events_per_tick)
            .field("disable_lifo_slot", &self.disable_lifo_slot)
            .field("start_paused", &self.start_paused)
            .finish_non_exhaustive()
    }
}
