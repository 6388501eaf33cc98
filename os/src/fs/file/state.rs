//! The state a [`File`](super::File) shares with its blocking-pool jobs, and the jobs.
//!
//! A job does not hand its result back through its `JoinHandle`: it publishes it here, under
//! the lock, and wakes every task that waits on the file. That lets `&self` methods
//! (`sync_all`, `metadata`, ...) and the `&mut self` I/O traits wait on the same operation from
//! different tasks, lets a write job keep draining bytes the caller queued after it started,
//! and lets a `File` dropped mid-write simply go away: the job owns everything it needs.
//!
//! Every job carries a [`JobGuard`]. If the job panics, or runtime shutdown drops it before it
//! ran, the guard's `Drop` marks the file lost and wakes the waiters, so nobody waits forever.

use std::fs::File as StdFile;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use corium_executor::task::JoinHandle;

use crate::fs::pool;

/// tokio's default `max_buf_size`: the largest read chunk.
pub(crate) const DEFAULT_MAX_BUF: usize = 2 * 1024 * 1024;

/// The most written bytes queued for the pool at once (or `max_buf_size`, if smaller): the
/// caller fills one such buffer while the write job writes the other.
///
/// Small on purpose. The caller's thread copies the bytes in and a pool thread, on another
/// core, hands them to `write(2)`: with two 256 KiB buffers both fit one core's L2, and the
/// kernel reads them from cache. With two of tokio's 2 MiB they spill to memory, and the same
/// gigabyte cost twice the CPU time (fs bench, `File` write of 1 GiB in 64 KiB pieces, side by
/// side on 2026-12-06: 0.63 s of CPU at 256 KiB, 0.67 s at 64 KiB, 1.22 s at 2 MiB, 1.24 s for
/// tokio, 0.45 s for blocking `std`), and under load the wall time followed (1.67 s, 1.81 s,
/// 3.18 s, 3.23 s). Smaller buffers only add hand-offs between the two threads.
pub(crate) const WRITE_CHUNK: usize = 256 * 1024;

/// The first read chunk. Each read that fills its whole chunk doubles the next one up to
/// `max_buf`, so a small file costs a small buffer and a long sequential read soon moves
/// `max_buf` per pool job, whatever size the caller's own buffer is (see the fs bench).
pub(crate) const FIRST_READ_CHUNK: usize = 64 * 1024;

/// Which kind of job is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Job {
    Read,
    /// Drains `pending` until it is empty.
    Write,
    Seek,
    /// A `&self` method's job (`sync_all`, `set_len`, ...); its result travels by `JoinHandle`.
    Other,
}

/// The result of a finished read or seek, kept until the poll that started it comes back.
#[derive(Debug)]
pub(crate) enum Done {
    Read(io::Result<()>),
    Seek(io::Result<u64>),
}

/// Bytes read from the file and not yet handed to the caller: `buf[pos..end]`.
///
/// `buf` keeps its length (its zeroed high-water mark) between jobs, so the bytes a read
/// needs are initialised once per buffer and never zeroed again.
#[derive(Debug, Default)]
pub(crate) struct ReadBuffer {
    pub(crate) buf: Vec<u8>,
    pub(crate) pos: usize,
    pub(crate) end: usize,
}

impl ReadBuffer {
    pub(crate) fn unread(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) busy: Option<Job>,
    pub(crate) done: Option<Done>,
    /// A job panicked or was cancelled; the file's data may be incomplete.
    pub(crate) lost: bool,
    pub(crate) read: ReadBuffer,
    /// Written bytes the caller was told are done, waiting for the write job. Non-empty only
    /// while a write job runs (it drains this before it finishes).
    pub(crate) pending: Vec<u8>,
    /// The write job's second buffer, kept between jobs.
    pub(crate) spare: Vec<u8>,
    /// The error of a write already reported done; the next write, flush or `sync_*` returns it.
    pub(crate) write_err: Option<io::Error>,
    pub(crate) waiters: Vec<Waker>,
    pub(crate) max_buf: usize,
    pub(crate) read_chunk: usize,
    /// Position after the last seek (what `poll_complete` reports when no seek is running).
    pub(crate) pos: u64,
    /// The rewind of the write job being spawned (see `JobGuard::write_rewind`).
    write_rewind: i64,
}

