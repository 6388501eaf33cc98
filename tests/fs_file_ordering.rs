//! One `File` handle, several operations: tokio's ordering rules (a read or seek after a
//! write sees it; `&self` methods wait for queued writes), and corium's read-ahead never
//! showing through (a write or seek after a read lands at the caller's position).

mod fs_common;
mod net_common;

use std::io::SeekFrom;

use corium::fs::{File, OpenOptions};
use corium::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use fs_common::pattern;
use net_common::TempDir;

async fn read_write(path: &std::path::Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .await
        .unwrap()
}

both_flavors! {
    async fn write_then_seek_then_read_sees_the_write() {
        let tmp = TempDir::new();
        let mut file = read_write(&tmp.path("f")).await;
        let data = pattern(5 * 1024 * 1024 + 17, 1);
        // Many small writes: most are queued behind the running write job.
        for piece in data.chunks(10_000) {
            file.write_all(piece).await.unwrap();
        }
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), data.len() as u64);
        assert_eq!(file.seek(SeekFrom::Start(0)).await.unwrap(), 0);
        let mut back = Vec::new();
        file.read_to_end(&mut back).await.unwrap();
        assert!(back == data, "read after write+seek differs");
        // A write, then a read with no seek: the read starts where the write ended (EOF).
        file.write_all(b"tail").await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(file.read_to_end(&mut rest).await.unwrap(), 0);
        assert_eq!(file.seek(SeekFrom::End(-4)).await.unwrap(), data.len() as u64);
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"tail");
    }

    async fn write_after_read_ahead_lands_at_the_callers_position() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let data = pattern(1 << 20, 2);
        std::fs::write(&path, &data).unwrap();
        let mut file = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
        let mut head = [0u8; 10];
        file.read_exact(&mut head).await.unwrap();
        assert_eq!(head[..], data[..10]);
        // The pool read far more than 10 bytes; the write must still go to offset 10.
        file.write_all(b"XYZ").await.unwrap();
        let mut next = [0u8; 5];
        file.read_exact(&mut next).await.unwrap();
        assert_eq!(next[..], data[13..18], "the read after the write continues after it");
        file.flush().await.unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(&on_disk[10..13], b"XYZ");
        assert_eq!(on_disk.len(), data.len());
        assert_eq!(on_disk[13..], data[13..]);
    }

    async fn relative_seek_after_read_ahead_counts_from_the_callers_position() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let data = pattern(300_000, 3);
        std::fs::write(&path, &data).unwrap();
        let mut file = File::open(&path).await.unwrap();
        let mut buf = [0u8; 100];
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(file.seek(SeekFrom::Current(50)).await.unwrap(), 150);
        file.read_exact(&mut buf).await.unwrap();
        assert_eq!(buf[..], data[150..250]);
        assert_eq!(file.stream_position().await.unwrap(), 250);
        assert_eq!(file.seek(SeekFrom::Current(-200)).await.unwrap(), 50);
        file.read_exact(&mut buf[..1]).await.unwrap();
        assert_eq!(buf[0], data[50]);
        // into_std gives back a handle positioned where the caller is, not the read-ahead.
        let mut std = file.into_std().await;
        assert_eq!(std::io::Seek::stream_position(&mut std).unwrap(), 51);
    }

    async fn self_methods_wait_for_queued_writes() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let mut file = File::create(&path).await.unwrap();
        let data = pattern(3 * 1024 * 1024, 4);
        for piece in data.chunks(64 * 1024) {
            file.write_all(piece).await.unwrap();
        }
        // No flush: metadata must still count every byte written so far.
        assert_eq!(file.metadata().await.unwrap().len(), data.len() as u64);
        file.write_all(b"more").await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), data.len() as u64 + 4);
        file.write_all(b"!").await.unwrap();
        file.set_len(10).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data[..10]);
        file.write_all(b"?").await.unwrap();
        let clone = file.try_clone().await.unwrap();
        file.sync_data().await.unwrap();
        // The clone shares the descriptor's position: the file position is past the "!?".
        assert_eq!(clone.metadata().await.unwrap().len(), data.len() as u64 + 6);
        let perm = std::os::unix::fs::PermissionsExt::from_mode(0o640);
        file.set_permissions(perm).await.unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o640);
    }

    async fn a_one_byte_max_buf_still_moves_everything_in_order() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let mut file = OpenOptions::new().read(true).write(true).create_new(true).open(&path).await.unwrap();
        file.set_max_buf_size(1);
        let data = pattern(3000, 5);
        file.write_all(&data).await.unwrap();
        file.rewind().await.unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, data);
    }
}

/// A current-thread runtime whose blocking pool has a single thread.
fn one_pool_thread() -> corium::runtime::Runtime {
    corium::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap()
}

/// Occupies the pool's only thread until [`free`](HeldPool::free), so file jobs stay queued.
struct HeldPool {
    release: std::sync::mpsc::Sender<()>,
    blocker: corium::task::JoinHandle<Result<(), std::sync::mpsc::RecvError>>,
}

impl HeldPool {
    fn hold() -> HeldPool {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let blocker = corium::task::spawn_blocking(move || held.recv());
        HeldPool { release, blocker }
    }

    async fn free(self) {
        self.release.send(()).unwrap();
        self.blocker.await.unwrap().unwrap();
    }
}

/// With the only pool thread held, a write job stays queued: `try_into_std` must refuse, and
/// `into_std` must wait for the write, not skip it.
#[test]
fn try_into_std_refuses_while_a_write_is_queued() {
    let tmp = TempDir::new();
    let path = tmp.path("f");
    one_pool_thread().block_on(async {
        let pool = HeldPool::hold();
        let mut file = File::from_std(std::fs::File::create(&path).unwrap());
        // Under the 256 KiB write queue, so it is accepted without the pool.
        file.write_all(&pattern(200_000, 6)).await.unwrap();
        let file = match file.try_into_std() {
            Ok(_) => panic!("try_into_std succeeded with a write queued"),
            Err(file) => file,
        };
        pool.free().await;
        let std = file.into_std().await;
        assert_eq!(std.metadata().unwrap().len(), 200_000);
        let file = File::from(std);
        assert!(file.try_into_std().is_ok(), "idle: the handle comes back");
    });
}

/// Queued writes hold at most 256 KiB: with the only pool thread held, the first `write` of a
/// large slice accepts 256 KiB (not tokio's 2 MiB), the next one waits for room, and once the
/// pool runs every byte still lands in order.
#[test]
fn queued_writes_are_bounded_while_the_pool_is_busy() {
    use corium::io::AsyncWrite;
    use std::pin::Pin;
    use std::task::Poll;

    const CHUNK: usize = 256 * 1024;
    let tmp = TempDir::new();
    let path = tmp.path("f");
    one_pool_thread().block_on(async {
        let pool = HeldPool::hold();
        let mut file = File::from_std(std::fs::File::create(&path).unwrap());
        let data = pattern(4 << 20, 7);
        assert_eq!(file.write(&data).await.unwrap(), CHUNK);
        let waits = std::future::poll_fn(|cx| {
            Poll::Ready(
                Pin::new(&mut file)
                    .poll_write(cx, &data[CHUNK..])
                    .is_pending(),
            )
        })
        .await;
        assert!(
            waits,
            "a second write was accepted beyond the 256 KiB queue"
        );
        pool.free().await;
        file.write_all(&data[CHUNK..]).await.unwrap();
        file.flush().await.unwrap();
        assert!(
            std::fs::read(&path).unwrap() == data,
            "the file differs from what was written"
        );
    });
}
