//! Channel benchmarks: `corium::sync`'s channels beside tokio's (and, for mpsc, async-channel's
//! and flume's), in the same run.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `mpsc_{bounded,unbounded}_uncontended_{1,4}p` | current-thread runtime, one task: 1,000 messages sent round-robin through 1 or 4 sender handles into a channel with room for all, then 1,000 received |
//! | `mpsc_{bounded,unbounded}_contended_{1,4}p` | 2-worker runtime: 1 or 4 producer tasks send 1,000 messages in total while the receiver drains them; the bounded channel holds 64, so producers wait |
//! | `oneshot` | 1,000 × (create a channel, send, await the receiver), in one task |
//! | `broadcast_1_to_16` | current-thread runtime: 16 receiver tasks, one sender sends 256 values (capacity 256); every receiver gets all |
//! | `watch_send_changed` | 1,000 × (send, await `changed`, borrow), in one task |
//!
//! Both sides run the same workload source: a macro instantiates it once with `corium::sync`
//! and once with `tokio::sync` (the APIs are the same). async-channel and flume get their own
//! translation of the mpsc workloads.
//!
//! After criterion: two ratio tables (mpsc and oneshot: target at most 0.8 of tokio's time;
//! broadcast and watch: at most tokio's time), then an *interleaved* corium/tokio table, then
//! the bytes each channel allocates.
//!
//! The interleaved table exists because this is a shared 2-core machine: criterion measures
//! corium for a few seconds and then tokio, so a burst of load from another process lands on
//! one side only, and the contended rows (which are mostly thread park/unpark time) swung from
//! 0.5 to 1.9 between runs. It times short rounds of each side alternately ([`ROUNDS`] rounds of
//! [`ROUND_ITERS`] iterations) and reports the median of the per-round ratios, which a burst
//! shifts for a round or two, not for the whole row.
//!
//! Run: `cargo bench --bench sync_chan -- --warm-up-time 1 --measurement-time 3`, or with
//! `--test` to run each routine once. `SYNC_CHAN_INTERLEAVE=part` limits the interleaved pass to
//! the groups whose name contains `part` (criterion takes its usual name filter). One side
//! alone, for `perf record` or `strace -f -c`:
//!
//! ```text
//! cargo bench --bench sync_chan --no-run
//! B=$(ls -t target/release/deps/sync_chan-* | grep -v '\.d$' | head -1)
//! strace -f -c -e trace=futex,sched_yield $B --one corium mpsc_bounded_contended_1p 2000
//! ```

#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, SamplingMode};

use crate::interleave::{interleave, verdict};
use crate::ratio_table::{RatioTable, Target};

/// Counts live bytes, for the bytes-per-channel report — only while [`COUNTING`] is set: a
/// locked add on one shared counter at every allocation would time the counter (and, in the
/// contended rows, its cache line bouncing between cores) along with both runtimes.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counter
// is a plain atomic and never affects the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        // SAFETY: forwarded caller contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            ALLOCATED.fetch_sub(layout.size(), Relaxed);
        }
        // SAFETY: forwarded caller contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MESSAGES: usize = 1_000;
const CONTENDED_CAPACITY: usize = 64;
const BROADCAST_RECEIVERS: usize = 16;
const BROADCAST_VALUES: usize = 256;
/// Rounds of the interleaved comparison (each: corium, then tokio).
const ROUNDS: usize = 31;
/// Iterations of one workload per side per round.
const ROUND_ITERS: usize = 40;

