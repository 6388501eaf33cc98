//! `read_dir` over 10,000 entries: every entry exactly once, with its type, inode and
//! metadata; plus `poll_next_entry`, an empty directory, and an entry removed mid-listing.

mod fs_common;
mod net_common;

use std::collections::HashSet;
use std::future::poll_fn;
use std::os::unix::fs::MetadataExt;

use corium::fs;
use net_common::TempDir;

const ENTRIES: usize = 10_000;

both_flavors! {
    async fn ten_thousand_entries_each_exactly_once() {
        let tmp = TempDir::new();
        let dir = tmp.path("many");
        std::fs::create_dir(&dir).unwrap();
        for i in 0..ENTRIES {
            if i % 10 == 0 {
                std::fs::create_dir(dir.join(format!("d{i}"))).unwrap();
            } else {
                std::fs::write(dir.join(format!("f{i}")), i.to_string()).unwrap();
            }
        }
        let mut entries = fs::read_dir(&dir).await.unwrap();
        let mut seen = HashSet::new();
        while let Some(entry) = entries.next_entry().await.unwrap() {
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), dir.join(&name));
            let file_type = entry.file_type().await.unwrap();
            assert_eq!(file_type.is_dir(), name.starts_with('d'), "{name}");
            if seen.len() % 997 == 0 {
                // Spot checks: the metadata job and the inode agree with std.
                let meta = entry.metadata().await.unwrap();
                assert_eq!(entry.ino(), meta.ino());
                assert_eq!(meta.ino(), std::fs::symlink_metadata(entry.path()).unwrap().ino());
            }
            assert!(seen.insert(name.clone()), "{name} listed twice");
        }
        assert_eq!(seen.len(), ENTRIES);
        // The end stays the end.
        assert!(entries.next_entry().await.unwrap().is_none());
    }

    async fn poll_next_entry_and_an_empty_directory() {
        let tmp = TempDir::new();
        let empty = tmp.path("empty");
        std::fs::create_dir(&empty).unwrap();
        let mut entries = fs::read_dir(&empty).await.unwrap();
        assert!(poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap().is_none());
        std::fs::write(empty.join("one"), b"").unwrap();
        let mut entries = fs::read_dir(&empty).await.unwrap();
        let entry = poll_fn(|cx| entries.poll_next_entry(cx)).await.unwrap().unwrap();
        assert_eq!(entry.file_name(), "one");
    }

    async fn an_entry_removed_after_listing_fails_metadata_with_its_path() {
        let tmp = TempDir::new();
        let dir = tmp.path("d");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("gone"), b"").unwrap();
        let mut entries = fs::read_dir(&dir).await.unwrap();
        let entry = entries.next_entry().await.unwrap().unwrap();
        std::fs::remove_file(entry.path()).unwrap();
        fs_common::assert_fs_err(entry.metadata().await, std::io::ErrorKind::NotFound, &entry.path());
    }
}
