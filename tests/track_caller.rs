//! Panics on misuse name the caller's line, not a line inside corium: every public API that
//! panics on misuse is `#[track_caller]` (edge 7).

use corium::io::{self, ReadBuf};
use corium::runtime::{Builder, Handle};
use corium::time::Instant;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::time::Duration;

thread_local! {
    /// Where the last panic on this thread was raised: (file, line).
    static LAST_PANIC: Cell<Option<(&'static str, u32)>> = const { Cell::new(None) };
}

/// Records each panic's location for [`panic_location`], quietly (the panics are expected).
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if let Some(loc) = info.location() {
                // `file()` borrows the panic info; the file names we compare are literals.
                let file: &'static str = if loc.file().ends_with("track_caller.rs") {
                    "tests/track_caller.rs"
                } else {
                    "elsewhere"
                };
                LAST_PANIC.with(|l| l.set(Some((file, loc.line()))));
            }
        }));
    });
}

/// Runs `f`, which must panic, and returns where the panic was raised.
fn panic_location(f: impl FnOnce()) -> Option<(&'static str, u32)> {
    install_hook();
    LAST_PANIC.with(|l| l.set(None));
    assert!(
        catch_unwind(AssertUnwindSafe(f)).is_err(),
        "expected a panic"
    );
    LAST_PANIC.with(Cell::get)
}

/// Takes whatever a call returned (a future, a unit, a copy), so the macro below accepts any.
fn sink<T>(_value: T) {}

/// Asserts that `$call` panics, reporting this very line.
macro_rules! panics_here {
    ($call:expr) => {{
        let line = line!();
        let at = panic_location(|| {
            sink($call);
        });
        assert_eq!(
            at,
            Some(("tests/track_caller.rs", line)),
            "{}",
            stringify!($call)
        );
    }};
}

#[test]
fn read_buf_misuse_names_the_caller() {
    let mut storage = [0u8; 4];
    let mut buf = ReadBuf::new(&mut storage);
    panics_here!(buf.advance(5));
    panics_here!(buf.set_filled(5));
    panics_here!(buf.put_slice(&[1; 5]));
    panics_here!(buf.initialize_unfilled_to(5));
    let mut uninit = [std::mem::MaybeUninit::<u8>::uninit(); 2];
    let mut ub = ReadBuf::uninit(&mut uninit);
    // SAFETY: never reached past the assertion that panics (3 > capacity 2).
    panics_here!(unsafe { ub.assume_init(3) });
}

#[test]
fn unsplitting_foreign_halves_names_the_caller() {
    let (a, _) = io::duplex(8);
    let (b, _) = io::duplex(8);
    let (ra, _wa) = io::split(a);
    let (_rb, wb) = io::split(b);
    panics_here!(ra.unsplit(wb));
}

#[test]
fn runtime_misuse_names_the_caller() {
    panics_here!(Handle::current());
    panics_here!(corium::spawn(async {}));
    panics_here!(corium::task::spawn_blocking(|| ()));
    let rt = Builder::new_current_thread().build().unwrap();
    let m = rt.metrics();
    panics_here!(m.worker_poll_count(1));
    panics_here!(m.worker_park_count(7));
    panics_here!(m.worker_total_busy_duration(2));
    rt.block_on(async {
        let inner = Builder::new_current_thread().build().unwrap();
        panics_here!(inner.block_on(async {}));
        panics_here!(inner.shutdown_timeout(Duration::from_secs(1)));
    });
}

#[test]
fn instant_overflow_names_the_caller() {
    let now = Instant::now();
    panics_here!(now + Duration::MAX);
    panics_here!(now - Duration::MAX);
    let mut t = now;
    panics_here!(t += Duration::MAX);
    let mut t = now;
    panics_here!(t -= Duration::MAX);
}

corium::task_local! {
    static NOT_SET: u32;
}

#[test]
fn task_api_misuse_names_the_caller() {
    panics_here!(corium::task::spawn_local(async {}));
    panics_here!(corium::task::id());
    panics_here!(NOT_SET.get());
    panics_here!(NOT_SET.with(|_| ()));
    panics_here!(NOT_SET.sync_scope(1, || NOT_SET.with(|_| NOT_SET.sync_scope(2, || ()))));
    let mut set = corium::task::JoinSet::<()>::new();
    panics_here!(set.spawn(async {}));
    panics_here!(set.spawn_local(async {}));
    panics_here!(set.spawn_blocking(|| ()));
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        panics_here!(corium::task::block_in_place(|| ()));
    });
}
