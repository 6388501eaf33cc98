//! A write reported done before it reaches the file: its failure surfaces on the next
//! `flush`, `sync_all` or `write` — never lost. `/dev/full` fails every write with `ENOSPC`.

mod fs_common;
mod net_common;

use std::path::Path;

use corium::fs::{self, OpenOptions};
use corium::io::AsyncWriteExt;
use fs_common::pattern;

const FULL: &str = "/dev/full";

#[track_caller]
fn assert_enospc(err: std::io::Error) {
    assert_eq!(
        fs::PathError::raw_os_error_of(&err),
        Some(libc::ENOSPC),
        "{err:?}"
    );
}

both_flavors! {
    async fn flush_reports_the_write_error_once() {
        let mut file = OpenOptions::new().write(true).open(FULL).await.unwrap();
        assert_eq!(file.write(b"lost").await.unwrap(), 4, "reported done when queued");
        assert_enospc(file.flush().await.unwrap_err());
        // Reported once, as in tokio: the next flush has nothing to report.
        file.flush().await.unwrap();
    }

    async fn sync_all_reports_the_write_error() {
        let mut file = OpenOptions::new().write(true).open(FULL).await.unwrap();
        file.write_all(&pattern(100_000, 1)).await.unwrap();
        assert_enospc(file.sync_all().await.unwrap_err());
    }

    async fn shutdown_and_the_next_write_report_it_too() {
        let mut file = OpenOptions::new().write(true).open(FULL).await.unwrap();
        file.write_all(b"a").await.unwrap();
        // metadata waits for the write but leaves its error for the writer.
        file.metadata().await.unwrap();
        assert_enospc(file.write(b"b").await.unwrap_err());
        file.write_all(b"c").await.unwrap();
        assert_enospc(file.shutdown().await.unwrap_err());
    }

    async fn fs_write_names_the_path_on_both_of_its_paths() {
        // Small contents: one job. Large ones: streamed through a File.
        for size in [10, 5 * 1024 * 1024] {
            let err = fs::write(FULL, pattern(size, 2)).await.unwrap_err();
            assert_enospc(fs_common::assert_fs_err::<()>(Err(err), std::io::ErrorKind::StorageFull, Path::new(FULL)));
        }
    }
}
