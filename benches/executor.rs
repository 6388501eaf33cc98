//! Executor benchmarks: corium's schedulers beside tokio's, on both flavours.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `spawn_many_{ct,mt}` | from inside `block_on`, spawn 10,000 empty tasks and await every `JoinHandle` |
//! | `yield_many_{ct,mt}` | 200 tasks, each `yield_now`s 1,000 times; await them all |
//! | `ping_pong_{ct,mt}` | two tasks hand a baton back and forth 1,000 times (each hop is a wake of the other) |
//! | `chained_spawn_{ct,mt}` | a chain of 1,000 tasks, each spawning the next; the last one signals |
//! | `remote_spawn_{ct,mt}` | a foreign std thread spawns 10,000 tasks through a `Handle`; wait until all ran |
//! | `join_set_{ct,mt}` | spawn 10,000 empty tasks into a `JoinSet`, then `join_next` until it is empty |
//! | `spawn_local_ct` | inside a `LocalSet` (`block_on`), `spawn_local` 10,000 `!Send` tasks and await every handle |
//!
//! `ct` is a current-thread runtime, `mt` a multi-thread one with 2 workers (the bench machine
//! has 2 cores). Both sides run the *same* workload source (a macro instantiates it once with
//! corium's API and once with tokio's) and the same hand-written sync primitives.
//!
//! After criterion: the ratio table (corium median / tokio median; the target is 1.3x tokio's
//! throughput, i.e. a ratio of at most 0.77), then a memory report that is not a criterion
//! timing: the task header size, and the bytes and allocations per idle spawned task
//! (10,000 tasks parked on `pending()`), measured by a counting global allocator.
//!
//! Run: `cargo bench --bench executor` (a few minutes), or `cargo bench --bench executor --
//! --test` to run each routine once.

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};

use crate::ratio_table::{RatioTable, Target};

/// Counts bytes and allocations, for the memory report.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are plain atomics and never affect the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        ALLOCATIONS.fetch_add(1, Relaxed);
        // SAFETY: forwarded caller contract (non-zero size layout).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded caller contract (ptr came from `alloc` with this layout).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SPAWN_MANY: usize = 10_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const PING_PONGS: usize = 1_000;
const CHAIN: usize = 1_000;
const REMOTE_SPAWNS: usize = 10_000;

/// A countdown latch: `wait` completes once `count_down` was called `n` times.
#[derive(Clone)]
struct Latch(Arc<(AtomicUsize, Mutex<Option<Waker>>)>);

impl Latch {
    fn new(n: usize) -> Latch {
        Latch(Arc::new((AtomicUsize::new(n), Mutex::new(None))))
    }

    fn count_down(&self) {
        if self.0 .0.fetch_sub(1, SeqCst) == 1 {
            if let Some(w) = self.0 .1.lock().unwrap().take() {
                w.wake();
            }
        }
    }

    fn wait(&self) -> LatchWait {
        LatchWait(self.clone())
    }
}

struct LatchWait(Latch);

impl Future for LatchWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 .0 .0.load(SeqCst) == 0 {
            return Poll::Ready(());
        }
        *self.0 .0 .1.lock().unwrap() = Some(cx.waker().clone());
        if self.0 .0 .0.load(SeqCst) == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A baton two players pass back and forth.
#[derive(Default)]
struct Baton {
    state: Mutex<(usize, [Option<Waker>; 2])>,
}

struct TakeTurn<'a> {
    baton: &'a Baton,
    me: usize,
}