impl State {
    /// Registers `waker` to be woken when the running job finishes or makes room.
    pub(crate) fn wait(&mut self, waker: &Waker) {
        if !self.waiters.iter().any(|w| w.will_wake(waker)) {
            self.waiters.push(waker.clone());
        }
    }

    /// The most bytes `pending` may hold (see [`WRITE_CHUNK`]).
    pub(crate) fn write_limit(&self) -> usize {
        self.max_buf.min(WRITE_CHUNK)
    }

    /// `Ready(Ok)` once no job runs; `Pending` (with `cx`'s waker registered) while one does;
    /// `Ready(Err)` if an earlier job was lost.
    pub(crate) fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.lost {
            return Poll::Ready(Err(self.lost_error()));
        }
        if self.busy.is_some() {
            self.wait(cx.waker());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Forgets the read-ahead; returns how far the OS file position is past the caller's.
    /// A finished read's "answered" mark goes with it, so it cannot later pass for end of file.
    pub(crate) fn take_unread(&mut self) -> i64 {
        let unread = self.read.end - self.read.pos;
        self.read.pos = self.read.end;
        if matches!(self.done, Some(Done::Read(_))) {
            self.done = None;
        }
        // A buffer never exceeds `max_buf`, which is a `usize` allocation: it fits an `i64`.
        i64::try_from(unread).unwrap_or(i64::MAX)
    }

    pub(crate) fn lost_error(&self) -> io::Error {
        io::Error::other(
            "corium::fs::File: an earlier blocking-pool job of this file panicked or was \
             cancelled by runtime shutdown, so its data may be incomplete; reopen the file",
        )
    }
}

/// What a `File` and its jobs share.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new() -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(State {
                busy: None,
                done: None,
                lost: false,
                read: ReadBuffer::default(),
                pending: Vec::new(),
                spare: Vec::new(),
                write_err: None,
                waiters: Vec::new(),
                max_buf: DEFAULT_MAX_BUF,
                read_chunk: FIRST_READ_CHUNK,
                pos: 0,
                write_rewind: 0,
            }),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind (no invariant spans an
        // unlock), so the poisoned state is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `job` running and returns the launch of `work` on the pool, which the caller
    /// must call **after unlocking** `st`: a pool that refuses the job (it is shutting down)
    /// drops it on the spot, and the guard's `Drop` then locks the state itself. Register the
    /// waker before unlocking, and the job cannot publish unseen.
    pub(crate) fn spawn<R: Send + 'static>(
        self: &Arc<Self>,
        st: &mut State,
        file: &Arc<StdFile>,
        job: Job,
        work: impl FnOnce(JobGuard) -> R + Send + 'static,
    ) -> io::Result<impl FnOnce() -> JoinHandle<R>> {
        let handle = pool::handle()?;
        st.busy = Some(job);
        let write_rewind = match job {
            Job::Write => Some(st.write_rewind),
            _ => None,
        };
        let guard = JobGuard {
            shared: self.clone(),
            file: Some(file.clone()),
            finished: false,
            write_rewind,
        };
        Ok(move || handle.spawn_blocking(move || work(guard)))
    }

    /// Prepares a read of up to `want` bytes into the (empty) read buffer; see `spawn` for
    /// when to call the returned launch.
    pub(crate) fn start_read(
        self: &Arc<Self>,
        st: &mut State,
        file: &Arc<StdFile>,
        want: usize,
    ) -> io::Result<impl FnOnce()> {
        let mut buf = mem::take(&mut st.read.buf);
        let spawned = self.spawn(st, file, Job::Read, move |mut guard| {
            if buf.len() < want {
                buf.resize(want, 0);
            }
            let result = retry(|| guard.file().read(&mut buf[..want]));
            guard.finish(|st| {
                let n = *result.as_ref().unwrap_or(&0);
                if n == want {
                    st.read_chunk = st.read_chunk.saturating_mul(2).min(st.max_buf);
                }
                st.read = ReadBuffer {
                    buf,
                    pos: 0,
                    end: n,
                };
                st.done = Some(Done::Read(result.map(drop)));
            });
        });
        spawned.map(|launch| move || drop(launch()))
    }

    /// Prepares the write job (launch it as `spawn` says): first moves the file position back over `rewind` read-ahead
    /// bytes, then writes `pending` until the caller stops refilling it.
    ///
    /// Writes were reported done, so they must happen even if the pool drops the job unrun
    /// (a shut-down pool refuses new jobs; tokio marks such jobs "mandatory"): the guard then
    /// does the job itself, on the thread that drops it.
    pub(crate) fn start_write(
        self: &Arc<Self>,
        st: &mut State,
        file: &Arc<StdFile>,
        rewind: i64,
    ) -> io::Result<impl FnOnce()> {
        let buf = mem::take(&mut st.spare);
        st.write_rewind = rewind;
        let spawned = self.spawn(st, file, Job::Write, move |mut guard| {
            guard.drain_writes(rewind, buf);
        });
        spawned.map(|launch| move || drop(launch()))
    }

    /// Prepares a seek job (launch it as `spawn` says).
    pub(crate) fn start_seek(
        self: &Arc<Self>,
        st: &mut State,
        file: &Arc<StdFile>,
        to: SeekFrom,
    ) -> io::Result<impl FnOnce()> {
        let spawned = self.spawn(st, file, Job::Seek, move |mut guard| {
            let result = guard.file().seek(to);
            guard.finish(|st| {
                if let Ok(pos) = result {
                    st.pos = pos;
                }
                st.done = Some(Done::Seek(result));
            });
        });
        spawned.map(|launch| move || drop(launch()))
    }
}

