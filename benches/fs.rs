//! File-system benchmarks: `corium::fs` beside `tokio::fs`, in the same run.
//!
//! | group | what one iteration is |
//! |---|---|
//! | `file_read` | read the big file through `File::read` with a 64 KiB buffer, to the end |
//! | `fs_read` | `fs::read` of the big file (one `Vec`) |
//! | `file_write` | create a file and `write_all` the big size in 64 KiB pieces, then `flush` |
//! | `fs_write` | `fs::write` of a big in-memory slice |
//! | `copy` | `fs::copy` of the big file |
//! | `small_files` | `fs::read` of 10,000 files of 1 KiB, one after another |
//! | `read_dir` | list a directory of 10,000 entries, asking each entry's `file_type` |
//! | `metadata_x1000` | 1,000 `fs::metadata` calls one after another: the cost of one pool hop |
//!
//! The big size is 1 GiB; set `CORIUM_FS_BENCH_MIB` (e.g. `64`) for a quick run. The files
//! live in a directory under the target directory, made at the start and removed at the
//! end (it needs about three times the big size of free disk). Both sides run on a
//! current-thread runtime, each with its own blocking pool.
//!
//! Two tables follow criterion: the large sequential cases (target: at most 0.7x tokio's
//! time) and the many-small-operations cases (target: at most tokio's time). The large cases
//! also show `std`: the same work done with blocking `std::fs` on the calling thread, no
//! pool at all — the floor that the kernel and memory set. Dirty pages are synced before
//! each function runs, so one side's writes are not written back on the other's time, and
//! before each iteration of the writing groups (untimed), so no iteration waits for the disk
//! to finish the previous one's writes.
//!
//! Run: `cargo bench --bench fs` (several minutes at 1 GiB), or
//! `cargo bench --bench fs -- --test` to run each routine once.

#[path = "support/ratio_table.rs"]
mod ratio_table;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, SamplingMode};

use crate::ratio_table::{RatioTable, Target};

/// The caller's buffer and write size for the `File` cases.
const PIECE: usize = 64 * 1024;
const SMALL_FILES: usize = 10_000;
const SMALL_FILE_SIZE: usize = 1024;
const DIR_ENTRIES: usize = 10_000;

/// The same workloads, written once, for each crate's `fs` and `io`.
macro_rules! workloads {
    ($name:ident, $krate:ident) => {
        mod $name {
            use super::PIECE;
            use std::path::{Path, PathBuf};
            use $krate::fs;
            use $krate::io::{AsyncReadExt, AsyncWriteExt};

            pub async fn file_read(path: PathBuf) -> u64 {
                let mut file = fs::File::open(path).await.unwrap();
                let mut buf = vec![0u8; PIECE];
                let mut total = 0;
                loop {
                    let n = file.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return total;
                    }
                    total += n as u64;
                }
            }

            pub async fn fs_read(path: PathBuf) -> usize {
                fs::read(path).await.unwrap().len()
            }

            pub async fn file_write(path: PathBuf, size: usize) {
                let piece = vec![0x5au8; PIECE];
                let mut file = fs::File::create(path).await.unwrap();
                for _ in 0..size / PIECE {
                    file.write_all(&piece).await.unwrap();
                }
                file.flush().await.unwrap();
            }

            pub async fn fs_write(path: PathBuf, data: &[u8]) {
                fs::write(path, data).await.unwrap();
            }

            pub async fn copy(from: PathBuf, to: PathBuf) -> u64 {
                fs::copy(from, to).await.unwrap()
            }

            pub async fn small_files(paths: &[PathBuf]) -> usize {
                let mut total = 0;
                for path in paths {
                    total += fs::read(path).await.unwrap().len();
                }
                total
            }

            pub async fn metadata_many(path: &Path) -> u64 {
                let mut total = 0;
                for _ in 0..1000 {
                    total += fs::metadata(path).await.unwrap().len();
                }
                total
            }

            pub async fn read_dir(dir: &Path) -> usize {
                let mut entries = fs::read_dir(dir).await.unwrap();
                let mut files = 0;
                while let Some(entry) = entries.next_entry().await.unwrap() {
                    files += usize::from(entry.file_type().await.unwrap().is_file());
                }
                files
            }
        }
    };
}

workloads!(corium_w, corium);
workloads!(tokio_w, tokio);

/// The bench's files, removed when dropped.
struct Fixture {
    dir: PathBuf,
    size: usize,
}

