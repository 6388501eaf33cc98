//! Per-thread trace state: the thread's name and Chrome track id, its Chrome event buffer, and
//! the guard that stops a trace point from tracing itself.
//!
//! Each thread records Chrome events into its own buffer, behind its own mutex, so recording
//! never contends across threads; only [`finish`](super::finish) locks them all, to write the
//! file. Buffers outlive their threads (the list holds them) so a thread that ended before the
//! trace was written still appears in it.

use std::cell::{Cell, OnceCell};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};

use super::chrome::Buffer;
use super::state::lock;

/// One thread as the trace sees it.
#[derive(Debug)]
pub(crate) struct Track {
    /// The Chrome `tid`: 1, 2, … in order of each thread's first trace event.
    pub(crate) tid: u64,
    /// The thread's name, or `thread-<tid>` for an unnamed thread.
    pub(crate) name: String,
    /// This thread's Chrome events since the recording started.
    pub(crate) chrome: Mutex<Buffer>,
}

/// Every track ever created, so `finish` can find each buffer.
static TRACKS: Mutex<Vec<Arc<Track>>> = Mutex::new(Vec::new());

thread_local! {
    static CURRENT: OnceCell<Arc<Track>> = const { OnceCell::new() };
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

fn new_track(name: Option<&str>) -> Arc<Track> {
    static NEXT_TID: AtomicU64 = AtomicU64::new(1);
    let tid = NEXT_TID.fetch_add(1, Relaxed);
    let track = Arc::new(Track {
        tid,
        name: name.map_or_else(|| format!("thread-{tid}"), str::to_owned),
        chrome: Mutex::new(Buffer::default()),
    });
    lock(&TRACKS).push(Arc::clone(&track));
    track
}

/// Runs `f` with the calling thread's track, unless the thread is already inside a trace
/// point: then it returns `None` and the nested event is dropped. That happens when a writer
/// installed with [`set_writer`](super::set_writer) itself makes traced calls (a corium
/// socket, say); without this guard it would deadlock on the text sink's lock or recurse
/// forever.
pub(crate) fn with_track<R>(f: impl FnOnce(&Track) -> R) -> Option<R> {
    struct Busy;
    impl Drop for Busy {
        fn drop(&mut self) {
            let _ = BUSY.try_with(|busy| busy.set(false));
        }
    }
    // A thread whose thread-locals are being destroyed has no guard left; trace it anyway.
    if BUSY.try_with(|busy| busy.replace(true)).unwrap_or(false) {
        return None;
    }
    let _busy = Busy;
    let track = CURRENT
        .try_with(|current| {
            Arc::clone(current.get_or_init(|| new_track(std::thread::current().name())))
        })
        .unwrap_or_else(|_| exiting_track());
    Some(f(&track))
}

/// The track for events from threads whose thread-locals are already gone (a value dropped by
/// a thread-local destructor, for instance).
fn exiting_track() -> Arc<Track> {
    static EXITING: OnceLock<Arc<Track>> = OnceLock::new();
    Arc::clone(EXITING.get_or_init(|| new_track(Some("(exiting threads)"))))
}

/// A snapshot of every track, for `finish`.
pub(crate) fn all_tracks() -> Vec<Arc<Track>> {
    lock(&TRACKS).clone()
}

/// Forgets the tracks of threads that have ended, once their events are written: the list
/// holds the only reference left.
pub(crate) fn prune_ended() {
    lock(&TRACKS).retain(|track| Arc::strong_count(track) > 1);
}
