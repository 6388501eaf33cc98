//! # Files: why the reactor cannot help, and what the blocking pool does instead
//!
//! Every other chapter follows an event from the kernel up: a socket becomes readable, epoll
//! says so, the reactor wakes a task. Regular files never take that road. This chapter shows
//! why, what [`corium::fs`](crate::fs) does instead, and what io_uring would change.
//!
//! ## A regular file is never "not ready"
//!
//! Readiness means "a `read` now would not block". For a socket that is a real question: the
//! bytes are either in the receive buffer or not yet. For a file on a disk the kernel has no
//! such notion — a `read` of a page that is not in the page cache starts the disk I/O and puts
//! the caller to sleep until it completes, however "ready" anyone said the file was. So the
//! kernel refuses to pretend: a regular file (or a directory) has no `poll` operation, and
//! `epoll_ctl(EPOLL_CTL_ADD)` fails with **`EPERM`** ("the target file does not support
//! epoll"). `poll(2)`/`select(2)` and kqueue's `EVFILT_READ` go the other way and report
//! such a file as always readable — no better, since the read still blocks.
//!
//! The selector shows it directly:
//!
//! ```
//! use corium::sys::unix::SourceFd;
//! use corium::sys::{Interest, Poll, Token};
//! use std::os::fd::AsRawFd;
//!
//! let path = std::env::temp_dir().join(format!("corium-guide-fs-{}", std::process::id()));
//! let file = std::fs::File::create(&path)?;
//! let poll = Poll::new()?;
//! let fd = file.as_raw_fd();
//! let err = poll
//!     .registry()
//!     .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)
//!     .unwrap_err();
//! // selector-sys keeps the kind of epoll's EPERM and says why in the message.
//! # #[cfg(target_os = "linux")]
//! assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
//! # #[cfg(target_os = "linux")]
//! assert!(err.to_string().contains("cannot be watched by epoll"), "{err}");
//! # drop(file); std::fs::remove_file(&path)?;
//! # std::io::Result::Ok(())
//! ```
//!
//! ## The blocking pool, and what a hand-off costs
//!
//! So a file operation runs where blocking is allowed: as a closure on the executor's
//! blocking pool ([`spawn_blocking`](crate::task::spawn_blocking)), while the task that asked
//! awaits the closure's `JoinHandle`. One such *hop* is a push onto the pool's queue, a
//! wake-up of an idle pool thread (or a new thread), the closure, and a wake-up of the
//! awaiting task when it returns: ten to tens of microseconds of hand-off, more than a 64 KiB
//! `read` from the page cache takes.
//!
//! The pool makes the common sequence of hops cheap: a thread that has just finished a
//! closure stays awake (yielding its core) for 50 µs, and the next `spawn_blocking` hands
//! its closure to that thread without any wake-up syscall. A task awaiting one job after
//! another (`fs::metadata` in a loop, many small `fs::read`s) comes back well inside that
//! window, so its hops cost one thread wake-up (the pool waking the task) instead of two;
//! the pool also wakes a sleeping thread only after releasing its lock, so the woken thread
//! does not block on it at once. Measured with `strace -f -c` over 20,000 `fs::metadata`
//! calls: 6 futex calls per hop before, under 1 (plus about one `sched_yield`) after; the
//! bench's one-hop rows went from 1.0–1.6x tokio's time to 0.5–0.7x.
//!
//! The design question of `corium::fs` is still not *whether* to use the pool but *how
//! rarely*:
//!
//! | operation | tokio's pool jobs | corium's | how |
//! |---|---|---|---|
//! | `fs::read` of a file | 1 | 1 | open, size, read, close in one job; the job's `Vec` is the result (no copy) |
//! | `fs::write` of 1 GiB | 1, after copying all 1 GiB | a few, overlapped with the copying | stream the borrowed slice through a `File` in 256 KiB pieces; no gigabyte copy to fault in |
//! | `fs::copy` | 1 | 1 | `copy_file_range`: the bytes never enter user space |
//! | `File` read loop, 64 KiB buffer, 1 GiB | 16,384 | ~520 | read chunks grow 64 KiB → 2 MiB whatever the caller's buffer |
//! | `File` write loop, 64 KiB pieces, 1 GiB | 16,384 | a few | writes queued behind a running write join its job, which keeps draining (below) |
//! | `read_dir` of 10,000 entries | 1 + 313 | 7 | first batch read by the job that opens the directory; batches double to 4,096 |
//!
//! The `fs` bench measures each row against `tokio::fs` in the same run, with a `std` column
//! (the same work with blocking calls on one thread, no pool) as the floor; the README keeps
//! the table.
//!
//! ## One operation in flight, and what that promises
//!
//! A [`File`](crate::fs::File) owns one job at a time. Its state lives behind a mutex shared
//! with the job: the job publishes its result there and wakes every waiting task, so the
//! `&self` methods (`sync_all`, `metadata`, ...) and the `&mut self` I/O traits can all wait for
//! the same write. A `write` copies the bytes and returns before they reach the file; the
//! next `write`, `flush`, `sync_all` or `sync_data` returns a failure. A read, seek or
//! `&self` call waits for queued writes, so it sees them. Dropping a `File` loses nothing:
//! the job owns the bytes and the descriptor, and closes the file after the last write.
//!
//! Reading ahead has a cost that must not show: the OS file position runs ahead of the
//! caller's. Every operation that depends on the position (a write, a relative seek,
//! `set_len`, `into_std`) first moves it back by the unread bytes.
//!
//! ## Write-behind, and why its buffers are small
//!
//! A `write` on a [`File`](crate::fs::File) copies the caller's bytes into a buffer and
//! returns; a pool job writes that buffer while the caller fills a second one, and when the
//! job finishes a buffer it takes the next instead of going back to the queue. tokio instead
//! runs one job per `write` (a hop per 64 KiB piece) with buffers of up to 2 MiB. corium's
//! buffers hold at most 256 KiB, a number the bench chose: the caller's thread copies into the
//! buffer and the pool thread, on the other core, hands it to `write(2)`, whose copy into the
//! page cache reads it back. Two 256 KiB buffers stay in a core's cache; two of 2 MiB spill to
//! memory, and writing 1 GiB in 64 KiB pieces then cost 1.22 s of CPU instead of 0.63 s
//! (tokio 1.24 s, one blocking thread with `std` 0.45 s), and under load twice the wall time.
//!
//! ## Where the kernel sets the floor
//!
//! The bench's third column, `std`, does the same work with blocking `std::fs` calls on one
//! thread, with no pool: the floor. For `fs::read` and `fs::copy`, tokio's code *is* that
//! call inside one `spawn_blocking` (`std::fs::read`, `std::fs::copy`), and corium's one job
//! does the same syscalls. One hop costs tens of microseconds; the kernel's work costs about
//! a second per gigabyte, so no arrangement of pool jobs can bring these two to 0.7x tokio:
//! side by side, reading 1 GiB took 1.19 s (corium), 1.31 s (tokio), 1.28 s (std), and copying
//! it 1.52 s, 1.57 s, 1.49 s (medians of 5 and 7 runs, 2026-12-06, load average ~4 on 2
//! cores). Only less kernel work could do better, and each way of doing the same work
//! differently measured no better than the plain call beside it:
//!
//! | case | variant | median | plain call, same run | kept |
//! |---|---|---:|---:|---|
//! | `fs::read` | `madvise(MADV_HUGEPAGE)` on the `Vec` first | 5.22 s | 1.59 s | no: with THP `defrag=madvise` a fault may compact memory |
//! | | two halves `pread` by two threads | 1.93 s | 1.84 s | no: no faster on 2 shared cores, and it costs a second pool thread |
//! | | `madvise(MADV_POPULATE_WRITE)` first (pre-fault in one call) | 1.86 s | 1.84 s | no: the zeroing stays |
//! | `fs::copy` | two ranges copied by two threads | 1.23 s | 1.03 s | no: ext4 serialises the writers of one file |
//!
//! `perf` says where the second goes: for `fs::read`, about 45 % copying page-cache pages to
//! the new `Vec` and 30 % faulting in and zeroing its gigabyte of fresh pages (a `Vec` must
//! be the allocator's memory, so mapping the file instead is not an option); for `fs::copy`,
//! ext4's buffered write path under `splice` (allocating pages, delayed allocation). The
//! large writes (`File` write, `fs::write`) are at the same floor, plus the copy of the bytes
//! into the runtime's buffers that a borrowed `&[u8]` makes necessary — which tokio pays too,
//! in 16,384 hops (`File`) or as a 1 GiB copy before the first write (`fs::write`).
//!
//! ## What io_uring would change
//!
//! io_uring (Linux 5.1+) is the kernel interface that finally makes file I/O asynchronous:
//! the program puts *operations* (read at offset, write, `openat`, `statx`, `fsync`, even
//! `copy`-like splices) on a submission ring and later reaps *completions* from a second ring.
//! For `corium::fs` that would mean:
//!
//! * **No hop.** A read is a ring entry, not a thread hand-off; thousands can be in flight
//!   from one thread, and batching `submit` turns many operations into one syscall. The
//!   small-file and `read_dir`-style workloads gain most.
//! * **Completion, not readiness.** The model flips from "tell me when I may read" to "tell
//!   me when the read is done". The ring's completion eventfd can sit in epoll, so the reactor
//!   would wake on it like on a socket, and dispatch each completion to its task.
//! * **Buffers the kernel owns.** While an operation is in flight the kernel writes into its
//!   buffer, so the buffer cannot be the caller's borrowed `&mut [u8]`: a future may be
//!   dropped at any await point, and the memory must outlive the operation. io_uring APIs
//!   therefore pass buffers by value (`read(buf) -> (result, buf)`), or the runtime owns
//!   registered buffers and copies — exactly the constraint the blocking pool already has.
//!   Cancellation becomes a submitted request, not a drop.
//! * **Not everywhere.** Many container and sandbox profiles disable io_uring with seccomp,
//!   and kqueue systems have no equivalent, so the blocking pool stays as the fallback; a
//!   page-cache miss still blocks a kernel worker thread (io-wq) — io_uring moves the pool
//!   into the kernel rather than removing it.
//!
//! corium does not implement io_uring; the pool-based design above is the one that runs on
//! every kernel, and its hop counts are the baseline an io_uring backend would have to beat.