/// The workloads, written once against tokio's `sync` API and instantiated for both crates.
macro_rules! workloads {
    ($m:ident, $sync:ident, $spawn:path) => {
        mod $m {
            use super::*;
            use $sync::sync::{broadcast, mpsc, oneshot, watch};

            pub async fn bounded_uncontended(producers: usize) {
                let (tx, mut rx) = mpsc::channel::<usize>(MESSAGES);
                let txs: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
                for i in 0..MESSAGES {
                    txs[i % producers].send(i).await.unwrap();
                }
                for _ in 0..MESSAGES {
                    rx.recv().await.unwrap();
                }
            }

            pub async fn unbounded_uncontended(producers: usize) {
                let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                let txs: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
                for i in 0..MESSAGES {
                    txs[i % producers].send(i).unwrap();
                }
                for _ in 0..MESSAGES {
                    rx.recv().await.unwrap();
                }
            }

            pub async fn bounded_contended(producers: usize) {
                let (tx, mut rx) = mpsc::channel::<usize>(CONTENDED_CAPACITY);
                for _ in 0..producers {
                    let tx = tx.clone();
                    $spawn(async move {
                        for i in 0..MESSAGES / producers {
                            tx.send(i).await.unwrap();
                        }
                    });
                }
                drop(tx);
                while rx.recv().await.is_some() {}
            }

            pub async fn unbounded_contended(producers: usize) {
                let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                for _ in 0..producers {
                    let tx = tx.clone();
                    $spawn(async move {
                        for i in 0..MESSAGES / producers {
                            tx.send(i).unwrap();
                        }
                    });
                }
                drop(tx);
                while rx.recv().await.is_some() {}
            }

            pub async fn oneshot() {
                for i in 0..MESSAGES {
                    let (tx, rx) = oneshot::channel::<usize>();
                    tx.send(i).unwrap();
                    assert_eq!(rx.await, Ok(i));
                }
            }

            pub async fn broadcast_1_to_16() {
                let (tx, _) = broadcast::channel::<usize>(BROADCAST_VALUES);
                let receivers: Vec<_> = (0..BROADCAST_RECEIVERS)
                    .map(|_| {
                        let mut rx = tx.subscribe();
                        $spawn(async move {
                            for _ in 0..BROADCAST_VALUES {
                                rx.recv().await.unwrap();
                            }
                        })
                    })
                    .collect();
                for i in 0..BROADCAST_VALUES {
                    tx.send(i).unwrap();
                }
                for r in receivers {
                    r.await.unwrap();
                }
            }

            pub async fn watch_send_changed() {
                let (tx, mut rx) = watch::channel(0usize);
                for i in 1..=MESSAGES {
                    tx.send(i).unwrap();
                    rx.changed().await.unwrap();
                    assert_eq!(*rx.borrow_and_update(), i);
                }
            }

            /// Bytes one channel allocates (measured on a fresh channel, kept alive).
            pub fn bytes() -> [(&'static str, usize); 5] {
                fn measure<T>(make: impl FnOnce() -> T) -> usize {
                    COUNTING.store(true, SeqCst);
                    let before = ALLOCATED.load(SeqCst);
                    let kept = make();
                    let after = ALLOCATED.load(SeqCst);
                    COUNTING.store(false, SeqCst);
                    drop(kept);
                    after - before
                }
                [
                    ("mpsc::channel(64)", measure(|| mpsc::channel::<u64>(64))),
                    (
                        "mpsc::unbounded_channel",
                        measure(mpsc::unbounded_channel::<u64>),
                    ),
                    ("oneshot::channel", measure(oneshot::channel::<u64>)),
                    (
                        "broadcast::channel(16)",
                        measure(|| broadcast::channel::<u64>(16)),
                    ),
                    ("watch::channel", measure(|| watch::channel(0u64))),
                ]
            }
        }
    };
}

workloads!(corium_w, corium, corium::spawn);
workloads!(tokio_w, tokio, tokio::spawn);

/// The mpsc workloads on async-channel and flume (the same shapes; both spawn on tokio).
mod others {
    use super::*;

    pub async fn async_channel(bounded: bool, contended: bool, producers: usize) {
        let cap = if contended {
            CONTENDED_CAPACITY
        } else {
            MESSAGES
        };
        let (tx, rx) = if bounded {
            async_channel::bounded::<usize>(cap)
        } else {
            async_channel::unbounded::<usize>()
        };
        if contended {
            for _ in 0..producers {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..MESSAGES / producers {
                        tx.send(i).await.unwrap();
                    }
                });
            }
            drop(tx);
            while rx.recv().await.is_ok() {}
        } else {
            let txs: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
            for i in 0..MESSAGES {
                txs[i % producers].send(i).await.unwrap();
            }
            for _ in 0..MESSAGES {
                rx.recv().await.unwrap();
            }
        }
    }

    pub async fn flume(bounded: bool, contended: bool, producers: usize) {
        let cap = if contended {
            CONTENDED_CAPACITY
        } else {
            MESSAGES
        };
        let (tx, rx) = if bounded {
            flume::bounded::<usize>(cap)
        } else {
            flume::unbounded::<usize>()
        };
        if contended {
            for _ in 0..producers {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..MESSAGES / producers {
                        tx.send_async(i).await.unwrap();
                    }
                });
            }
            drop(tx);
            while rx.recv_async().await.is_ok() {}
        } else {
            let txs: Vec<_> = (0..producers).map(|_| tx.clone()).collect();
            for i in 0..MESSAGES {
                txs[i % producers].send_async(i).await.unwrap();
            }
            for _ in 0..MESSAGES {
                rx.recv_async().await.unwrap();
            }
        }
    }
}

