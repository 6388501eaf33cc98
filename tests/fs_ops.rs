//! The success path of every free function and of `DirBuilder`/`OpenOptions`, checked against
//! what `std::fs` sees afterwards.

mod fs_common;
mod net_common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use corium::fs::{self, DirBuilder, File, OpenOptions};
use corium::io::{AsyncReadExt, AsyncWriteExt};
use fs_common::pattern;
use net_common::TempDir;

both_flavors! {
    async fn whole_file_functions() {
        let tmp = TempDir::new();
        let small = tmp.path("small");
        fs::write(&small, "héllo").await.unwrap();
        assert_eq!(fs::read(&small).await.unwrap(), "héllo".as_bytes());
        assert_eq!(fs::read_to_string(&small).await.unwrap(), "héllo");
        // Large contents take the streaming path of `write`.
        let big = tmp.path("big");
        let data = pattern(7 * 1024 * 1024 + 5, 9);
        fs::write(&big, &data).await.unwrap();
        assert!(std::fs::read(&big).unwrap() == data);
        assert!(fs::read(&big).await.unwrap() == data);
        // `write` truncates what was there.
        fs::write(&big, b"short").await.unwrap();
        assert_eq!(std::fs::read(&big).unwrap(), b"short");
        // `copy` copies bytes and permission bits, and overwrites.
        std::fs::set_permissions(&small, std::fs::Permissions::from_mode(0o604)).unwrap();
        let copy = tmp.path("copy");
        assert_eq!(fs::copy(&small, &copy).await.unwrap(), 6);
        assert_eq!(std::fs::read(&copy).unwrap(), "héllo".as_bytes());
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o604);
        assert_eq!(fs::copy(&big, &copy).await.unwrap(), 5);
        assert_eq!(std::fs::read(&copy).unwrap(), b"short");
        // A /proc file reports size 0 to the kernel's copy but has contents.
        let status = tmp.path("status");
        assert!(fs::copy("/proc/self/status", &status).await.unwrap() > 0);
        assert!(std::fs::read_to_string(&status).unwrap().contains("Pid:"));
        assert!(fs::read_to_string("/proc/self/status").await.unwrap().contains("Pid:"));
    }

    async fn names_links_and_metadata() {
        let tmp = TempDir::new();
        let a = tmp.path("a");
        std::fs::write(&a, b"data").unwrap();
        let b = tmp.path("b");
        fs::rename(&a, &b).await.unwrap();
        assert!(!a.exists() && std::fs::read(&b).unwrap() == b"data");
        let hard = tmp.path("hard");
        fs::hard_link(&b, &hard).await.unwrap();
        assert_eq!(std::fs::metadata(&hard).unwrap().ino(), std::fs::metadata(&b).unwrap().ino());
        let soft = tmp.path("soft");
        fs::symlink("b", &soft).await.unwrap();
        assert_eq!(fs::read_link(&soft).await.unwrap(), std::path::Path::new("b"));
        assert_eq!(fs::canonicalize(&soft).await.unwrap(), std::fs::canonicalize(&b).unwrap());
        assert!(fs::metadata(&soft).await.unwrap().is_file());
        assert!(fs::symlink_metadata(&soft).await.unwrap().file_type().is_symlink());
        assert_eq!(fs::metadata(&b).await.unwrap().len(), 4);
        fs::set_permissions(&b, std::fs::Permissions::from_mode(0o600)).await.unwrap();
        assert_eq!(std::fs::metadata(&b).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(fs::try_exists(&soft).await.unwrap());
        std::fs::remove_file(&b).unwrap();
        assert!(!fs::try_exists(&soft).await.unwrap(), "a broken link does not exist");
        fs::remove_file(&soft).await.unwrap();
        assert!(std::fs::symlink_metadata(&soft).is_err());
    }

    async fn directories() {
        let tmp = TempDir::new();
        let one = tmp.path("one");
        fs::create_dir(&one).await.unwrap();
        assert!(one.is_dir());
        let deep = tmp.path("x/y/z");
        fs::create_dir_all(&deep).await.unwrap();
        assert!(deep.is_dir());
        let built = tmp.path("p/q");
        DirBuilder::new().recursive(true).mode(0o750).create(&built).await.unwrap();
        assert_eq!(std::fs::metadata(&built).unwrap().permissions().mode() & 0o777, 0o750 & !umask());
        fs::remove_dir(&one).await.unwrap();
        assert!(!one.exists());
        std::fs::write(deep.join("f"), b"").unwrap();
        fs::remove_dir_all(tmp.path("x")).await.unwrap();
        assert!(!tmp.path("x").exists());
    }

    async fn open_options_and_file_constructors() {
        let tmp = TempDir::new();
        let path = tmp.path("f");
        let mut file = File::create_new(&path).await.unwrap();
        file.write_all(b"one").await.unwrap();
        file.flush().await.unwrap();
        let mut file = OpenOptions::new().append(true).open(&path).await.unwrap();
        file.write_all(b"two").await.unwrap();
        file.flush().await.unwrap();
        let mut text = String::new();
        File::open(&path).await.unwrap().read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "onetwo");
        let mut file = File::options().write(true).truncate(true).open(&path).await.unwrap();
        file.write_all(b"3").await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"3");
        let created = tmp.path("mode");
        OpenOptions::new().write(true).create(true).mode(0o640).open(&created).await.unwrap();
        assert_eq!(std::fs::metadata(&created).unwrap().permissions().mode() & 0o777, 0o640 & !umask());
        let std_options: fs::OpenOptions = std::fs::OpenOptions::new().read(true).clone().into();
        std_options.open(&created).await.unwrap();
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"x").await.unwrap();
        file.flush().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x", "create truncates");
    }
}

/// The process umask, from `/proc/self/status` (setting it to read it would race with the
/// other tests creating files).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}
