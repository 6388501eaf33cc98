//! corium-sync's primitives beside tokio::sync, in the same run.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `mutex_uncontended` | create a `lock()` future, poll it once (the mutex is free), drop the guard |
//! | `mutex_contended_8` | 8 tasks on a 2-worker runtime each lock, bump a counter and unlock 500 times |
//! | `semaphore_acquire_release` | `acquire()` on a free semaphore, polled once; drop the permit |
//! | `notify_ping_pong` | two tasks on a current-thread runtime hand a `Notify` back and forth 1,000 times |
//!
//! Both sides run on the *same* executor (corium's runtime, or a hand poll with a no-op waker):
//! the table compares the primitives, not the schedulers. Outside a corium task the coop budget
//! is unlimited for both; inside one, corium's primitives spend it (tokio's do not know about
//! corium's budget), which costs corium a yield every 128 uncontended operations.
//!
//! After criterion: the ratio table (target: at most tokio's time), then an *interleaved*
//! table (31 alternating short rounds of each side, median of the per-round ratios; see
//! `support/interleave.rs` for why), then the sizes of each primitive and of one waiter (a
//! pending `lock()` future: the whole waiter is inline in it, nothing is allocated).
//!
//! Run: `cargo bench --bench sync_prim` (a minute), or `-- --test` to run each routine once.

#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use corium::runtime::{Builder, Runtime};
use criterion::Criterion;

use crate::interleave::{interleave, verdict};
use crate::ratio_table::{RatioTable, Target};

const CONTENDERS: usize = 8;
const LOCKS_EACH: usize = 500;
const PING_PONGS: usize = 1_000;

/// Polls `fut` once with a no-op waker; it must be ready.
fn ready_now<F: Future>(fut: F) -> F::Output {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the primitive was expected to be free"),
    }
}

