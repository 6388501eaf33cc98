//! The picture: the same events as a Chrome Trace Event JSON file, which
//! [Perfetto](https://ui.perfetto.dev) (Open trace file) and `chrome://tracing` (Load) draw as a
//! timeline with one track per thread.
//!
//! What is drawn:
//!
//! | corium event                          | Chrome event                                            |
//! |---------------------------------------|---------------------------------------------------------|
//! | a thread's first event                | `thread_name` metadata (`M`): the track's label         |
//! | [`trace_slice!`](crate::trace_slice!) guard (task polls) | `B` at creation, `E` at drop           |
//! | a syscall                             | `X` (complete) named by its kind, the line in `args`    |
//! | a [`trace!`](crate::trace!) line      | `i` (instant, thread scope) named by the message        |
//! | [`flow_start`]/[`flow_end`] (wakes)   | a `wake` marker slice with `s`, and `f` (`bp: "e"`): an arrow from the wake to the poll |
//!
//! Recording starts with [`start`] (or `CORIUM_TRACE_JSON=path`) and the file is written by
//! [`finish`](super::finish) (or at exit when started from the environment). Events are kept in
//! memory until then — on the order of a hundred bytes each — so record short runs.
//!
//! Every `B` gets its `E`: a slice still open at `finish` is closed at the finish time, and a
//! guard created before `start` writes nothing at drop. Every `s` gets its `f`: a wake whose
//! poll never came (or came after `finish`) is left out, and a second wake of a task whose
//! first wake is still pending draws no second arrow (the task was already scheduled).

use std::io;
use std::marker::PhantomData;
use std::path::Path;

#[cfg(feature = "trace")]
use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
    fs::File,
    io::{BufWriter, Write},
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    sync::Mutex,
};

#[cfg(feature = "trace")]
use super::state::{self, lock, CHROME};
#[cfg(feature = "trace")]
use super::thread::{self, Track};
use super::Layer;

/// Starts recording Chrome events, to be written to a new file at `path` by
/// [`finish`](super::finish). Restarts the recording (dropping what was recorded) if one is
/// running. Does not touch the text lines' filter.
///
/// # Errors
/// * The error of creating `path` (it is created now, so a bad path is reported here and not
///   at the end of the run).
/// * `Unsupported` when corium was built without the `trace` feature.
///
/// # Examples
///
/// ```no_run
/// use corium_selector_sys::trace;
///
/// trace::chrome::start("corium-trace.json")?;
/// // ... run ...
/// trace::finish()?; // writes corium-trace.json: open it in ui.perfetto.dev
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn start(path: impl AsRef<Path>) -> io::Result<()> {
    #[cfg(feature = "trace")]
    {
        start_writer(open_file(path.as_ref())?);
        Ok(())
    }
    #[cfg(not(feature = "trace"))]
    {
        // No file is created: an empty one would look like a recording that saw nothing.
        let _ = path;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "corium was built without tracing: rebuild with the `trace` feature (cargo --features trace) to record a Chrome trace",
        ))
    }
}

/// Like [`start`], writing the JSON to `out` instead of a file.
pub fn start_writer(out: impl io::Write + Send + 'static) {
    #[cfg(feature = "trace")]
    {
        let mut locked = state::config();
        begin_session(Box::new(out));
        locked.get().chrome = true;
        locked.publish();
    }
    #[cfg(not(feature = "trace"))]
    drop(out);
}

/// Whether Chrome events are being recorded now (always `false` without the `trace`
/// feature).
#[inline(always)]
pub fn recording() -> bool {
    #[cfg(feature = "trace")]
    return state::test(CHROME);
    #[cfg(not(feature = "trace"))]
    false
}

/// Creates the output file up front, so a bad path fails at `start`.
#[cfg(feature = "trace")]
pub(crate) fn open_file(path: &Path) -> io::Result<File> {
    File::create(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot create the Chrome trace file {}: {e}",
                path.display()
            ),
        )
    })
}

/// The guard of a slice, from [`trace_slice!`](crate::trace_slice!): the slice ends when it
/// drops. Not `Send`: a slice begins and ends on one thread's track. Zero-sized without the
/// `trace` feature.
#[derive(Debug)]
#[must_use = "the slice ends when this guard drops: bind it with `let _slice = ...`"]
pub struct Slice {
    /// The recording session the slice's `B` went into; `None` if it wrote none.
    #[cfg(feature = "trace")]
    session: Option<u64>,
    _not_send: PhantomData<*const ()>,
}