fn corium_rt(multi: bool) -> corium::runtime::Runtime {
    let mut b = if multi {
        let mut b = corium::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        corium::runtime::Builder::new_current_thread()
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

/// One mpsc or oneshot workload, by its group's name, on either side.
async fn corium_workload(group: &str) {
    match group {
        "oneshot" => corium_w::oneshot().await,
        _ => {
            let (bounded, contended, producers) = parse_group(group);
            match (bounded, contended) {
                (true, false) => corium_w::bounded_uncontended(producers).await,
                (false, false) => corium_w::unbounded_uncontended(producers).await,
                (true, true) => corium_w::bounded_contended(producers).await,
                (false, true) => corium_w::unbounded_contended(producers).await,
            }
        }
    }
}

/// [`corium_workload`]'s twin on tokio.
async fn tokio_workload(group: &str) {
    match group {
        "oneshot" => tokio_w::oneshot().await,
        _ => {
            let (bounded, contended, producers) = parse_group(group);
            match (bounded, contended) {
                (true, false) => tokio_w::bounded_uncontended(producers).await,
                (false, false) => tokio_w::unbounded_uncontended(producers).await,
                (true, true) => tokio_w::bounded_contended(producers).await,
                (false, true) => tokio_w::unbounded_contended(producers).await,
            }
        }
    }
}

/// `mpsc_{bounded,unbounded}_{uncontended,contended}_{n}p` → (bounded, contended, n).
fn parse_group(group: &str) -> (bool, bool, usize) {
    let producers = group
        .rsplit('_')
        .next()
        .and_then(|p| p.trim_end_matches('p').parse().ok())
        .expect("a group name ends in _<n>p");
    (
        group.contains("_bounded_"),
        group.contains("_contended_"),
        producers,
    )
}

/// The interleaved corium/tokio comparison (see the module docs); `quick` runs one tiny round
/// (for `--test`).
fn interleaved(groups: &[String], quick: bool) {
    let (rounds, iters) = if quick { (1, 1) } else { (ROUNDS, ROUND_ITERS) };
    println!(
        "\nsync_chan interleaved (median of {rounds} per-round ratios, {iters} iterations per side \
         per round; target <= 0.80{})",
        if quick { "; --test: no verdict" } else { "" }
    );
    println!(
        "{:<31} {:>10} {:>10} {:>13} {:>8}",
        "group", "corium", "tokio", "corium/tokio", "verdict"
    );
    for group in groups {
        let contended = group.contains("_contended_");
        let (crt, trt) = (corium_rt(contended), tokio_rt(contended));
        let (c, t, ratio) = interleave(
            rounds,
            iters,
            || crt.block_on(corium_workload(group)),
            || trt.block_on(tokio_workload(group)),
        );
        println!(
            "{group:<31} {:>10} {:>10} {ratio:>13.3} {:>8}",
            ratio_table::format_ns(c * 1e9),
            ratio_table::format_ns(t * 1e9),
            verdict(quick, ratio, 0.8),
        );
    }
}

/// `--one SIDE GROUP ITERS`: runs one side's workload alone, `ITERS` times on one runtime, and
/// prints the mean time, for looking at it with `perf` or `strace -f -c` (see the module docs).
fn one_side(args: &[String]) {
    let [side, group, iters] = args else {
        panic!("usage: --one corium|tokio GROUP ITERS");
    };
    let iters: u32 = iters.parse().expect("ITERS is a number");
    let contended = group.contains("_contended_");
    let start = Instant::now();
    match side.as_str() {
        "corium" => {
            let rt = corium_rt(contended);
            for _ in 0..iters {
                rt.block_on(corium_workload(group));
            }
        }
        "tokio" => {
            let rt = tokio_rt(contended);
            for _ in 0..iters {
                rt.block_on(tokio_workload(group));
            }
        }
        other => panic!("--one: the side is corium or tokio, not {other:?}"),
    }
    let per = start.elapsed() / iters;
    println!("{side} {group}: {per:?} per iteration ({iters} iterations)");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--one") {
        return one_side(&args[at + 1..(at + 4).min(args.len())]);
    }
    ratio_table::self_check();
    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
        .configure_from_args();

    let mut fast_groups = Vec::new();
    for bounded in [true, false] {
        for contended in [false, true] {
            for producers in [1, 4] {
                let name = format!(
                    "mpsc_{}_{}_{producers}p",
                    if bounded { "bounded" } else { "unbounded" },
                    if contended {
                        "contended"
                    } else {
                        "uncontended"
                    },
                );
                let mut g = c.benchmark_group(&name);
                g.sample_size(30).sampling_mode(SamplingMode::Flat);
                let rt = corium_rt(contended);
                g.bench_function("corium", |b| {
                    b.iter(|| {
                        rt.block_on(async {
                            match (bounded, contended) {
                                (true, false) => corium_w::bounded_uncontended(producers).await,
                                (false, false) => corium_w::unbounded_uncontended(producers).await,
                                (true, true) => corium_w::bounded_contended(producers).await,
                                (false, true) => corium_w::unbounded_contended(producers).await,
                            }
                        })
                    })
                });
                drop(rt);
                let rt = tokio_rt(contended);
                g.bench_function("tokio", |b| {
                    b.iter(|| {
                        rt.block_on(async {
                            match (bounded, contended) {
                                (true, false) => tokio_w::bounded_uncontended(producers).await,
                                (false, false) => tokio_w::unbounded_uncontended(producers).await,
                                (true, true) => tokio_w::bounded_contended(producers).await,
                                (false, true) => tokio_w::unbounded_contended(producers).await,
                            }
                        })
                    })
                });
                g.bench_function("async_channel", |b| {
                    b.iter(|| rt.block_on(others::async_channel(bounded, contended, producers)))
                });
                g.bench_function("flume", |b| {
                    b.iter(|| rt.block_on(others::flume(bounded, contended, producers)))
                });
                g.finish();
                fast_groups.push(name);
            }
        }
    }

    let mut g = c.benchmark_group("oneshot");
    g.sample_size(30).sampling_mode(SamplingMode::Flat);
    let (crt, trt) = (corium_rt(false), tokio_rt(false));
    g.bench_function("corium", |b| b.iter(|| crt.block_on(corium_w::oneshot())));
    g.bench_function("tokio", |b| b.iter(|| trt.block_on(tokio_w::oneshot())));
    g.finish();
    fast_groups.push("oneshot".to_string());

    let mut slow_groups = Vec::new();
    let mut g = c.benchmark_group("broadcast_1_to_16");
    g.sample_size(30).sampling_mode(SamplingMode::Flat);
    g.bench_function("corium", |b| {
        b.iter(|| crt.block_on(corium_w::broadcast_1_to_16()))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| trt.block_on(tokio_w::broadcast_1_to_16()))
    });
    g.finish();
    slow_groups.push("broadcast_1_to_16".to_string());

    let mut g = c.benchmark_group("watch_send_changed");
    g.sample_size(30).sampling_mode(SamplingMode::Flat);
    g.bench_function("corium", |b| {
        b.iter(|| crt.block_on(corium_w::watch_send_changed()))
    });
    g.bench_function("tokio", |b| {
        b.iter(|| trt.block_on(tokio_w::watch_send_changed()))
    });
    g.finish();
    slow_groups.push("watch_send_changed".to_string());
    c.final_summary();

    RatioTable {
        bench: "sync_chan_mpsc_oneshot",
        functions: &["corium", "tokio", "async_channel", "flume"],
        anchor: "corium",
        targets: &[
            Target {
                other: "tokio",
                max_ratio: 0.8,
            },
            Target {
                other: "async_channel",
                max_ratio: 1.0,
            },
            Target {
                other: "flume",
                max_ratio: 1.0,
            },
        ],
    }
    .report(&fast_groups, since)
    .expect("could not write the mpsc/oneshot summary");
    RatioTable {
        bench: "sync_chan_broadcast_watch",
        functions: &["corium", "tokio"],
        anchor: "corium",
        targets: &[Target {
            other: "tokio",
            max_ratio: 1.0,
        }],
    }
    .report(&slow_groups, since)
    .expect("could not write the broadcast/watch summary");

    let quick = std::env::args().any(|a| a == "--test");
    // `SYNC_CHAN_INTERLEAVE=part` interleaves only the groups whose name contains `part`.
    let only = std::env::var("SYNC_CHAN_INTERLEAVE").unwrap_or_default();
    let chosen: Vec<String> = fast_groups
        .into_iter()
        .filter(|g| g.contains(only.as_str()))
        .collect();
    interleaved(&chosen, quick);

    println!("\nbytes allocated per channel (T = u64), corium vs tokio:");
    for ((name, corium), (_, tokio)) in corium_w::bytes().into_iter().zip(tokio_w::bytes()) {
        println!("  {name:<26} corium {corium:>6} B   tokio {tokio:>6} B");
    }
}