impl Future for TakeTurn<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.baton.state.lock().unwrap();
        if s.0 == self.me {
            Poll::Ready(())
        } else {
            s.1[self.me] = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Baton {
    async fn play(&self, me: usize, rounds: usize) {
        for _ in 0..rounds {
            TakeTurn { baton: self, me }.await;
            let other = {
                let mut s = self.state.lock().unwrap();
                s.0 = 1 - me;
                s.1[1 - me].take()
            };
            if let Some(w) = other {
                w.wake();
            }
        }
    }
}

/// One set of workloads per runtime, from the same source.
macro_rules! workloads {
    ($name:ident, $spawn:path, $yield_now:path, $handle:path, $task:path) => {
        mod $name {
            use super::*;
            use $task as task;

            pub async fn join_set() {
                let mut set = task::JoinSet::new();
                for _ in 0..SPAWN_MANY {
                    set.spawn(async {});
                }
                while let Some(res) = set.join_next().await {
                    res.unwrap();
                }
            }

            pub async fn spawn_local() {
                let marker = std::rc::Rc::new(());
                let handles: Vec<_> = (0..SPAWN_MANY)
                    .map(|_| {
                        let marker = marker.clone();
                        task::spawn_local(async move { drop(marker) })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            }

            pub async fn spawn_many() {
                let handles: Vec<_> = (0..SPAWN_MANY).map(|_| $spawn(async {})).collect();
                for h in handles {
                    h.await.unwrap();
                }
            }

            pub async fn yield_many() {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        $spawn(async {
                            for _ in 0..YIELDS {
                                $yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            }

            pub async fn ping_pong() {
                let baton = Arc::new(Baton::default());
                let (a, b) = (baton.clone(), baton);
                let p0 = $spawn(async move { a.play(0, PING_PONGS).await });
                let p1 = $spawn(async move { b.play(1, PING_PONGS).await });
                p0.await.unwrap();
                p1.await.unwrap();
            }

            fn chain(n: usize, done: Latch) {
                if n == 0 {
                    done.count_down();
                } else {
                    drop($spawn(async move { chain(n - 1, done) }));
                }
            }

            pub async fn chained_spawn() {
                let done = Latch::new(1);
                chain(CHAIN, done.clone());
                done.wait().await;
            }

            pub async fn remote_spawn() {
                let handle = <$handle>::current();
                let done = Latch::new(REMOTE_SPAWNS);
                let d = done.clone();
                let spawner = std::thread::spawn(move || {
                    for _ in 0..REMOTE_SPAWNS {
                        let d = d.clone();
                        drop(handle.spawn(async move { d.count_down() }));
                    }
                });
                done.wait().await;
                spawner.join().unwrap();
            }
        }
    };
}

workloads!(
    corium_w,
    corium_executor::spawn,
    corium_executor::task::yield_now,
    corium_executor::runtime::Handle,
    corium_executor::task
);
workloads!(
    tokio_w,
    tokio::spawn,
    tokio::task::yield_now,
    tokio::runtime::Handle,
    tokio::task
);

fn corium_rt(multi: bool) -> corium_executor::runtime::Runtime {
    let mut b = if multi {
        let mut b = corium_executor::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        corium_executor::runtime::Builder::new_current_thread()
    };
    b.enable_all().build().expect("corium runtime")
}

fn tokio_rt(multi: bool) -> tokio::runtime::Runtime {
    let mut b = if multi {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    b.enable_all().build().expect("tokio runtime")
}

/// Defines one criterion group comparing the two runtimes on one workload and flavour.
macro_rules! group {
    ($c:expr, $groups:expr, $name:literal, $work:ident, $multi:expr) => {{
        let name = format!("{}_{}", $name, if $multi { "mt" } else { "ct" });
        let mut g = $c.benchmark_group(&name);
        g.sample_size(20).sampling_mode(SamplingMode::Flat);
        {
            let rt = corium_rt($multi);
            g.bench_function("corium", |b| b.iter(|| rt.block_on(corium_w::$work())));
        }
        {
            let rt = tokio_rt($multi);
            g.bench_function("tokio", |b| b.iter(|| rt.block_on(tokio_w::$work())));
        }
        g.finish();
        $groups.push(name);
    }};
}

/// As [`group!`], inside a `LocalSet` on a current-thread runtime (`spawn_local`).
macro_rules! local_group {
    ($c:expr, $groups:expr, $name:literal, $work:ident) => {{
        let name = format!("{}_ct", $name);
        let mut g = $c.benchmark_group(&name);
        g.sample_size(20).sampling_mode(SamplingMode::Flat);
        {
            let rt = corium_rt(false);
            let local = corium_executor::task::LocalSet::new();
            g.bench_function("corium", |b| {
                b.iter(|| local.block_on(&rt, corium_w::$work()))
            });
        }
        {
            let rt = tokio_rt(false);
            let local = tokio::task::LocalSet::new();
            g.bench_function("tokio", |b| {
                b.iter(|| local.block_on(&rt, tokio_w::$work()))
            });
        }
        g.finish();
        $groups.push(name);
    }};
}

fn main() {
    ratio_table::self_check();
    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
        .configure_from_args();

    let mut groups = Vec::new();
    for multi in [false, true] {
        group!(c, groups, "spawn_many", spawn_many, multi);
        group!(c, groups, "yield_many", yield_many, multi);
        group!(c, groups, "ping_pong", ping_pong, multi);
        group!(c, groups, "chained_spawn", chained_spawn, multi);
        group!(c, groups, "remote_spawn", remote_spawn, multi);
        group!(c, groups, "join_set", join_set, multi);
    }
    local_group!(c, groups, "spawn_local", spawn_local);
    c.final_summary();

    let table = RatioTable {
        bench: "executor",
        functions: &["corium", "tokio"],
        anchor: "corium",
        // 1.3x tokio's throughput = at most 1/1.3 of its time per iteration.
        targets: &[Target {
            other: "tokio",
            max_ratio: 0.77,
        }],
    };
    table
        .report(&groups, since)
        .expect("could not write the executor summary");

    memory_report();
}

/// Bytes and allocations per idle task, 10,000 tasks parked on `pending()`.
fn memory_report() {
    const TASKS: usize = 10_000;
    fn measure(spawn_idle: impl FnOnce() -> Box<dyn FnOnce()>) -> (f64, f64) {
        let (bytes0, allocs0) = (ALLOCATED.load(SeqCst), ALLOCATIONS.load(SeqCst));
        let release = spawn_idle();
        let (bytes1, allocs1) = (ALLOCATED.load(SeqCst), ALLOCATIONS.load(SeqCst));
        release();
        (
            (bytes1 as f64 - bytes0 as f64) / TASKS as f64,
            (allocs1 as f64 - allocs0 as f64) / TASKS as f64,
        )
    }

    let corium = {
        let rt = corium_rt(false);
        // Warm-up so queue buffers already exist.
        rt.block_on(async { corium_w::spawn_many().await });
        let m = measure(|| {
            let hs = rt.block_on(async {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| corium_executor::spawn(std::future::pending::<()>()))
                    .collect();
                corium_executor::task::yield_now().await;
                hs
            });
            Box::new(move || drop(hs))
        });
        drop(rt);
        m
    };
    let tokio = {
        let rt = tokio_rt(false);
        rt.block_on(async { tokio_w::spawn_many().await });
        let m = measure(|| {
            let hs = rt.block_on(async {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| tokio::spawn(std::future::pending::<()>()))
                    .collect();
                tokio::task::yield_now().await;
                hs
            });
            Box::new(move || drop(hs))
        });
        drop(rt);
        m
    };
    println!(
        "\nexecutor memory per idle task ({TASKS} tasks on `pending()`, current-thread runtimes)\n"
    );
    println!("| | corium | tokio |");
    println!("|---|---|---|");
    println!(
        "| task header | {} B | n/a (internal) |",
        corium_executor::task::__header_size()
    );
    println!(
        "| bytes per idle task (incl. JoinHandle, queues) | {:.1} | {:.1} |",
        corium.0, tokio.0
    );
    println!(
        "| allocations per task | {:.2} | {:.2} |",
        corium.1, tokio.1
    );
}
