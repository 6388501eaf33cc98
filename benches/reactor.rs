//! Reactor benchmarks: corium's time driver beside tokio's.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `timer_insert_cancel_1m` | create 1,000,000 sleeps (deadlines spread over 1 ms..10 s), poll each once so it registers in the wheel, then drop them all (cancel). Both sides box their sleeps (tokio's `Sleep` is `!Unpin`; corium's would not need it) |
//! | `sleep_reset` | move one registered sleep to a new deadline (alternating 5 s / 6 s ahead) and poll it |
//!
//! Both sides run on the bench thread inside their runtime's context (`Handle::enter` for
//! corium, `Runtime::enter` for a current-thread tokio runtime with time enabled); neither
//! driver turns during the criterion groups.
//!
//! After the groups: the criterion summary table (corium/tokio median ratio), then a
//! **lateness** report that is not a criterion timing: 2,000 sequential 1 ms sleeps on each
//! side, each measured from its deadline to the moment the awaiting code resumes, printed as
//! mean / p50 / p99 / max in µs. corium runs on a `Driver` turned by a local `block_on` on
//! the bench thread; tokio on `Builder::new_current_thread().enable_all()`. corium is
//! measured twice: with the thread's default timer slack (50 µs on Linux) and with the slack
//! lowered to 1 ns (what `time::set_precise_timer_slack` does on the driver thread). A last
//! row shows the machine's floor: bare 1 ms `epoll_pwait2` waits (slack 1 ns), no runtime.
//!
//! Run: `cargo bench --bench reactor` (about a minute), or `cargo bench --bench reactor --
//! --test` to run each routine once (the lateness report then uses 20 sleeps).

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::future::Future;
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime};

use corium_reactor::time as ct;
use corium_reactor::{Config, Driver, Handle};
use criterion::{BatchSize, Criterion, SamplingMode};

use crate::ratio_table::{RatioTable, Target};

/// Timers per iteration of `timer_insert_cancel_1m`.
const TIMERS: usize = 1_000_000;

fn main() {
    ratio_table::self_check();
    let test_mode = std::env::args().any(|a| a == "--test");
    let since = SystemTime::now() - Duration::from_millis(100);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
        .configure_from_args();

    let groups = vec![insert_cancel(&mut c), sleep_reset(&mut c)];
    c.final_summary();

    let table = RatioTable {
        bench: "reactor",
        functions: &["corium", "tokio"],
        anchor: "corium",
        targets: &[Target {
            other: "tokio",
            max_ratio: 1.0,
        }],
    };
    table
        .report(&groups, since)
        .expect("could not write the reactor summary");

    lateness_report(if test_mode { 20 } else { 2_000 });
}

fn corium_driver() -> Driver {
    Driver::new(Config::default()).expect("create a corium reactor")
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("create a tokio runtime")
}

/// Deadline offsets shared by both sides: 1 ms .. 10 s, so timers land on several levels.
fn spread(i: usize) -> Duration {
    Duration::from_micros(1_000 + (i as u64 * 7_919) % 10_000_000)
}

fn poll_noop<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