impl Slice {
    /// A guard that records nothing; what `trace_slice!` returns when nothing is recorded.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __none() -> Slice {
        Slice {
            #[cfg(feature = "trace")]
            session: None,
            _not_send: PhantomData,
        }
    }

    /// Used by `trace_slice!` only: begins a slice named by `name`.
    #[doc(hidden)]
    pub fn __begin(layer: Layer, name: std::fmt::Arguments<'_>) -> Slice {
        #[cfg(feature = "trace")]
        {
            let session = SESSION.load(Relaxed);
            let begun = thread::with_track(|track| {
                let event = Event::new(Ph::Begin, state::now_ns(), layer.name(), name.to_string());
                let mut buf = lock(&track.chrome);
                buf.open.push((event.name.clone(), event.cat));
                buf.events.push(event);
            });
            if begun.is_some() {
                return Slice {
                    session: Some(session),
                    _not_send: PhantomData,
                };
            }
        }
        let _ = (layer, name);
        Slice::__none()
    }
}

#[cfg(feature = "trace")]
impl Drop for Slice {
    fn drop(&mut self) {
        if self.session != Some(SESSION.load(Relaxed)) || !recording() {
            return;
        }
        thread::with_track(|track| {
            let ts = state::now_ns();
            let mut buf = lock(&track.chrome);
            if let Some((name, cat)) = buf.open.pop() {
                buf.events.push(Event::new(Ph::End, ts, cat, name));
            }
        });
    }
}

/// Marks the event that wakes something, identified by `id` (a task id, say): the tail of a
/// flow arrow that [`flow_end`] with the same `id` completes. Records a zero-length `wake`
/// slice on this thread for the arrow to start from.
///
/// If a flow for `id` is already pending (woken twice before being polled), this does nothing:
/// the first wake is the one that scheduled it. Pass a value you already have: without the
/// `trace` feature this is an empty inline function.
#[inline(always)]
pub fn flow_start(id: u64) {
    #[cfg(feature = "trace")]
    if recording() {
        flow_start_slow(id);
    }
    let _ = id;
}

/// Marks where the work that `id`'s wake caused begins: call it *inside* the slice it belongs
/// to (right after `trace_slice!` for a task poll), which is where the arrow points. Does
/// nothing if no wake of `id` is pending.
#[inline(always)]
pub fn flow_end(id: u64) {
    #[cfg(feature = "trace")]
    if recording() {
        flow_end_slow(id);
    }
    let _ = id;
}

/// Incremented by every `start`, so a slice guard from an earlier recording stays silent.
#[cfg(feature = "trace")]
static SESSION: AtomicU64 = AtomicU64::new(0);

/// Where `finish` writes the JSON.
#[cfg(feature = "trace")]
static OUTPUT: Mutex<Option<Box<dyn Write + Send>>> = Mutex::new(None);

/// The wakes whose poll has not come yet: caller's id → arrow id (unique per arrow, since one
/// task is woken many times).
#[cfg(feature = "trace")]
struct Flows {
    pending: Option<HashMap<u64, u64>>,
    next_arrow: u64,
}

#[cfg(feature = "trace")]
static FLOWS: Mutex<Flows> = Mutex::new(NO_FLOWS);

#[cfg(feature = "trace")]
const NO_FLOWS: Flows = Flows {
    pending: None,
    next_arrow: 1,
};

#[cfg(feature = "trace")]
fn flow_start_slow(id: u64) {
    let ts = state::now_ns();
    let arrow = {
        let mut flows = lock(&FLOWS);
        let arrow = flows.next_arrow;
        let pending = flows.pending.get_or_insert_with(HashMap::new);
        if pending.contains_key(&id) {
            return;
        }
        pending.insert(id, arrow);
        flows.next_arrow += 1;
        arrow
    };
    thread::with_track(|track| {
        let detail = format!("wake of id {id}");
        let mut buf = lock(&track.chrome);
        buf.events
            .push(Event::new(Ph::Begin, ts, FLOW_CAT, "wake").with_detail(detail));
        buf.events
            .push(Event::new(Ph::FlowStart(arrow), ts, FLOW_CAT, "wake"));
        buf.events.push(Event::new(Ph::End, ts, FLOW_CAT, "wake"));
    });
}

#[cfg(feature = "trace")]
fn flow_end_slow(id: u64) {
    let Some(arrow) = lock(&FLOWS).pending.as_mut().and_then(|p| p.remove(&id)) else {
        return;
    };
    thread::with_track(|track| {
        let ts = state::now_ns();
        lock(&track.chrome)
            .events
            .push(Event::new(Ph::FlowEnd(arrow), ts, FLOW_CAT, "wake"));
    });
}

/// The category of flow events: `s` and `f` must share it (and the name) to pair up.
#[cfg(feature = "trace")]
const FLOW_CAT: &str = "flow";

/// The kind of a Chrome event (`ph`).
#[cfg(feature = "trace")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ph {
    Begin,
    End,
    Complete { dur_ns: u64 },
    Instant,
    FlowStart(u64),
    FlowEnd(u64),
}

