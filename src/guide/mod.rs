//! # The guide: one `connect`, from the kernel up
//!
//! This module holds no code. It is a walk through corium in seven chapters, each with a
//! table that maps the steps of the seed documents (the tokio/mio walk-through corium grew
//! from; the README says where they are) to the corium item that performs the same step.
//! Every name in those tables is a link: click from the step you are reading about to the
//! function that does it, then on to its source.
//!
//! The chapters go bottom up, the same direction an I/O event travels:
//!
//! 1. [The selector](ch1_selector) — `syscall!`, epoll and kqueue, edge-triggered readiness,
//!    and the waker that interrupts a blocked poll.
//! 2. [Registration and readiness](ch2_readiness) — how a socket gets a slot and a token,
//!    the readiness word with its two ticks, the `Readiness` future, and why a `WouldBlock`
//!    clears readiness only conditionally.
//! 3. [The driver turn and shutdown](ch3_driver) — what one turn of the reactor does, how
//!    released slots are recycled, and what every operation sees after shutdown.
//! 4. [Tasks and wakers](ch4_tasks) — the task state word, `JoinHandle`, why a second wake is
//!    free, and the cooperative budget.
//! 5. [The schedulers](ch5_schedulers) — run queues, the LIFO slot, stealing, searching, and
//!    the four parking states that make sure no wake-up is lost.
//! 6. [Connect, end to end](ch6_connect) — the seeds' `TcpStream::connect` walk, replayed
//!    step by step on corium.
//! 7. [Timers](ch7_timers) — the wheel, exact deadlines, `epoll_pwait2` and timer slack, and
//!    the paused clock that drives the same wheel in tests.
//!
//! Beside the I/O path: [Channels](sync_chan) — mpsc's block list (no lock per message),
//! oneshot's state word, watch's version number.
//! Beyond the walk: [corium and the ecosystem](ecosystem) — which feature to turn on for
//! hyper, tokio-util, futures-io and bytes, and how their buffers are read into without zeroing.
//!
//! Each chapter has three parts: a short account of the mechanism, a table **seed step →
//! corium item**, and a section **What the trace shows** with the trace lines that step
//! prints. Every chapter also carries at least one example that runs as a doc test, so what
//! the prose claims is checked on every `cargo test --doc`.
//!
//! # Reading alongside the seeds
//!
//! The seeds are not in chapter order; this map says where each one's steps land.
//!
//! | seed file | what it walks through | read with |
//! |---|---|---|
//! | `000_*.txt` | the demo `TcpStream::connect("127.0.0.1:6142")`, then `connect_addr`, `connect_mio`, `PollEvented`, `Registration`, `ScheduledIo`, `io::Handle::add_source`, `RegistrationSet` | [ch. 6](ch6_connect) for the walk, [ch. 2](ch2_readiness) for the reactor types, [ch. 3](ch3_driver) for the handle's shutdown and metrics |
//! | `001_*.txt` | the same connect and registration walk as a standalone note | as `000` |
//! | `002_*.txt` | the reactor's job: the bridge from OS events to tasks | [ch. 3](ch3_driver), then [ch. 4](ch4_tasks) |
//! | `003_*.txt` | mio from the inside: `Poll::new`, `syscall!`, `TcpListener::bind`, `register` down to `epoll_ctl`, `poll` down to `epoll_wait`, the eventfd waker | [ch. 1](ch1_selector) |
//! | `004_*.txt` | the `Readiness` future, `async_io`, `accept`, `spawn` into the inject queue, waking an idle worker, `unpark_driver` | [ch. 2](ch2_readiness) for readiness, [ch. 5](ch5_schedulers) for spawn and wake |
//!
//! Where the seeds name a private tokio or mio function, corium usually has a function of the
//! same name, often private too. Private items cannot be linked from here; the tables then
//! name them in `code` with the file that holds them, and link the nearest public item.
//!
//! # Turning on the trace
//!
//! Each step in these chapters can be watched as it happens. The quickest way is the
//! repository's `tour` example, which replays the seeds' connect walk against a listener of
//! its own, with every layer traced:
//!
//! ```text
//! cargo run --release --example tour --features trace
//! cargo run --release --example tour --features trace -- --json tour.json   # + a Perfetto timeline
//! ```
//!
//! Any other program — a doc example of this guide copied into `main`, your own code — is
//! traced the same way: build it with corium's `trace` Cargo feature (without it every trace
//! point compiles to nothing) and choose the layers at run time with `CORIUM_TRACE=all`, or a
//! list such as `CORIUM_TRACE=selector,reactor`. The facility itself, with its Chrome timeline
//! and per-operation syscall budget, is documented in [`sys::trace`](mod@crate::sys::trace);
//! the README has the details.
//!
//! A line reads: time since tracing started, thread name, layer, message. A syscall's message
//! names the corium function that made it, then the call with its arguments, then the result
//! or the errno's name:
//!
//! ```text
//!       524µs main            [selector] Socket::connect → connect(fd=6, 127.0.0.1:39147) = EINPROGRESS
//! ```
//!
//! The excerpts in each chapter's "What the trace shows" were captured from real runs — of
//! the chapter's example, or of the variant the section describes — and trimmed to the lines
//! that matter. They are illustrative: fd numbers, tokens, times and thread names vary from
//! run to run, and the wording of a layer's lines may change as corium does.

pub mod ch1_selector;
pub mod ch2_readiness;
pub mod ch3_driver;
pub mod ch4_tasks;
pub mod ch5_schedulers;
pub mod ch6_connect;
pub mod ch7_timers;
pub mod ecosystem;
pub mod fs_files;
pub mod local_tasks;
pub mod macros_main;
pub mod signals_and_processes;
pub mod sync_chan;
pub mod sync_waiting;
