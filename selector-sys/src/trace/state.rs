//! What is being traced right now: one atomic word every trace point reads, the configuration
//! it is derived from, the environment variables that set it, and the trace clock.
//!
//! The word ([`MASK`]) is what makes a dormant trace point cheap: one relaxed load and a bit
//! test. It is derived from [`Config`] (kept under a mutex) each time the configuration
//! changes, so the hot path never takes a lock to learn that nothing is wanted.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, Once, OnceLock, PoisonError};
use std::time::Instant;

use super::layer::{parse_spec, Layer, ALL_BITS};
use super::{budget, chrome};

/// Bits 0..4: the layers whose lines go to the text sink (bit = [`Layer::bit`]).
const TEXT_SHIFT: u32 = 0;
/// Bits 4..8: the layers whose `trace!` lines are recorded anywhere (text or Chrome).
const EMIT_SHIFT: u32 = 4;
/// The Chrome recorder is on: slices, flows and instants are kept for the JSON file.
pub(crate) const CHROME: u32 = 1 << 8;
/// The syscall budget is counting.
pub(crate) const BUDGET: u32 = 1 << 9;
/// `syscall!` must look at the clock and report: the selector layer is recorded, or the
/// budget is counting.
pub(crate) const SYSCALLS: u32 = 1 << 10;
/// The environment has not been read yet: the first trace point to see this reads it.
const UNINIT: u32 = 1 << 31;

/// The word every trace point tests. Starts as [`UNINIT`] so the first test, wherever it is,
/// applies `CORIUM_TRACE*` before answering.
static MASK: AtomicU32 = AtomicU32::new(UNINIT);

/// The bit that says lines of `layer` are recorded (as text or in the Chrome file).
pub(crate) fn emit_bit(layer: Layer) -> u32 {
    u32::from(layer.bit()) << EMIT_SHIFT
}

/// The bit that says lines of `layer` go to the text sink.
pub(crate) fn text_bit(layer: Layer) -> u32 {
    u32::from(layer.bit()) << TEXT_SHIFT
}

/// Whether any of `bits` is on. The whole cost of a dormant trace point: one relaxed load, one
/// test (relaxed is enough: the data a trace point then touches is behind mutexes, and a trace
/// point racing with `enable` may see either answer).
#[inline(always)]
pub(crate) fn test(bits: u32) -> bool {
    let mask = MASK.load(Relaxed);
    if mask & UNINIT == 0 {
        mask & bits != 0
    } else {
        init_then_test(bits)
    }
}

#[cold]
fn init_then_test(bits: u32) -> bool {
    ensure_init();
    MASK.load(Relaxed) & bits != 0
}

/// The source of truth [`MASK`] is derived from.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Config {
    /// Layers printed as text lines.
    pub(crate) text: u8,
    /// The Chrome recorder is on.
    pub(crate) chrome: bool,
    /// The syscall budget is counting.
    pub(crate) budget: bool,
}

static CONFIG: Mutex<Config> = Mutex::new(Config {
    text: 0,
    chrome: false,
    budget: false,
});