/// Owns a job's claim on the file; see the module docs.
pub(crate) struct JobGuard {
    shared: Arc<Shared>,
    /// Dropped before the job publishes, so `into_std` can unwrap the `Arc` once idle.
    file: Option<Arc<StdFile>>,
    finished: bool,
    /// `Some(rewind)` for a write job: what `Drop` needs to do it if the pool never did.
    write_rewind: Option<i64>,
}

impl JobGuard {
    pub(crate) fn file(&mut self) -> &StdFile {
        self.file
            .as_deref()
            .expect("the file is held until the job finishes")
    }

    /// The write job: seek back over `rewind` read-ahead bytes, then write `pending` until it
    /// stays empty, swapping it with `buf` so the caller can queue more meanwhile.
    fn drain_writes(&mut self, rewind: i64, mut buf: Vec<u8>) {
        let mut result = match rewind {
            0 => Ok(()),
            n => self.file().seek(SeekFrom::Current(-n)).map(drop),
        };
        loop {
            let mut st = self.shared.lock();
            if let Err(e) = result {
                // Everything queued after the failed write was reported done too; it is
                // dropped, and the error stands for all of it.
                st.pending.clear();
                st.write_err = Some(e);
            }
            if st.pending.is_empty() {
                st.spare = buf;
                drop(st);
                return self.publish(|_| {});
            }
            mem::swap(&mut st.pending, &mut buf);
            // The caller may be waiting for room in `pending`.
            let waiters = mem::take(&mut st.waiters);
            drop(st);
            waiters.into_iter().for_each(Waker::wake);
            result = self.file().write_all(&buf);
            buf.clear();
        }
    }

    /// Publishes the job's result with `publish`, marks the file idle and wakes the waiters.
    pub(crate) fn finish(mut self, publish: impl FnOnce(&mut State)) {
        self.publish(publish);
    }

    fn publish(&mut self, publish: impl FnOnce(&mut State)) {
        self.file = None;
        let mut st = self.shared.lock();
        publish(&mut st);
        st.busy = None;
        let waiters = mem::take(&mut st.waiters);
        drop(st);
        waiters.into_iter().for_each(Waker::wake);
        self.finished = true;
    }
}

impl Drop for JobGuard {
    /// Unless the job finished: a write job never run does its writes now; otherwise (a
    /// panic, or a cancelled read or seek) the file is marked lost.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(rewind) = self.write_rewind.filter(|_| !std::thread::panicking()) {
            return self.drain_writes(rewind, Vec::new());
        }
        self.file = None;
        let mut st = self.shared.lock();
        st.busy = None;
        st.lost = true;
        st.pending.clear();
        let waiters = mem::take(&mut st.waiters);
        drop(st);
        waiters.into_iter().for_each(Waker::wake);
    }
}

/// Retries `op` while it fails with `Interrupted`.
pub(crate) fn retry<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}
