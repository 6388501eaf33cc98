//! # Tracing: watching corium work
//!
//! Every syscall, readiness change, wake, schedule, steal, park/unpark, timer fire,
//! registration release and shutdown can be shown as one readable line — and the same events
//! drawn as a timeline, and summed as a syscall budget. The facility lives in this, the lowest
//! crate, so that every layer above reports through it.
//!
//! * [Turning it on](#turning-it-on) — the `trace` feature, then `CORIUM_TRACE`
//! * [The lines](#the-lines) — what one line says
//! * [The picture](#the-picture) — a Chrome trace for Perfetto
//! * [The syscall budget](#the-syscall-budget) — syscalls per operation
//! * [For layer authors](#for-layer-authors) — `trace!`, slices, flows, `syscall!`'s clause
//! * [Costs](#costs)
//!
//! ## Turning it on
//!
//! Two switches, both needed:
//!
//! 1. **Build** with the `trace` feature: `cargo run --features corium-selector-sys/trace`
//!    (or the forwarding `trace` feature of the crate you build). Without it every trace point
//!    compiles to nothing — its arguments are type-checked but never evaluated — and the
//!    functions of this module do nothing ([`chrome::start`] says so with an `Unsupported`
//!    error, so a missing trace file is never a mystery).
//! 2. **Ask**, at run time, through the environment or the API:
//!
//! | variable / call                          | effect                                                   |
//! |------------------------------------------|----------------------------------------------------------|
//! | `CORIUM_TRACE=selector,reactor` / [`enable`] | lines of those layers; `all` (or `1`, `*`) for every layer; unset, empty, `off`: none |
//! | `CORIUM_TRACE_JSON=trace.json` / [`chrome::start`] | record the picture of *every* layer, written at exit / by [`finish`] |
//! | `CORIUM_TRACE_BUDGET=1` / [`budget::start`] | count syscalls; the table is printed at exit / by [`finish`] |
//!
//! ```text
//! CORIUM_TRACE=selector CORIUM_TRACE_BUDGET=1 CORIUM_TRACE_JSON=echo.json \
//!     cargo run --features corium-selector-sys/trace --example poll_echo
//! ```
//!
//! With the feature built but nothing asked, tracing is dormant: each trace point costs one
//! relaxed atomic load. The environment is read once, at the first trace point or call here;
//! later calls override it. Tracing is process-wide: one configuration for every thread.
//!
//! ```
//! use corium_selector_sys::{trace::{self, Layer}, Events, Poll, Token, Waker};
//!
//! let lines = trace::capture(); // keep the lines in memory instead of printing them
//! trace::enable(&[Layer::Selector]);
//! let mut poll = Poll::new()?;
//! let waker = Waker::new(poll.registry(), Token(1))?;
//! waker.wake()?;
//! poll.poll(&mut Events::with_capacity(8), None)?;
//! trace::finish()?;
//! for line in lines.lines() {
//!     println!("{line}");
//! }
//! # if cfg!(all(feature = "trace", target_os = "linux", not(corium_force_pipe_waker))) {
//! #     assert!(lines.lines().iter().any(|l| l.contains("Waker::wake → write(eventfd")));
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## The lines
//!
//! ```text
//!       412µs main            [selector] Poll::new → epoll_create1(EPOLL_CLOEXEC) = 3
//!       431µs main            [selector] Registry::register → epoll_ctl(epfd=3, ADD, fd=7, token=3, READABLE | WRITABLE) = 0
//!       440µs main            [selector] Socket::connect → connect(fd=7, 127.0.0.1:6142) = EINPROGRESS
//!       502µs corium-driver   [selector] Poll::poll → epoll_wait(epfd=3, max=1024, timeout=block) = 1
//!       503µs corium-driver   [reactor]  fd 7 token 3 +WRITABLE write-tick 1→2
//!       504µs corium-driver   [executor] task 5 → worker 1 inject
//! ```
//!
//! Columns: microseconds since tracing started (right-aligned), the thread's name
//! (`thread-<n>` if it has none), the `[layer]`, then the message. A syscall's message names
//! the corium function responsible, the call with its arguments, and the result — the return
//! value, or the errno by name ([`errno_name`]); its timestamp is when the call returned.
//! Lines go to stderr, or to a writer installed with [`set_writer`], or to in-memory
//! [`capture`]s. [`Layer`] lists the layers.
//!
//! ## The picture
//!
//! [`chrome`] records the same events as a [Chrome Trace Event] JSON file: one track per
//! thread, task polls as slices, the syscalls made inside them as nested slices, `trace!`
//! lines as instant marks, and each wake as an arrow from the event that caused it to the
//! poll it caused. Open it at <https://ui.perfetto.dev> (*Open trace file*), or in
//! `chrome://tracing` (*Load*). Click a slice for its full line in the details pane.
//!
//! [Chrome Trace Event]: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
//!
//! ## The syscall budget
//!
//! [`budget`] counts syscalls by kind (`epoll_wait`, `epoll_ctl`, `read`, `write`, `accept4`,
//! …) in [`syscall!`](crate::syscall!) itself, so none is missed, and divides by the
//! application operations you mark with [`budget::op`]: "an echo round trip costs one
//! `epoll_wait`, one `recv`, one `send`".
//!
//! ## For layer authors
//!
//! * **A line**: [`trace!`](crate::trace!)`(Layer::Reactor, "fd {} token {} +WRITABLE
//!   write-tick {}→{}", fd, token, old, new)`. Start the message with the function that acts
//!   (`ScheduledIo::set_readiness: …`) so a reader finds the code.
//! * **A slice** (a task poll, a driver turn): `let _slice =`
//!   [`trace_slice!`](crate::trace_slice!)`(Layer::Executor, "poll task {}", id);` — it ends
//!   when the guard drops.
//! * **A wake arrow**: [`flow_start`]`(id)` where the wake happens, [`flow_end`]`(id)` just
//!   inside the poll's slice. Use the same `u64` (the task id) for both.
//! * **A syscall**: every raw call already goes through [`syscall!`](crate::syscall!); give it
//!   the clause `; "Caller::name", "fmt", args…` to name the caller and describe the
//!   arguments.
//! * **Costly arguments**: guard the work with [`enabled`]`(layer)` (e.g. a loop over
//!   events). Arguments of `trace!` are evaluated only when the line is recorded.
//!
//! Upper crates need no `#[cfg]` around any of this: the macros test *this* crate's feature,
//! so one `corium-selector-sys/trace` anywhere in the build turns every layer's trace points
//! on. An upper crate's own `trace` feature only forwards to it.
//!
//! ## Costs
//!
//! Off (not built): nothing. Dormant (built, not asked): one relaxed load per trace point.
//! On: a text line is formatted without a lock, then written under one mutex around the
//! writer (so lines never interleave); Chrome events go to a buffer per thread behind its own,
//! uncontended mutex; pending wakes are one shared map under a mutex; the budget is one
//! relaxed atomic add per syscall. A writer that itself makes traced calls is safe: the nested
//! events are dropped.