fn multi() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn current() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// The same workload, once per library: `$sync` is `corium::sync` or `tokio::sync`.
macro_rules! workloads {
    ($name:ident, $sync:path) => {
        mod $name {
            use super::*;
            use $sync as sync;

            pub fn mutex_uncontended(m: &sync::Mutex<u64>) {
                let mut g = ready_now(m.lock());
                *g += 1;
            }

            pub fn semaphore_acquire_release(s: &sync::Semaphore) {
                drop(black_box(ready_now(s.acquire()).unwrap()));
            }

            pub async fn mutex_contended() {
                let m = Arc::new(sync::Mutex::new(0usize));
                let tasks: Vec<_> = (0..CONTENDERS)
                    .map(|_| {
                        let m = m.clone();
                        corium::spawn(async move {
                            for _ in 0..LOCKS_EACH {
                                *m.lock().await += 1;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                assert_eq!(*m.lock().await, CONTENDERS * LOCKS_EACH);
            }

            pub async fn notify_ping_pong() {
                let ping = Arc::new(sync::Notify::new());
                let pong = Arc::new(sync::Notify::new());
                let other = {
                    let (ping, pong) = (ping.clone(), pong.clone());
                    corium::spawn(async move {
                        for _ in 0..PING_PONGS {
                            ping.notified().await;
                            pong.notify_one();
                        }
                    })
                };
                for _ in 0..PING_PONGS {
                    ping.notify_one();
                    pong.notified().await;
                }
                other.await.unwrap();
            }
        }
    };
}

workloads!(corium_w, corium::sync);
workloads!(tokio_w, tokio::sync);

/// Registers the group `$group` with its corium and tokio functions and remembers its name.
macro_rules! group {
    ($c:ident, $groups:ident, $group:literal, |$b:ident, $w:ident| $body:expr) => {{
        let mut g = $c.benchmark_group($group);
        g.bench_function("corium", |$b| {
            use corium_w as $w;
            $body
        });
        g.bench_function("tokio", |$b| {
            use tokio_w as $w;
            $body
        });
        g.finish();
        $groups.push($group.to_string());
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

    {
        let mut g = c.benchmark_group("mutex_uncontended");
        let m = corium::sync::Mutex::new(0);
        g.bench_function("corium", |b| b.iter(|| corium_w::mutex_uncontended(&m)));
        let m = tokio::sync::Mutex::new(0);
        g.bench_function("tokio", |b| b.iter(|| tokio_w::mutex_uncontended(&m)));
        g.finish();
        groups.push("mutex_uncontended".to_string());
    }
    {
        let mut g = c.benchmark_group("semaphore_acquire_release");
        let s = corium::sync::Semaphore::new(1);
        g.bench_function("corium", |b| {
            b.iter(|| corium_w::semaphore_acquire_release(&s))
        });
        let s = tokio::sync::Semaphore::new(1);
        g.bench_function("tokio", |b| {
            b.iter(|| tokio_w::semaphore_acquire_release(&s))
        });
        g.finish();
        groups.push("semaphore_acquire_release".to_string());
    }
    let rt = multi();
    group!(c, groups, "mutex_contended_8", |b, w| b
        .iter(|| rt.block_on(w::mutex_contended())));
    let rt = current();
    group!(c, groups, "notify_ping_pong", |b, w| b
        .iter(|| rt.block_on(w::notify_ping_pong())));
    c.final_summary();

    RatioTable {
        bench: "sync_prim",
        functions: &["corium", "tokio"],
        anchor: "corium",
        targets: &[Target {
            other: "tokio",
            max_ratio: 1.0,
        }],
    }
    .report(&groups, since)
    .expect("could not write the sync_prim summary");

    interleaved(std::env::args().any(|a| a == "--test"));
    size_report();
}

/// The interleaved table; `quick` (for `--test`) runs one tiny round and gives no verdict.
fn interleaved(quick: bool) {
    let rounds = if quick { 1 } else { 31 };
    // Iterations per side per round, per group: rounds of a few milliseconds each.
    let scale = |n: usize| if quick { 1 } else { n };
    println!(
        "\nsync_prim interleaved (median of {rounds} per-round ratios; target <= 1.00)\n\n\
         {:<28}{:>10}{:>10}{:>14}{:>9}",
        "group", "corium", "tokio", "corium/tokio", "verdict"
    );
    let (cm, tm) = (corium::sync::Mutex::new(0), tokio::sync::Mutex::new(0));
    let (cs, ts) = (
        corium::sync::Semaphore::new(1),
        tokio::sync::Semaphore::new(1),
    );
    let (multi, current) = (multi(), current());
    let rows = [
        (
            "mutex_uncontended",
            interleave(
                rounds,
                scale(50_000),
                || corium_w::mutex_uncontended(&cm),
                || tokio_w::mutex_uncontended(&tm),
            ),
        ),
        (
            "semaphore_acquire_release",
            interleave(
                rounds,
                scale(50_000),
                || corium_w::semaphore_acquire_release(&cs),
                || tokio_w::semaphore_acquire_release(&ts),
            ),
        ),
        (
            "mutex_contended_8",
            interleave(
                rounds,
                scale(10),
                || multi.block_on(corium_w::mutex_contended()),
                || multi.block_on(tokio_w::mutex_contended()),
            ),
        ),
        (
            "notify_ping_pong",
            interleave(
                rounds,
                scale(20),
                || current.block_on(corium_w::notify_ping_pong()),
                || current.block_on(tokio_w::notify_ping_pong()),
            ),
        ),
    ];
    for (group, (c, t, ratio)) in rows {
        println!(
            "{group:<28}{:>10}{:>10}{ratio:>14.3}{:>9}",
            ratio_table::format_ns(c * 1e9),
            ratio_table::format_ns(t * 1e9),
            verdict(quick, ratio, 1.0),
        );
    }
}

/// Bytes per primitive and per waiter (a pending `lock()` future holds the whole waiter).
fn size_report() {
    use std::mem::size_of_val;
    let cm = corium::sync::Mutex::new(());
    let tm = tokio::sync::Mutex::new(());
    let rows = [
        ("Mutex<()>", size_of_val(&cm), size_of_val(&tm)),
        (
            "Semaphore",
            size_of_val(&corium::sync::Semaphore::new(1)),
            size_of_val(&tokio::sync::Semaphore::new(1)),
        ),
        (
            "RwLock<()>",
            size_of_val(&corium::sync::RwLock::new(())),
            size_of_val(&tokio::sync::RwLock::new(())),
        ),
        (
            "Notify",
            size_of_val(&corium::sync::Notify::new()),
            size_of_val(&tokio::sync::Notify::new()),
        ),
        (
            "waiter: lock() future",
            size_of_val(&cm.lock()),
            size_of_val(&tm.lock()),
        ),
        (
            "waiter: notified() future",
            size_of_val(&corium::sync::Notify::new().notified()),
            size_of_val(&tokio::sync::Notify::new().notified()),
        ),
    ];
    println!("\nsync_prim sizes (bytes; waiters allocate nothing: the node is in the future)\n");
    println!("{:<28}{:>8}{:>8}", "", "corium", "tokio");
    for (what, corium, tokio) in rows {
        println!("{what:<28}{corium:>8}{tokio:>8}");
    }
}
