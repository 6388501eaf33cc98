//! Dropping a `File` with writes still queued: the pool job owns the bytes and the
//! descriptor, so every byte reported written lands in the file.

mod fs_common;
mod net_common;

use std::time::{Duration, Instant};

use corium::fs::File;
use corium::io::AsyncWriteExt;
use fs_common::pattern;
use net_common::TempDir;

both_flavors! {
    async fn queued_writes_land_after_the_file_is_dropped() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let data = pattern(12 * 1024 * 1024 + 3, 7);
        let mut file = File::create(&path).await.unwrap();
        for piece in data.chunks(100_000) {
            file.write_all(piece).await.unwrap();
        }
        // No flush: megabytes are still queued when the handle goes.
        drop(file);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let len = std::fs::metadata(&path).unwrap().len();
            if len == data.len() as u64 {
                break;
            }
            assert!(Instant::now() < deadline, "only {len} of {} bytes landed", data.len());
            corium::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(std::fs::read(&path).unwrap() == data, "the bytes that landed differ");
    }
}

/// A write job still queued when the runtime is dropped still lands: the pool runs its queue
/// at shutdown, and were a job cancelled instead, its guard would do the writes itself (the
/// bytes were reported written). The only pool thread is held busy until after the drop
/// begins, so the job is certainly still queued then.
#[test]
fn dropping_the_runtime_keeps_a_queued_write() {
    let tmp = TempDir::new();
    let path = tmp.path("f");
    // One job's worth (the 256 KiB write queue): `write_all` returns without the pool.
    let data = pattern(256 * 1024, 8);
    let rt = corium::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (release, held) = std::sync::mpsc::channel::<()>();
    rt.block_on(async {
        corium::task::spawn_blocking(move || held.recv());
        let mut file = File::from_std(std::fs::File::create(&path).unwrap());
        file.write_all(&data).await.unwrap();
        drop(file);
    });
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        drop(release);
    });
    drop(rt);
    releaser.join().unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), data.len() as u64);
    assert!(std::fs::read(&path).unwrap() == data);
}

/// A write whose job the pool refuses (the runtime is shut down) is done by the job's guard
/// on the spot — and the refusal, which drops the job while `poll_write` runs, must not
/// deadlock on the file's state lock.
#[test]
fn a_write_refused_by_a_shut_down_pool_is_done_inline() {
    let tmp = TempDir::new();
    let path = tmp.path("f");
    let rt = corium::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    drop(rt);
    let file = std::fs::File::create(&path).unwrap();
    net_common::watchdog(Duration::from_secs(30), move || {
        handle.block_on(async {
            let mut file = File::from_std(file);
            file.write_all(b"reported written").await.unwrap();
            file.flush().await.unwrap();
        });
    });
    assert_eq!(std::fs::read(&path).unwrap(), b"reported written");
}