fn insert_cancel(c: &mut Criterion) -> String {
    let name = "timer_insert_cancel_1m";
    let mut g = c.benchmark_group(name);
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    {
        let driver = corium_driver();
        let _guard = driver.handle().enter();
        g.bench_function("corium", |b| {
            b.iter_batched(
                || Vec::with_capacity(TIMERS),
                |mut sleeps| {
                    for i in 0..TIMERS {
                        let mut s = Box::pin(ct::sleep(spread(i)));
                        assert!(poll_noop(s.as_mut()).is_pending());
                        sleeps.push(s);
                    }
                    drop(black_box(sleeps));
                },
                BatchSize::PerIteration,
            )
        });
    }
    {
        let rt = tokio_runtime();
        let _guard = rt.enter();
        g.bench_function("tokio", |b| {
            b.iter_batched(
                || Vec::with_capacity(TIMERS),
                |mut sleeps| {
                    for i in 0..TIMERS {
                        let mut s = Box::pin(tokio::time::sleep(spread(i)));
                        assert!(poll_noop(s.as_mut()).is_pending());
                        sleeps.push(s);
                    }
                    drop(black_box(sleeps));
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
    name.to_string()
}

fn sleep_reset(c: &mut Criterion) -> String {
    let name = "sleep_reset";
    let mut g = c.benchmark_group(name);
    {
        let driver = corium_driver();
        let _guard = driver.handle().enter();
        let mut s = pin!(ct::sleep(Duration::from_secs(5)));
        assert!(poll_noop(s.as_mut()).is_pending());
        let base = ct::Instant::now();
        let mut flip = false;
        g.bench_function("corium", |b| {
            b.iter(|| {
                flip = !flip;
                let secs = if flip { 6 } else { 5 };
                s.as_mut().reset(base + Duration::from_secs(secs));
                assert!(poll_noop(s.as_mut()).is_pending());
            })
        });
    }
    {
        let rt = tokio_runtime();
        let _guard = rt.enter();
        let mut s = pin!(tokio::time::sleep(Duration::from_secs(5)));
        assert!(poll_noop(s.as_mut()).is_pending());
        let base = tokio::time::Instant::now();
        let mut flip = false;
        g.bench_function("tokio", |b| {
            b.iter(|| {
                flip = !flip;
                let secs = if flip { 6 } else { 5 };
                s.as_mut().reset(base + Duration::from_secs(secs));
                assert!(poll_noop(s.as_mut()).is_pending());
            })
        });
    }
    g.finish();
    name.to_string()
}

// -------------------------------------------------------------------------------------------
// Lateness: how long after its deadline a 1 ms sleep resumes its awaiter
// -------------------------------------------------------------------------------------------

/// Wakes the corium driver, as an executor's waker would.
struct Unpark(Handle);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, turning the driver while it is pending.
fn corium_block_on<F: Future>(driver: &mut Driver, future: F) -> F::Output {
    let handle = driver.handle();
    let _guard = handle.enter();
    let waker = Waker::from(Arc::new(Unpark(handle.clone())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        driver.turn(None).expect("driver turn");
    }
}

/// Lateness in µs of `n` sequential 1 ms corium sleeps.
fn corium_lateness(n: usize) -> Vec<f64> {
    let mut driver = corium_driver();
    corium_block_on(&mut driver, async {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let s = ct::sleep(Duration::from_millis(1));
            let deadline = s.deadline();
            s.await;
            out.push(ct::Instant::now().duration_since(deadline).as_secs_f64() * 1e6);
        }
        out
    })
}

/// Lateness in µs of `n` sequential 1 ms tokio sleeps.
fn tokio_lateness(n: usize) -> Vec<f64> {
    tokio_runtime().block_on(async {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let s = tokio::time::sleep(Duration::from_millis(1));
            let deadline = s.deadline();
            s.await;
            let late = tokio::time::Instant::now().saturating_duration_since(deadline);
            out.push(late.as_secs_f64() * 1e6);
        }
        out
    })
}

/// Sets this thread's timer slack in ns (0 restores the default); Linux only.
#[cfg(target_os = "linux")]
fn set_timer_slack(ns: libc::c_ulong) -> bool {
    // SAFETY: prctl(PR_SET_TIMERSLACK, n) reads only the integer argument and affects only
    // the calling thread's timer slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, ns) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn set_timer_slack(_: u64) -> bool {
    false
}

/// The floor: lateness in µs of `n` bare 1 ms `epoll_pwait2` waits on an empty epoll set, no
/// runtime at all. `None` where the syscall is unavailable.
#[cfg(target_os = "linux")]
fn raw_lateness(n: usize) -> Option<Vec<f64>> {
    // SAFETY: epoll_create1 takes no pointer; the fd is closed below.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let mut event = libc::epoll_event { events: 0, u64: 0 };
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    };
    for _ in 0..n {
        let deadline = std::time::Instant::now() + Duration::from_millis(1);
        // SAFETY: `event` has room for the one event asked for and `ts` outlives the call; a
        // null sigmask leaves the signal mask alone.
        let r = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                ep,
                &mut event as *mut libc::epoll_event,
                1,
                &ts as *const libc::timespec,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        if r < 0 {
            break;
        }
        out.push(deadline.elapsed().as_secs_f64() * 1e6);
    }
    // SAFETY: `ep` is the fd created above, closed once.
    unsafe { libc::close(ep) };
    (out.len() == n).then_some(out)
}

#[cfg(not(target_os = "linux"))]
fn raw_lateness(_: usize) -> Option<Vec<f64>> {
    None
}

struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stats {
        mean: v.iter().sum::<f64>() / v.len() as f64,
        p50: pick(0.50),
        p99: pick(0.99),
        max: v[v.len() - 1],
    }
}

fn lateness_report(n: usize) {
    let tokio = stats(tokio_lateness(n));
    let default_slack = stats(corium_lateness(n));
    let precise = set_timer_slack(1).then(|| stats(corium_lateness(n)));
    let floor = raw_lateness(n).map(stats);
    set_timer_slack(0);

    println!("\nreactor lateness: {n} sequential 1 ms sleeps, deadline -> awaiter resumed (µs)\n");
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>13}",
        "side", "mean", "p50", "p99", "max", "mean/tokio"
    );
    let row = |name: &str, s: &Stats| {
        println!(
            "{:<28} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>13.3}",
            name,
            s.mean,
            s.p50,
            s.p99,
            s.max,
            s.mean / tokio.mean
        );
    };
    row("tokio (current_thread)", &tokio);
    row("corium (default slack)", &default_slack);
    match &precise {
        Some(s) => row("corium (timer slack 1 ns)", s),
        None => println!("corium (timer slack 1 ns): prctl unavailable, not measured"),
    }
    if let Some(s) = &floor {
        row("floor: bare epoll_pwait2", s);
    }
    println!(
        "\ntargets: corium mean <= 20 µs and p99 <= 60 µs on an idle machine with the driver \
         thread's timer slack at 1 ns."
    );
}
