//! The declarative macros beside tokio's: what one `select!`, `join!` or `try_join!` costs
//! when the futures themselves cost next to nothing.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `select_2_ready` | 1,000 `select!`s of two always-ready branches (fair start: one random number each) |
//! | `select_8_one_ready` | 1,000 `select!`s of seven pending branches and one ready one |
//! | `select_biased_pending_once` | 1,000 `biased;` `select!`s of two branches that are ready on their second poll |
//! | `join_4_pending_once` | 1,000 `join!`s of four futures, each ready on its second poll |
//! | `try_join_4_err` | 1,000 `try_join!`s whose third future fails on its first poll |
//!
//! Both sides run the same source (a macro instantiates it with `corium::` and `tokio::`), on
//! a current-thread runtime built once (outside the timing), inside one `block_on` per
//! iteration; the futures are the same
//! hand-written ones (`std::future::ready`/`pending` and [`PendingOnce`]), so the runtime only
//! wakes the task, and the table measures the macros' own polling loops.
//!
//! On the shared 2-core machine the medians move by 20–30 % between runs; side by side, the
//! macros came out at parity with tokio's for `select!` (0.86–1.3), well ahead where futures
//! wake and are polled again (0.26–0.53: one loop over pinned `Option`s, no `MaybeDone`), and
//! behind on `try_join!`'s early `Err` (1.25–1.6, some 15–30 ns per `try_join!`).
//!
//! Run: `cargo bench --bench macros` (about a minute), or `cargo bench --bench macros --
//! --test` to run each routine once.

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use criterion::Criterion;

use crate::ratio_table::{RatioTable, Target};

/// Selects, joins, ... per iteration.
const ROUNDS: usize = 1_000;

/// Ready on its second poll (the first wakes the task and returns `Pending`), so each macro
/// goes round its polling loop twice.
struct PendingOnce<T>(Option<T>, bool);

fn pending_once<T: Unpin>(value: T) -> PendingOnce<T> {
    PendingOnce(Some(value), false)
}

impl<T: Unpin> Future for PendingOnce<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.1 {
            Poll::Ready(self.0.take().expect("polled after completion"))
        } else {
            self.1 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// The workloads, written once against the crate `$rt`.
macro_rules! workloads {
    ($rt:ident) => {
        mod $rt {
            use super::{pending_once, ROUNDS};
            use std::future::{pending, ready};
            use std::hint::black_box;

            pub(crate) fn runtime() -> $rt::runtime::Runtime {
                $rt::runtime::Builder::new_current_thread().build().unwrap()
            }

            pub(crate) fn select_2_ready(rt: &$rt::runtime::Runtime) -> u64 {
                rt.block_on(async {
                    let mut sum = 0;
                    for _ in 0..ROUNDS {
                        sum += $rt::select! {
                            v = ready(1) => v,
                            v = ready(2) => v,
                        };
                    }
                    black_box(sum)
                })
            }

            pub(crate) fn select_8_one_ready(rt: &$rt::runtime::Runtime) -> u64 {
                rt.block_on(async {
                    let mut sum = 0;
                    for i in 0..ROUNDS as u64 {
                        sum += $rt::select! {
                            v = pending::<u64>() => v,
                            v = pending::<u64>() => v,
                            v = pending::<u64>() => v,
                            v = ready(i) => v,
                            v = pending::<u64>() => v,
                            v = pending::<u64>() => v,
                            v = pending::<u64>() => v,
                            v = pending::<u64>() => v,
                        };
                    }
                    black_box(sum)
                })
            }

            pub(crate) fn select_biased_pending_once(rt: &$rt::runtime::Runtime) -> u64 {
                rt.block_on(async {
                    let mut sum = 0;
                    for i in 0..ROUNDS as u64 {
                        sum += $rt::select! {
                            biased;
                            v = pending_once(i) => v,
                            v = pending_once(i + 1) => v,
                        };
                    }
                    black_box(sum)
                })
            }

            pub(crate) fn join_4_pending_once(rt: &$rt::runtime::Runtime) -> u64 {
                rt.block_on(async {
                    let mut sum = 0;
                    for i in 0..ROUNDS as u64 {
                        let (a, b, c, d) = $rt::join!(
                            pending_once(i),
                            pending_once(1),
                            pending_once(2),
                            pending_once(3),
                        );
                        sum += a + b + c + d;
                    }
                    black_box(sum)
                })
            }

            pub(crate) fn try_join_4_err(rt: &$rt::runtime::Runtime) -> u64 {
                rt.block_on(async {
                    let mut errors = 0;
                    for i in 0..ROUNDS as u64 {
                        let got: Result<(u64, u64, u64, u64), u64> = $rt::try_join!(
                            pending_once(Ok(i)),
                            pending_once(Ok(1)),
                            ready(Err(2)),
                            pending_once(Ok(3)),
                        );
                        errors += got.unwrap_err();
                    }
                    black_box(errors)
                })
            }
        }
    };
}

workloads!(corium);
workloads!(tokio);

/// One criterion group per workload: corium's and tokio's instantiations side by side.
macro_rules! group {
    ($c:expr, $groups:expr, $name:ident) => {{
        let mut g = $c.benchmark_group(stringify!($name));
        let (corium_rt, tokio_rt) = (corium::runtime(), tokio::runtime());
        g.bench_function("corium", |b| {
            b.iter(|| black_box(corium::$name(&corium_rt)))
        });
        g.bench_function("tokio", |b| b.iter(|| black_box(tokio::$name(&tokio_rt))));
        g.finish();
        $groups.push(stringify!($name).to_string());
    }};
}

fn main() {
    // Same answers on both sides before anything is timed.
    let (corium_rt, tokio_rt) = (corium::runtime(), tokio::runtime());
    assert_eq!(
        corium::select_8_one_ready(&corium_rt),
        tokio::select_8_one_ready(&tokio_rt)
    );
    assert_eq!(
        corium::join_4_pending_once(&corium_rt),
        tokio::join_4_pending_once(&tokio_rt)
    );
    assert_eq!(
        corium::try_join_4_err(&corium_rt),
        tokio::try_join_4_err(&tokio_rt)
    );

    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
        .configure_from_args();
    let mut groups = Vec::new();
    group!(c, groups, select_2_ready);
    group!(c, groups, select_8_one_ready);
    group!(c, groups, select_biased_pending_once);
    group!(c, groups, join_4_pending_once);
    group!(c, groups, try_join_4_err);
    c.final_summary();

    let table = RatioTable {
        bench: "macros",
        functions: &["corium", "tokio"],
        anchor: "corium",
        // The macros should cost no more than tokio's.
        targets: &[Target {
            other: "tokio",
            max_ratio: 1.0,
        }],
    };
    table
        .report(&groups, since)
        .expect("could not write the macros summary");
}