impl Fixture {
    fn new(size: usize) -> Fixture {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        );
        let dir = target.join(format!("fs-bench-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("small")).unwrap();
        std::fs::create_dir_all(dir.join("listing")).unwrap();
        let mut big = std::fs::File::create(dir.join("big")).unwrap();
        let chunk: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        for _ in 0..size / chunk.len() {
            big.write_all(&chunk).unwrap();
        }
        for i in 0..SMALL_FILES {
            std::fs::write(
                dir.join("small").join(i.to_string()),
                [7u8; SMALL_FILE_SIZE],
            )
            .unwrap();
        }
        for i in 0..DIR_ENTRIES {
            std::fs::File::create(dir.join("listing").join(i.to_string())).unwrap();
        }
        Fixture { dir, size }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn small(&self) -> Vec<PathBuf> {
        (0..SMALL_FILES)
            .map(|i| self.dir.join("small").join(i.to_string()))
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn corium_rt() -> corium::runtime::Runtime {
    corium::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("corium runtime")
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Writes dirty pages out, so one side's writes are not flushed on the other side's time.
fn settle() {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
}

/// One criterion group running `$work` on both sides, and optionally `$std`: the same work
/// with blocking `std::fs` on the calling thread (no pool hand-off at all), the floor.
///
/// `$each` (the groups that write a gigabyte) syncs before every iteration, outside the
/// timing. Without it, an iteration's `File::create` truncates the previous iteration's file
/// while ext4 is still writing it out (closing a file that was truncated to 0 starts its
/// writeback), waits for the disk, and the group measures the shared disk rather than the
/// runtime: std's `File` write took 3.06 s that way against ~1 s from a synced start.
macro_rules! group {
    ($c:expr, $groups:expr, $name:expr, $samples:expr, $each:expr, |$w:ident| $body:expr $(, std: $std:expr)?) => {{
        let name: &str = $name;
        let setup = || {
            if $each {
                settle()
            }
        };
        let mut g = $c.benchmark_group(name);
        g.sample_size($samples).sampling_mode(SamplingMode::Flat);
        {
            let rt = corium_rt();
            settle();
            g.bench_function("corium", |b| {
                b.iter_batched(
                    setup,
                    |()| {
                        use corium_w as $w;
                        rt.block_on($body)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        {
            let rt = tokio_rt();
            settle();
            g.bench_function("tokio", |b| {
                b.iter_batched(
                    setup,
                    |()| {
                        use tokio_w as $w;
                        rt.block_on($body)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        $(
            settle();
            g.bench_function("std", |b| b.iter_batched(setup, |()| $std(), BatchSize::PerIteration));
        )?
        g.finish();
        $groups.push(name.to_string());
    }};
}

/// The `std` column's workloads.
mod std_w {
    use super::PIECE;
    use std::io::{Read, Write};
    use std::path::Path;

    pub fn file_read(path: &Path) -> u64 {
        let mut file = std::fs::File::open(path).unwrap();
        let mut buf = vec![0u8; PIECE];
        let mut total = 0;
        loop {
            match file.read(&mut buf).unwrap() {
                0 => return total,
                n => total += n as u64,
            }
        }
    }

    pub fn file_write(path: &Path, size: usize) {
        let piece = vec![0x5au8; PIECE];
        let mut file = std::fs::File::create(path).unwrap();
        for _ in 0..size / PIECE {
            file.write_all(&piece).unwrap();
        }
        file.flush().unwrap();
    }
}

fn main() {
    ratio_table::self_check();
    let since = SystemTime::now() - Duration::from_millis(100);
    let mib: usize = std::env::var("CORIUM_FS_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let fx = Fixture::new(mib << 20);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
        .configure_from_args();

    let big = fx.path("big");
    let out = fx.path("out");
    let data = vec![0xa5u8; fx.size];
    let small = fx.small();
    let listing = fx.path("listing");

    let mut large = Vec::new();
    group!(c, large, "file_read", 10, false, |w| w::file_read(big.clone()), std: || std_w::file_read(&big));
    group!(c, large, "fs_read", 10, false, |w| w::fs_read(big.clone()), std: || std::fs::read(&big).unwrap().len());
    group!(c, large, "file_write", 10, true, |w| w::file_write(out.clone(), fx.size), std: || std_w::file_write(&out, fx.size));
    group!(c, large, "fs_write", 10, true, |w| w::fs_write(out.clone(), &data), std: || std::fs::write(&out, &data).unwrap());
    group!(c, large, "copy", 10, true, |w| w::copy(big.clone(), out.clone()), std: || std::fs::copy(&big, &out).unwrap());
    let mut small_groups = Vec::new();
    group!(c, small_groups, "small_files", 10, false, |w| {
        w::small_files(&small)
    });
    group!(c, small_groups, "read_dir", 20, false, |w| w::read_dir(
        &listing
    ));
    group!(c, small_groups, "metadata_x1000", 20, false, |w| {
        w::metadata_many(&listing)
    });
    c.final_summary();

    let targets = |max_ratio| {
        [Target {
            other: "tokio",
            max_ratio,
        }]
    };
    println!("\nbig file size: {mib} MiB");
    for (bench, groups, max_ratio) in [("fs-large", &large, 0.7), ("fs-small", &small_groups, 1.0)]
    {
        RatioTable {
            bench,
            functions: &["corium", "tokio", "std"],
            anchor: "corium",
            targets: &targets(max_ratio),
        }
        .report(groups, since)
        .expect("could not write the fs summary");
    }
    drop(fx);
}
