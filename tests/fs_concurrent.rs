//! Many files at once on both runtime flavours: each task writes its own file through a
//! `File`, reads it back through another, and the whole-file functions run alongside.

mod fs_common;
mod net_common;

use corium::fs::{self, File};
use corium::io::{AsyncReadExt, AsyncWriteExt};
use fs_common::pattern;
use net_common::TempDir;

const TASKS: usize = 24;

both_flavors! {
    async fn concurrent_files_keep_their_own_bytes() {
        let tmp = std::sync::Arc::new(TempDir::new());
        let mut handles = Vec::new();
        for t in 0..TASKS {
            let tmp = tmp.clone();
            handles.push(corium::spawn(async move {
                let data = pattern(300_000 + t * 1000, t as u8);
                let path = tmp.path(&format!("file{t}"));
                let mut file = File::create(&path).await.unwrap();
                for piece in data.chunks(7_000) {
                    file.write_all(piece).await.unwrap();
                }
                file.flush().await.unwrap();
                drop(file);
                let mut back = Vec::new();
                File::open(&path).await.unwrap().read_to_end(&mut back).await.unwrap();
                assert!(back == data, "task {t}: read back differs");
                let copy = tmp.path(&format!("copy{t}"));
                assert_eq!(fs::copy(&path, &copy).await.unwrap(), data.len() as u64);
                assert!(fs::read(&copy).await.unwrap() == data, "task {t}: copy differs");
                fs::remove_file(&copy).await.unwrap();
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
        let mut entries = fs::read_dir(tmp.path("")).await.unwrap();
        let mut count = 0;
        while entries.next_entry().await.unwrap().is_some() {
            count += 1;
        }
        assert_eq!(count, TASKS, "the copies are gone, the originals stay");
    }
}