/// One recorded Chrome event.
#[cfg(feature = "trace")]
#[derive(Debug)]
pub(crate) struct Event {
    ph: Ph,
    ts_ns: u64,
    cat: &'static str,
    name: Cow<'static, str>,
    /// Shown in Perfetto's details pane as `args.detail`.
    detail: Option<String>,
}

#[cfg(feature = "trace")]
impl Event {
    fn new(ph: Ph, ts_ns: u64, cat: &'static str, name: impl Into<Cow<'static, str>>) -> Event {
        Event {
            ph,
            ts_ns,
            cat,
            name: name.into(),
            detail: None,
        }
    }

    fn with_detail(mut self, detail: String) -> Event {
        self.detail = Some(detail);
        self
    }
}

/// One thread's recording: its events in order, and the slices begun but not yet ended.
#[cfg(feature = "trace")]
#[derive(Debug, Default)]
pub(crate) struct Buffer {
    events: Vec<Event>,
    open: Vec<(Cow<'static, str>, &'static str)>,
}

/// Records a `trace!` line as an instant on the thread's track.
#[cfg(feature = "trace")]
pub(crate) fn instant(track: &Track, ts_ns: u64, layer: Layer, message: String) {
    let event = Event::new(Ph::Instant, ts_ns, layer.name(), message);
    lock(&track.chrome).events.push(event);
}

/// Records a syscall as a complete slice named by its kind, with its trace line as detail.
#[cfg(feature = "trace")]
pub(crate) fn syscall(track: &Track, start_ns: u64, end_ns: u64, kind: &'static str, line: String) {
    let dur_ns = end_ns.saturating_sub(start_ns);
    let event = Event::new(Ph::Complete { dur_ns }, start_ns, "syscall", kind).with_detail(line);
    lock(&track.chrome).events.push(event);
}

/// Starts a new recording into `out`: clears every buffer and pending flow. The caller holds
/// the configuration lock and turns `chrome` on.
#[cfg(feature = "trace")]
pub(crate) fn begin_session(out: Box<dyn Write + Send>) {
    SESSION.fetch_add(1, Relaxed);
    *lock(&FLOWS) = NO_FLOWS;
    for track in thread::all_tracks() {
        *lock(&track.chrome) = Buffer::default();
    }
    let old = lock(&OUTPUT).replace(out);
    drop(old);
}

/// Takes the output of the recording that just stopped, if any.
#[cfg(feature = "trace")]
pub(crate) fn take_output() -> Option<Box<dyn Write + Send>> {
    lock(&OUTPUT).take()
}