use std::fmt;
use std::io;

pub mod budget;
pub mod chrome;
pub(crate) mod describe;
mod errno;
#[cfg(feature = "trace")]
mod json;
mod layer;
#[cfg(feature = "trace")]
mod state;
#[cfg(feature = "trace")]
mod syscall;
mod text;
#[cfg(feature = "trace")]
mod thread;

pub use chrome::{flow_end, flow_start, Slice};
pub use errno::errno_name;
pub use layer::Layer;
pub use text::{capture, set_writer, Capture};

#[cfg(feature = "trace")]
#[doc(hidden)]
pub use budget::Site as __Site;
#[cfg(feature = "trace")]
#[doc(hidden)]
pub use syscall::{__outcome, __syscall_begin, __syscall_end, SyscallRet};

/// Whether this crate was built with the `trace` feature. The macros test it first, so with
/// the feature off their bodies sit behind a constant `false` and are never evaluated.
#[doc(hidden)]
pub const COMPILED: bool = cfg!(feature = "trace");

/// Prints lines of `layers` (and only those), replacing the current filter — the API form of
/// `CORIUM_TRACE`. `enable(&Layer::ALL)` for everything, `enable(&[])` or [`disable`] for
/// nothing. Does nothing without the `trace` feature.
pub fn enable(layers: &[Layer]) {
    #[cfg(feature = "trace")]
    set_text_layers(layers.iter().fold(0, |bits, layer| bits | layer.bit()));
    #[cfg(not(feature = "trace"))]
    let _ = layers;
}

/// [`enable`] with a `CORIUM_TRACE`-style filter: `"selector,reactor"`, `"all"`, `"off"`.
///
/// # Errors
/// `InvalidInput` naming the words that are not layers; the filter is then left unchanged.
pub fn enable_by_name(filter: &str) -> io::Result<()> {
    let (bits, unknown) = layer::parse_spec(filter);
    if !unknown.is_empty() {
        return Err(layer::unknown_layers(&unknown));
    }
    #[cfg(feature = "trace")]
    set_text_layers(bits);
    #[cfg(not(feature = "trace"))]
    let _ = bits;
    Ok(())
}

