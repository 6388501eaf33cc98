//! Error paths of every path operation: the kind a tokio user matches on, and a message that
//! names the path (both paths for two-path operations). PermissionDenied has its own file.

mod fs_common;
mod net_common;

use std::io::ErrorKind::*;
use std::path::Path;

use corium::fs;
use fs_common::assert_fs_err;
use net_common::TempDir;

both_flavors! {
    async fn not_found() {
        let tmp = TempDir::new();
        let missing = tmp.path("missing");
        assert_fs_err(fs::read(&missing).await, NotFound, &missing);
        assert_fs_err(fs::read_to_string(&missing).await, NotFound, &missing);
        assert_fs_err(fs::File::open(&missing).await, NotFound, &missing);
        assert_fs_err(fs::OpenOptions::new().write(true).open(&missing).await, NotFound, &missing);
        assert_fs_err(fs::metadata(&missing).await, NotFound, &missing);
        assert_fs_err(fs::symlink_metadata(&missing).await, NotFound, &missing);
        assert_fs_err(fs::read_link(&missing).await, NotFound, &missing);
        assert_fs_err(fs::canonicalize(&missing).await, NotFound, &missing);
        assert_fs_err(fs::remove_file(&missing).await, NotFound, &missing);
        assert_fs_err(fs::remove_dir(&missing).await, NotFound, &missing);
        assert_fs_err(fs::remove_dir_all(&missing).await, NotFound, &missing);
        assert_fs_err(fs::read_dir(&missing).await, NotFound, &missing);
        let perm: std::fs::Permissions = std::os::unix::fs::PermissionsExt::from_mode(0o644);
        assert_fs_err(fs::set_permissions(&missing, perm).await, NotFound, &missing);
        assert_fs_err(fs::copy(&missing, tmp.path("to")).await, NotFound, &missing);
        assert_fs_err(fs::rename(&missing, tmp.path("to")).await, NotFound, &missing);
        assert_fs_err(fs::hard_link(&missing, tmp.path("to")).await, NotFound, &missing);
        let orphan = tmp.path("no/parent");
        assert_fs_err(fs::write(&orphan, b"x").await, NotFound, &orphan);
        assert_fs_err(fs::create_dir(&orphan).await, NotFound, &orphan);
        assert_fs_err(fs::DirBuilder::new().create(&orphan).await, NotFound, &orphan);
        assert_fs_err(fs::symlink("anything", &orphan).await, NotFound, &orphan);
        assert!(!fs::try_exists(&missing).await.unwrap());
        // The second path is named too.
        let err = fs::copy(&missing, tmp.path("to")).await.unwrap_err();
        let want = format!("failed to copy `{}` to `{}`: ", missing.display(), tmp.path("to").display());
        assert!(err.to_string().starts_with(&want), "{err}");
        assert_eq!(fs::PathError::raw_os_error_of(&err), Some(libc::ENOENT));
    }

    async fn already_exists() {
        let tmp = TempDir::new();
        let file = tmp.path("file");
        let dir = tmp.path("dir");
        std::fs::write(&file, b"x").unwrap();
        std::fs::create_dir(&dir).unwrap();
        assert_fs_err(fs::File::create_new(&file).await, AlreadyExists, &file);
        assert_fs_err(fs::OpenOptions::new().write(true).create_new(true).open(&file).await, AlreadyExists, &file);
        assert_fs_err(fs::create_dir(&dir).await, AlreadyExists, &dir);
        assert_fs_err(fs::DirBuilder::new().create(&dir).await, AlreadyExists, &dir);
        let err = fs::hard_link(tmp.path("file"), &dir).await.unwrap_err();
        assert_eq!(err.kind(), AlreadyExists);
        assert!(err.to_string().contains(&format!("to `{}`", dir.display())), "{err}");
        assert_eq!(fs::symlink("x", &file).await.unwrap_err().kind(), AlreadyExists);
        // Recursive creation of an existing directory is fine, as create_dir_all.
        fs::DirBuilder::new().recursive(true).create(&dir).await.unwrap();
        fs::create_dir_all(&dir).await.unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"x", "create_new must not truncate");
    }

    async fn is_a_directory_and_not_a_directory() {
        let tmp = TempDir::new();
        let dir = tmp.path("dir");
        let file = tmp.path("file");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(&file, b"x").unwrap();
        assert_fs_err(fs::File::create(&dir).await, IsADirectory, &dir);
        assert_fs_err(fs::write(&dir, b"x").await, IsADirectory, &dir);
        assert_fs_err(fs::read(&dir).await, IsADirectory, &dir);
        assert_fs_err(fs::remove_file(&dir).await, IsADirectory, &dir);
        assert_fs_err(fs::read_dir(&file).await, NotADirectory, &file);
        assert_fs_err(fs::remove_dir(&file).await, NotADirectory, &file);
        let under_file = file.join("sub");
        assert_fs_err(fs::create_dir_all(&under_file).await, NotADirectory, &under_file);
        // O_DIRECTORY through custom_flags refuses a file.
        let err = fs::OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY).open(&file).await;
        assert_fs_err(err, NotADirectory, &file);
        // A directory is not a regular file to copy.
        let err = fs::copy(&dir, tmp.path("copy")).await.unwrap_err();
        assert_eq!(err.kind(), InvalidInput, "{err}");
        assert!(err.to_string().contains(&format!("`{}`", dir.display())), "{err}");
    }

    async fn not_empty_invalid_data_and_links() {
        let tmp = TempDir::new();
        let dir = tmp.path("dir");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("f"), b"x").unwrap();
        assert_fs_err(fs::remove_dir(&dir).await, DirectoryNotEmpty, &dir);
        let binary = tmp.path("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert_fs_err(fs::read_to_string(&binary).await, InvalidData, &binary);
        // read_link on a file that is not a link: EINVAL.
        assert_fs_err(fs::read_link(&binary).await, InvalidInput, &binary);
        // O_NOFOLLOW refuses a symbolic link: ELOOP.
        let link = tmp.path("link");
        std::os::unix::fs::symlink(&binary, &link).unwrap();
        let err = fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&link).await;
        // (Its kind, FilesystemLoop, is not yet stable to name: match the errno.)
        let err = err.unwrap_err();
        assert_eq!(fs::PathError::raw_os_error_of(&err), Some(libc::ELOOP));
        assert!(err.to_string().contains(&format!("`{}`", link.display())), "{err}");
        // Contradictory options are refused before the kernel sees them.
        let err = fs::OpenOptions::new().read(true).truncate(true).open(&binary).await;
        assert_fs_err(err, InvalidInput, &binary);
    }
}

#[test]
fn outside_a_runtime_the_error_says_where_to_call_from() {
    let future = fs::metadata(Path::new("/"));
    // Poll it by hand, with no runtime anywhere on this thread.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(err)) => {
            assert!(
                err.to_string().contains("inside `Runtime::block_on`"),
                "{err}"
            );
        }
        other => panic!("expected an immediate error, got {other:?}"),
    }
}

use std::future::Future as _;