/// The configuration, locked; every change goes through [`Locked::publish`].
pub(crate) struct Locked(MutexGuard<'static, Config>);

impl Locked {
    pub(crate) fn get(&mut self) -> &mut Config {
        &mut self.0
    }

    /// Derives [`MASK`] from the configuration. Done while the lock is held, so two changes
    /// cannot publish their words in the opposite order to the one they were made in.
    pub(crate) fn publish(self) {
        MASK.store(derive(*self.0), Relaxed);
    }
}

/// The word for a configuration.
fn derive(cfg: Config) -> u32 {
    let recorded = if cfg.chrome { ALL_BITS } else { cfg.text };
    let mut mask = u32::from(cfg.text) << TEXT_SHIFT | u32::from(recorded) << EMIT_SHIFT;
    if cfg.chrome {
        mask |= CHROME;
    }
    if cfg.budget {
        mask |= BUDGET;
    }
    if cfg.budget || recorded & Layer::Selector.bit() != 0 {
        mask |= SYSCALLS;
    }
    mask
}

/// Locks the configuration (environment applied first).
pub(crate) fn config() -> Locked {
    ensure_init();
    lock_config()
}

fn lock_config() -> Locked {
    Locked(lock(&CONFIG))
}

/// A poisoned lock only means a writer panicked mid-line: the data is still usable, and a
/// trace facility must never turn one panic into another.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

static INIT: Once = Once::new();

/// Applies `CORIUM_TRACE`, `CORIUM_TRACE_JSON` and `CORIUM_TRACE_BUDGET`, once per process.
pub(crate) fn ensure_init() {
    INIT.call_once(init_from_env);
}

fn init_from_env() {
    start_clock();
    let mut locked = lock_config();
    let cfg = locked.get();
    if let Some(spec) = std::env::var_os("CORIUM_TRACE") {
        let spec = spec.to_string_lossy();
        let (bits, unknown) = parse_spec(&spec);
        if !unknown.is_empty() {
            warn(format_args!(
                "CORIUM_TRACE={spec:?}: ignoring {unknown:?}, which names no layer (use selector, reactor, executor, net, all or off)"
            ));
        }
        cfg.text = bits;
    }
    if let Some(path) = std::env::var_os("CORIUM_TRACE_JSON").filter(|p| !p.is_empty()) {
        match chrome::open_file(path.as_ref()) {
            Ok(out) => {
                chrome::begin_session(Box::new(out));
                cfg.chrome = true;
                flush_at_exit();
            }
            Err(e) => warn(format_args!(
                "CORIUM_TRACE_JSON={path:?}: cannot create the file ({e}); no Chrome trace will be written"
            )),
        }
    }
    if std::env::var_os("CORIUM_TRACE_BUDGET").is_some_and(|v| is_yes(&v.to_string_lossy())) {
        budget::reset_counts();
        cfg.budget = true;
        flush_at_exit();
    }
    locked.publish();
}

/// Whether a switch variable says "on": anything but empty, `0`, `off`, `no` or `false`.
fn is_yes(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && !["0", "off", "no", "false"]
            .iter()
            .any(|no| no.eq_ignore_ascii_case(value))
}

/// One line on stderr about a trace setting that could not be honoured: tracing is a
/// diagnostic, so it reports and carries on rather than failing the program.
fn warn(msg: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "corium trace: {msg}");
}

/// Registers [`finish`](super::finish) to run when the process exits normally (`main`
/// returns or `std::process::exit`), so an environment-started trace is written without any
/// code change. Once per process.
fn flush_at_exit() {
    static REGISTERED: AtomicBool = AtomicBool::new(false);
    if REGISTERED.swap(true, Relaxed) {
        return;
    }
    extern "C" fn at_exit() {
        // Unwinding out of an `extern "C"` function aborts: catch anything a user writer
        // might throw, and report instead.
        let outcome = std::panic::catch_unwind(super::finish);
        if let Ok(Err(e)) = outcome {
            warn(format_args!("writing the trace at exit failed: {e}"));
        }
    }
    // SAFETY: `at_exit` has the `extern "C" fn()` type atexit(3) expects. It may run after
    // `main` returns, while other threads still run: it only touches statics (never
    // destroyed) through mutexes, no thread-local, and it cannot unwind into C.
    let rc = unsafe { libc::atexit(at_exit) };
    if rc != 0 {
        warn(format_args!(
            "atexit refused the exit hook: call corium_selector_sys::trace::finish() before exiting"
        ));
    }
}

static START: OnceLock<Instant> = OnceLock::new();

/// Starts the trace clock (a no-op once started): time zero of every timestamp.
pub(crate) fn start_clock() {
    START.get_or_init(Instant::now);
}

/// Nanoseconds since the trace clock started.
pub(crate) fn now_ns() -> u64 {
    let elapsed = START.get_or_init(Instant::now).elapsed();
    u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_values() {
        for yes in ["1", "yes", "on", "true", " ON "] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", " ", "0", "off", "No", "FALSE"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn mask_derivation() {
        let cfg = |text: u8, chrome, budget| Config {
            text,
            chrome,
            budget,
        };
        assert_eq!(
            derive(Config::default()),
            0,
            "nothing on: every trace point is dormant"
        );

        let net_text = derive(cfg(Layer::Net.bit(), false, false));
        assert_eq!(net_text, text_bit(Layer::Net) | emit_bit(Layer::Net));
        assert_eq!(
            net_text & SYSCALLS,
            0,
            "syscalls are not reported for the net layer"
        );

        let chrome = derive(cfg(0, true, false));
        assert!(
            Layer::ALL.iter().all(|&l| chrome & emit_bit(l) != 0),
            "Chrome records every layer"
        );
        assert!(
            Layer::ALL.iter().all(|&l| chrome & text_bit(l) == 0),
            "but prints none"
        );
        assert_eq!(chrome & (CHROME | SYSCALLS), CHROME | SYSCALLS);

        let budget = derive(cfg(0, false, true));
        assert_eq!(
            budget,
            BUDGET | SYSCALLS,
            "counting needs the syscall hook, nothing else"
        );
        assert_eq!(derive(cfg(ALL_BITS, true, true)) & UNINIT, 0);
    }
}
