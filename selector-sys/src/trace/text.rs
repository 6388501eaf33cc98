//! The text sink: where trace lines go (stderr, an installed writer, or captures), and the
//! line format.
//!
//! Lines are formatted outside any lock; one mutex then guards the destination, so lines from
//! different threads never interleave mid-line. That lock is taken once per line, only while
//! tracing is on.

#[cfg(feature = "trace")]
use std::io;
use std::io::Write;
#[cfg(feature = "trace")]
use std::sync::{Arc, Mutex};

#[cfg(feature = "trace")]
use super::state::{self, lock};
#[cfg(feature = "trace")]
use super::thread::Track;
#[cfg(feature = "trace")]
use super::Layer;

/// Where lines go.
#[cfg(feature = "trace")]
struct Sink {
    /// `None`: stderr.
    writer: Option<Box<dyn Write + Send>>,
    /// Live captures; while there is one, lines go to the captures and not to the writer.
    captures: Vec<Arc<Mutex<Vec<String>>>>,
}

#[cfg(feature = "trace")]
static SINK: Mutex<Sink> = Mutex::new(Sink {
    writer: None,
    captures: Vec::new(),
});

/// Sends trace lines (and the budget table [`finish`](super::finish) prints) to `writer`
/// instead of stderr. Each line is written with one `write_all` followed by a `flush`.
///
/// Without the `trace` feature this drops `writer` and does nothing.
///
/// A writer that itself makes traced calls (a corium socket, say) is allowed: the lines those
/// calls would produce are dropped rather than recursing.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::trace;
///
/// let log = std::env::temp_dir().join(format!("corium-trace-{}.log", std::process::id()));
/// trace::set_writer(Box::new(std::fs::File::create(&log)?));
/// // ... trace ...
/// trace::set_writer(Box::new(std::io::stderr())); // back to the default
/// # std::fs::remove_file(log)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn set_writer(writer: Box<dyn Write + Send>) {
    #[cfg(feature = "trace")]
    {
        let old = lock(&SINK).writer.replace(writer);
        // Dropped outside the lock: a writer's drop may flush, and flushing may block.
        drop(old);
    }
    #[cfg(not(feature = "trace"))]
    drop(writer);
}

/// Collects trace lines in memory while it lives, for tests and tools.
///
/// While at least one `Capture` exists, every trace line goes to every live capture *instead*
/// of the writer; dropping the last one sends lines to the writer again. Capturing does not
/// turn tracing on: pair it with [`enable`](super::enable). Lines come from every thread of
/// the process (tracing is process-wide), each without its trailing newline.
///
/// Without the `trace` feature a capture stays empty.
///
/// # Examples
///
/// ```
/// use corium_selector_sys::{trace::{self, Layer}, Poll};
///
/// let lines = trace::capture();
/// trace::enable(&[Layer::Selector]);
/// let poll = Poll::new()?;
/// trace::disable();
/// if cfg!(feature = "trace") {
///     assert!(lines.lines().iter().any(|l| l.contains("Poll::new → epoll_create1") || l.contains("kqueue")));
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "lines are captured only while the Capture lives"]
pub struct Capture {
    #[cfg(feature = "trace")]
    lines: Arc<Mutex<Vec<String>>>,
}

/// Starts capturing trace lines; see [`Capture`].
pub fn capture() -> Capture {
    #[cfg(feature = "trace")]
    {
        let lines = Arc::new(Mutex::new(Vec::new()));
        lock(&SINK).captures.push(Arc::clone(&lines));
        Capture { lines }
    }
    #[cfg(not(feature = "trace"))]
    Capture {}
}

impl Capture {
    /// A copy of the lines captured so far.
    pub fn lines(&self) -> Vec<String> {
        #[cfg(feature = "trace")]
        {
            lock(&self.lines).clone()
        }
        #[cfg(not(feature = "trace"))]
        Vec::new()
    }

    /// Takes the lines captured so far, leaving the capture empty.
    pub fn take(&self) -> Vec<String> {
        #[cfg(feature = "trace")]
        {
            std::mem::take(&mut *lock(&self.lines))
        }
        #[cfg(not(feature = "trace"))]
        Vec::new()
    }
}

#[cfg(feature = "trace")]
impl Drop for Capture {
    fn drop(&mut self) {
        lock(&SINK)
            .captures
            .retain(|c| !Arc::ptr_eq(c, &self.lines));
    }
}

/// Formats one line: `<µs since start>µs <thread> [<layer>] <message>`, columns padded so a
/// run of lines reads as a table.
#[cfg(feature = "trace")]
pub(crate) fn format_line(ts_ns: u64, thread: &str, layer: Layer, message: &str) -> String {
    let layer = format!("[{}]", layer.name());
    format!("{:>9}µs {thread:<15} {layer:<10} {message}", ts_ns / 1000)
}

/// Emits one line to the text sink, if `layer` is printed as text.
#[cfg(feature = "trace")]
pub(crate) fn emit(track: &Track, ts_ns: u64, layer: Layer, message: &str) {
    if !state::test(state::text_bit(layer)) {
        return;
    }
    let mut line = format_line(ts_ns, &track.name, layer, message);
    let mut sink = lock(&SINK);
    if sink.captures.is_empty() {
        line.push('\n');
        // A failed write is dropped: tracing must not change what the program does.
        let _ = write_to(&mut sink.writer, line.as_bytes());
    } else {
        for capture in &sink.captures {
            lock(capture).push(line.clone());
        }
    }
}

/// Writes text to the writer (stderr if none is installed), bypassing captures: for the
/// budget table at `finish`.
#[cfg(feature = "trace")]
pub(crate) fn write_raw(text: &str) -> io::Result<()> {
    write_to(&mut lock(&SINK).writer, text.as_bytes())
}

/// One `write_all` per line, so a line is never split around another writer's output.
#[cfg(feature = "trace")]
fn write_to(writer: &mut Option<Box<dyn Write + Send>>, bytes: &[u8]) -> io::Result<()> {
    match writer {
        Some(w) => {
            w.write_all(bytes)?;
            w.flush()
        }
        None => io::stderr().lock().write_all(bytes),
    }
}

/// Flushes the installed writer.
#[cfg(feature = "trace")]
pub(crate) fn flush() -> io::Result<()> {
    match &mut lock(&SINK).writer {
        Some(w) => w.flush(),
        None => Ok(()),
    }
}

#[cfg(all(test, feature = "trace"))]
mod tests {
    use super::*;

    #[test]
    fn line_columns() {
        let line = format_line(
            1_234_567,
            "main",
            Layer::Selector,
            "Poll::new → epoll_create1(EPOLL_CLOEXEC) = 3",
        );
        assert_eq!(
            line,
            "     1234µs main            [selector] Poll::new → epoll_create1(EPOLL_CLOEXEC) = 3"
        );
        let line = format_line(5, "a-very-long-thread-name", Layer::Net, "x");
        assert_eq!(line, "        0µs a-very-long-thread-name [net]      x");
    }
}
