//! corium-os beside tokio and std: what a child and a signal cost, end to end.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `spawn_wait_true` | spawn `true` and wait for its exit (corium: pidfd on the reactor; tokio: its SIGCHLD/pidfd driver; std: blocking `waitpid`) |
//! | `cat_1mib` | pipe 1 MiB through `cat` (stdin written while stdout is read), then wait |
//! | `signal_round_trip` | `raise(SIGUSR1)` and await the listener's `recv` (the handler's byte through the self-pipe and the reactor) |
//!
//! All on a current-thread runtime. The ratio table compares corium's median with tokio's;
//! the target is parity (a ratio of at most 1.1). A process spawn is dominated by `fork`/`exec`
//! in the kernel, so those rows mostly show that the reactor side adds nothing noticeable.
//!
//! Run: `cargo bench --bench os -- --warm-up-time 1 --measurement-time 3`, or
//! `cargo bench --bench os -- --test` to run each routine once.

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::process::Stdio;
use std::time::{Duration, SystemTime};

use criterion::Criterion;

use crate::ratio_table::{RatioTable, Target};

const MIB: usize = 1 << 20;

fn raise_usr1() {
    // SAFETY: raise has no preconditions; both runtimes installed a SIGUSR1 handler before
    // the first call (each `signal(...)` below), so the default action never runs.
    unsafe { libc::raise(libc::SIGUSR1) };
}

fn main() {
    ratio_table::self_check();
    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .without_plots()
        .configure_from_args();
    let corium_rt = corium::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let data = vec![7u8; MIB];

    {
        let mut g = c.benchmark_group("spawn_wait_true");
        g.bench_function("corium", |b| {
            b.iter(|| {
                corium_rt.block_on(async {
                    corium::process::Command::new("true")
                        .status()
                        .await
                        .unwrap()
                })
            })
        });
        g.bench_function("tokio", |b| {
            b.iter(|| {
                tokio_rt.block_on(async {
                    tokio::process::Command::new("true").status().await.unwrap()
                })
            })
        });
        g.bench_function("std", |b| {
            b.iter(|| std::process::Command::new("true").status().unwrap())
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("cat_1mib");
        g.bench_function("corium", |b| {
            b.iter(|| {
                corium_rt.block_on(async {
                    use corium::io::{AsyncReadExt, AsyncWriteExt};
                    let mut child = corium::process::Command::new("cat")
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .spawn()
                        .unwrap();
                    let mut stdin = child.stdin.take().unwrap();
                    let mut stdout = child.stdout.take().unwrap();
                    let data = data.clone();
                    let writer = corium::spawn(async move {
                        stdin.write_all(&data).await.unwrap();
                    });
                    let mut out = Vec::with_capacity(MIB);
                    stdout.read_to_end(&mut out).await.unwrap();
                    writer.await.unwrap();
                    child.wait().await.unwrap();
                    out.len()
                })
            })
        });
        g.bench_function("tokio", |b| {
            b.iter(|| {
                tokio_rt.block_on(async {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut child = tokio::process::Command::new("cat")
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .spawn()
                        .unwrap();
                    let mut stdin = child.stdin.take().unwrap();
                    let mut stdout = child.stdout.take().unwrap();
                    let data = data.clone();
                    let writer = tokio::spawn(async move {
                        stdin.write_all(&data).await.unwrap();
                    });
                    let mut out = Vec::with_capacity(MIB);
                    stdout.read_to_end(&mut out).await.unwrap();
                    writer.await.unwrap();
                    child.wait().await.unwrap();
                    out.len()
                })
            })
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("signal_round_trip");
        let mut corium_sig = corium_rt.block_on(async {
            corium::signal::unix::signal(corium::signal::unix::SignalKind::user_defined1()).unwrap()
        });
        let mut tokio_sig = tokio_rt.block_on(async {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()).unwrap()
        });
        // Each side drains what the other's raises left pending (both hear every raise).
        g.bench_function("corium", |b| {
            b.iter(|| {
                corium_rt.block_on(async {
                    raise_usr1();
                    corium_sig.recv().await.unwrap();
                })
            })
        });
        tokio_rt.block_on(async {
            let _ = tokio::time::timeout(Duration::from_millis(10), tokio_sig.recv()).await;
        });
        g.bench_function("tokio", |b| {
            b.iter(|| {
                tokio_rt.block_on(async {
                    raise_usr1();
                    tokio_sig.recv().await.unwrap();
                })
            })
        });
        g.finish();
    }
    c.final_summary();

    let table = RatioTable {
        bench: "os",
        functions: &["corium", "tokio", "std"],
        anchor: "corium",
        targets: &[Target {
            other: "tokio",
            max_ratio: 1.1,
        }],
    };
    table
        .report(
            &["spawn_wait_true", "cat_1mib", "signal_round_trip"].map(String::from),
            since,
        )
        .expect("could not write the os summary");
}