/// Writes the recording to `out` and empties every buffer. Called by `finish` after the
/// recording is turned off.
#[cfg(feature = "trace")]
pub(crate) fn write_trace(out: Box<dyn Write + Send>) -> io::Result<()> {
    let end_ns = state::now_ns();
    let tracks = thread::all_tracks();
    let mut per_track = Vec::with_capacity(tracks.len());
    for track in &tracks {
        let buf = std::mem::take(&mut *lock(&track.chrome));
        per_track.push((
            track.tid,
            track.name.clone(),
            close_open_slices(buf, end_ns),
        ));
    }
    drop(tracks);
    thread::prune_ended();
    *lock(&FLOWS) = NO_FLOWS;

    let arrows = complete_arrows(per_track.iter().flat_map(|(_, _, events)| events));
    let pid = std::process::id();
    let mut out = BufWriter::new(out);
    let mut line = String::with_capacity(256);
    out.write_all(b"{\"traceEvents\":[\n")?;
    metadata(&mut line, pid, 0, "process_name", "corium");
    out.write_all(line.as_bytes())?;
    for (tid, name, events) in &per_track {
        let tid = *tid;
        line.clear();
        line.push_str(",\n");
        metadata(&mut line, pid, tid, "thread_name", name);
        line.push_str(",\n");
        let _ = std::fmt::Write::write_fmt(
            &mut line,
            format_args!(
                "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}"
            ),
        );
        out.write_all(line.as_bytes())?;
        for event in events {
            if let Ph::FlowStart(arrow) | Ph::FlowEnd(arrow) = event.ph {
                if !arrows.contains(&arrow) {
                    continue;
                }
            }
            line.clear();
            line.push_str(",\n");
            write_event(&mut line, pid, tid, event);
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(b"\n],\"displayTimeUnit\":\"ns\"}\n")?;
    out.flush()
}

/// The buffer's events, with an `E` at `end_ns` for each slice still open.
#[cfg(feature = "trace")]
fn close_open_slices(buf: Buffer, end_ns: u64) -> Vec<Event> {
    let Buffer { mut events, open } = buf;
    for (name, cat) in open.into_iter().rev() {
        events.push(Event::new(Ph::End, end_ns, cat, name));
    }
    events
}

/// The arrows that have both their `s` and their `f`.
#[cfg(feature = "trace")]
fn complete_arrows<'a>(events: impl Iterator<Item = &'a Event>) -> HashSet<u64> {
    let mut starts = HashSet::new();
    let mut ends = HashSet::new();
    for event in events {
        match event.ph {
            Ph::FlowStart(arrow) => starts.insert(arrow),
            Ph::FlowEnd(arrow) => ends.insert(arrow),
            _ => false,
        };
    }
    starts.intersection(&ends).copied().collect()
}

#[cfg(feature = "trace")]
fn metadata(out: &mut String, pid: u32, tid: u64, kind: &str, name: &str) {
    use std::fmt::Write as _;
    let _ = write!(out, "{{\"name\":\"{kind}\",\"ph\":\"M\",\"ts\":0,\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":");
    super::json::string(out, name);
    out.push_str("}}");
}

/// Appends one event as a JSON object.
#[cfg(feature = "trace")]
fn write_event(out: &mut String, pid: u32, tid: u64, event: &Event) {
    use super::json;
    use std::fmt::Write as _;
    let ph = match event.ph {
        Ph::Begin => "B",
        Ph::End => "E",
        Ph::Complete { .. } => "X",
        Ph::Instant => "i",
        Ph::FlowStart(_) => "s",
        Ph::FlowEnd(_) => "f",
    };
    out.push_str("{\"name\":");
    json::string(out, &event.name);
    out.push_str(",\"cat\":");
    json::string(out, event.cat);
    let _ = write!(out, ",\"ph\":\"{ph}\",\"ts\":");
    json::micros(out, event.ts_ns);
    let _ = write!(out, ",\"pid\":{pid},\"tid\":{tid}");
    match event.ph {
        Ph::Complete { dur_ns } => {
            out.push_str(",\"dur\":");
            json::micros(out, dur_ns);
        }
        Ph::Instant => out.push_str(",\"s\":\"t\""),
        Ph::FlowStart(arrow) => {
            let _ = write!(out, ",\"id\":{arrow}");
        }
        // Binds the arrow's head to the slice enclosing this point (the poll), not to the
        // next slice to begin.
        Ph::FlowEnd(arrow) => {
            let _ = write!(out, ",\"id\":{arrow},\"bp\":\"e\"");
        }
        Ph::Begin | Ph::End => {}
    }
    if let Some(detail) = &event.detail {
        out.push_str(",\"args\":{\"detail\":");
        json::string(out, detail);
        out.push('}');
    }
    out.push('}');
}

#[cfg(all(test, feature = "trace"))]
mod tests {
    use super::*;

    #[test]
    fn open_slices_are_closed_innermost_first() {
        let mut buf = Buffer::default();
        buf.events
            .push(Event::new(Ph::Begin, 1, "executor", "outer"));
        buf.events
            .push(Event::new(Ph::Begin, 2, "executor", "inner"));
        buf.open = vec![("outer".into(), "executor"), ("inner".into(), "executor")];
        let events = close_open_slices(buf, 9);
        let tail: Vec<_> = events[2..]
            .iter()
            .map(|e| (e.ph, e.name.as_ref(), e.ts_ns))
            .collect();
        assert_eq!(tail, [(Ph::End, "inner", 9), (Ph::End, "outer", 9)]);
    }

    #[test]
    fn only_arrows_with_both_ends_are_kept() {
        let events = [
            Event::new(Ph::FlowStart(1), 1, FLOW_CAT, "wake"),
            Event::new(Ph::FlowEnd(1), 2, FLOW_CAT, "wake"),
            Event::new(Ph::FlowStart(2), 3, FLOW_CAT, "wake"),
            Event::new(Ph::FlowEnd(3), 4, FLOW_CAT, "wake"),
        ];
        assert_eq!(complete_arrows(events.iter()), HashSet::from([1]));
    }

    #[test]
    fn event_json() {
        let mut out = String::new();
        let event = Event::new(
            Ph::Complete { dur_ns: 1500 },
            2_000_250,
            "syscall",
            "epoll_wait",
        )
        .with_detail("Poll::poll → epoll_wait(\"x\") = 1".into());
        write_event(&mut out, 7, 2, &event);
        assert_eq!(
            out,
            r#"{"name":"epoll_wait","cat":"syscall","ph":"X","ts":2000.250,"pid":7,"tid":2,"dur":1.500,"args":{"detail":"Poll::poll → epoll_wait(\"x\") = 1"}}"#
        );
        out.clear();
        write_event(
            &mut out,
            7,
            2,
            &Event::new(Ph::FlowEnd(4), 0, FLOW_CAT, "wake"),
        );
        assert_eq!(
            out,
            r#"{"name":"wake","cat":"flow","ph":"f","ts":0.000,"pid":7,"tid":2,"id":4,"bp":"e"}"#
        );
    }
}
