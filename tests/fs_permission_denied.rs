//! `PermissionDenied` from every kind of path operation, with messages naming the path.
//!
//! The tests run as root, so the operations run on a runtime whose pool threads act as
//! `nobody` (see `fs_common::unprivileged_pool_runtime`); the fixtures are root's, mode 0600
//! files and 0700/0755 directories.

mod fs_common;
mod net_common;

use std::io::ErrorKind::PermissionDenied;
use std::os::unix::fs::PermissionsExt;

use corium::fs;
use fs_common::{assert_fs_err, unprivileged_pool_runtime};
use net_common::TempDir;

#[test]
fn every_operation_reports_permission_denied_with_the_path() {
    let tmp = TempDir::new();
    let secret = tmp.path("secret");
    std::fs::write(&secret, b"root only").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let closed = tmp.path("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::write(closed.join("inside"), b"x").unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let shared = tmp.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::write(shared.join("victim"), b"x").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The temp dir itself must be searchable by nobody.
    std::fs::set_permissions(tmp.path(""), std::fs::Permissions::from_mode(0o755)).unwrap();

    let rt = unprivileged_pool_runtime();
    rt.block_on(async {
        assert_fs_err(fs::File::open(&secret).await, PermissionDenied, &secret);
        assert_fs_err(fs::read(&secret).await, PermissionDenied, &secret);
        assert_fs_err(fs::read_to_string(&secret).await, PermissionDenied, &secret);
        assert_fs_err(fs::write(&secret, b"no").await, PermissionDenied, &secret);
        let new_file = shared.join("new");
        assert_fs_err(
            fs::File::create(&new_file).await,
            PermissionDenied,
            &new_file,
        );
        let new_dir = shared.join("dir");
        assert_fs_err(fs::create_dir(&new_dir).await, PermissionDenied, &new_dir);
        assert_fs_err(
            fs::DirBuilder::new().recursive(true).create(&new_dir).await,
            PermissionDenied,
            &new_dir,
        );
        let victim = shared.join("victim");
        assert_fs_err(fs::remove_file(&victim).await, PermissionDenied, &victim);
        assert_fs_err(
            fs::rename(&victim, shared.join("moved")).await,
            PermissionDenied,
            &victim,
        );
        assert_fs_err(fs::read_dir(&closed).await, PermissionDenied, &closed);
        let inside = closed.join("inside");
        assert_fs_err(fs::metadata(&inside).await, PermissionDenied, &inside);
        assert_fs_err(fs::try_exists(&inside).await, PermissionDenied, &inside);
        // chmod of someone else's file is EPERM, which is PermissionDenied too.
        let err = assert_fs_err(
            fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).await,
            PermissionDenied,
            &secret,
        );
        assert_eq!(fs::PathError::raw_os_error_of(&err), Some(libc::EPERM));
        let copy = shared.join("copy");
        let err = fs::copy(&secret, &copy).await.unwrap_err();
        assert_eq!(err.kind(), PermissionDenied);
        assert!(
            err.to_string()
                .contains(&format!("`{}` to `{}`", secret.display(), copy.display())),
            "{err}"
        );
    });
    // Nothing changed behind the errors.
    assert_eq!(std::fs::read(&secret).unwrap(), b"root only");
    assert!(shared.join("victim").exists() && !shared.join("new").exists());
}