/// Stops printing lines (the Chrome recording and the budget, if on, go on).
pub fn disable() {
    enable(&[]);
}

#[cfg(feature = "trace")]
fn set_text_layers(bits: u8) {
    let mut locked = state::config();
    locked.get().text = bits;
    locked.publish();
}

/// Whether a [`trace!`](crate::trace!) line of `layer` is recorded now (printed, or kept for
/// the Chrome file). For guarding work done only to build trace arguments. Always `false`
/// without the `trace` feature; otherwise one relaxed atomic load.
#[inline(always)]
pub fn enabled(layer: Layer) -> bool {
    #[cfg(feature = "trace")]
    return state::test(state::emit_bit(layer));
    #[cfg(not(feature = "trace"))]
    {
        let _ = layer;
        false
    }
}

/// Ends the trace: writes the Chrome file (if recording), prints the budget table to the
/// writer (if counting), flushes the writer, and turns all tracing off. Runs by itself at exit
/// when tracing was started from the environment. Calling it again does nothing more.
///
/// # Errors
/// The first error met writing the Chrome file or the table; everything else is still done.
pub fn finish() -> io::Result<()> {
    #[cfg(feature = "trace")]
    {
        let was = {
            let mut locked = state::config();
            let was = *locked.get();
            *locked.get() = state::Config::default();
            locked.publish();
            was
        };
        let mut result = Ok(());
        if was.chrome {
            if let Some(out) = chrome::take_output() {
                result = chrome::write_trace(out);
            }
        }
        if was.budget {
            result = result.and(text::write_raw(&budget::report().to_string()));
        }
        result.and(text::flush())
    }
    #[cfg(not(feature = "trace"))]
    Ok(())
}

/// Used by `trace!` only: records one line.
#[doc(hidden)]
pub fn __line(layer: Layer, args: fmt::Arguments<'_>) {
    #[cfg(feature = "trace")]
    thread::with_track(|track| {
        let ts_ns = state::now_ns();
        let message = args.to_string();
        text::emit(track, ts_ns, layer, &message);
        if state::test(state::CHROME) {
            chrome::instant(track, ts_ns, layer, message);
        }
    });
    #[cfg(not(feature = "trace"))]
    let _ = (layer, args);
}

/// Records one trace line for `layer`: `trace!(Layer::Reactor, "fd {} +READABLE", fd)`.
///
/// The arguments are those of [`format!`] after the layer. They are evaluated only when the
/// line is recorded: never without the `trace` feature (the body sits behind a constant
/// `false`, though it is still type-checked), and only after one relaxed atomic load says the
/// layer is on with it. See the [`trace`](mod@crate::trace) module for where lines go.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::trace::{self, Layer};
///
/// let (fd, token, old, new) = (7, 3, 1, 2);
/// corium_selector_sys::trace!(Layer::Reactor, "fd {fd} token {token} +WRITABLE write-tick {old}→{new}");
/// ```
#[macro_export]
macro_rules! trace {
    ($layer:expr, $($arg:tt)+) => {
        if $crate::trace::COMPILED {
            let layer: $crate::trace::Layer = $layer;
            if $crate::trace::enabled(layer) {
                $crate::trace::__line(layer, ::std::format_args!($($arg)+));
            }
        }
    };
}

/// Begins a slice on this thread's track in the Chrome picture, named with [`format!`]
/// arguments; it ends when the returned [`Slice`](crate::trace::Slice) guard drops.
///
/// For task polls and driver turns: syscalls made meanwhile nest inside it, and a wake arrow
/// ([`flow_end`](crate::trace::flow_end)) points at it. The name is formatted only while a
/// Chrome recording runs; without the `trace` feature this is a zero-sized guard and the
/// arguments are never evaluated.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::{trace::{self, Layer}, trace_slice};
///
/// let task_id = 5;
/// {
///     let _poll = trace_slice!(Layer::Executor, "poll task {task_id}");
///     trace::flow_end(task_id); // the arrow from this task's wake ends here
///     // ... poll the future ...
/// } // the slice ends here
/// ```
#[macro_export]
macro_rules! trace_slice {
    ($layer:expr, $($arg:tt)+) => {
        if $crate::trace::COMPILED && $crate::trace::chrome::recording() {
            $crate::trace::Slice::__begin($layer, ::std::format_args!($($arg)+))
        } else {
            $crate::trace::Slice::__none()
        }
    };
}
