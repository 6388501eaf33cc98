//! The file-system syscalls std does not expose, each through selector-sys's `syscall!` (the
//! only `unsafe` in `corium::fs`), and the copy loop built on them.

use std::fs::File;
use std::io;

/// Bytes asked of one `copy_file_range` call: the kernel caps a call at about 2 GiB anyway, and
/// a large ask lets it move a whole file in one call.
#[cfg(target_os = "linux")]
const COPY_CHUNK: usize = 1 << 30;

/// Copies up to `len` bytes from `src`'s file position to `dst`'s, inside the kernel (page
/// cache to page cache, or a reflink where the file system shares extents), advancing both
/// positions. `Ok(0)` at the end of `src`.
#[cfg(target_os = "linux")]
fn copy_file_range(src: &File, dst: &File, len: usize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: both descriptors are open for the whole call (borrowed from live `File`s); null
    // offset pointers are the documented "use and advance each file's position" form and the
    // kernel dereferences nothing else of ours; `flags` must be 0.
    let n = corium_selector_sys::syscall!(copy_file_range(
        src.as_raw_fd(),
        std::ptr::null_mut(),
        dst.as_raw_fd(),
        std::ptr::null_mut(),
        len,
        0
    ); "fs::copy", "len={len}")?;
    // `syscall!` turned every negative return into `Err`, so `n` is a byte count.
    Ok(n.unsigned_abs())
}

/// Errors of a *first* `copy_file_range` that mean "not here" rather than "failed": an old
/// kernel or a seccomp filter (`ENOSYS`, `EPERM`), different file systems on kernels before
/// 5.3 (`EXDEV`), or files that are not regular (`EINVAL`, `EOPNOTSUPP`).
#[cfg(target_os = "linux")]
fn unsupported(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::ENOSYS | libc::EPERM | libc::EXDEV | libc::EINVAL | libc::EOPNOTSUPP)
    )
}

/// Copies the rest of `src` to `dst` from their current positions; returns the bytes copied.
///
/// On Linux the data never enters user space (`copy_file_range`); where the kernel refuses, and
/// on other systems, a read/write loop does it. A first call that returns 0 also falls back:
/// files in `/proc` and `/sys` report size 0 to the kernel's copy and must be read.
pub(crate) fn copy_contents(src: &File, dst: &File) -> io::Result<u64> {
    #[cfg(target_os = "linux")]
    {
        let mut total = 0u64;
        loop {
            match copy_file_range(src, dst, COPY_CHUNK) {
                Ok(0) if total > 0 => return Ok(total),
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if total == 0 && unsupported(&e) => break,
                Err(e) => return Err(e),
            }
        }
    }
    io::copy(&mut &*src, &mut &*dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("corium-fs-sys-{}-{name}", std::process::id()))
    }

    #[test]
    fn copies_from_the_current_positions_to_the_end() {
        let (a, b) = (temp("a"), temp("b"));
        std::fs::write(&a, b"skip:payload").unwrap();
        let mut src = File::open(&a).unwrap();
        src.seek(io::SeekFrom::Start(5)).unwrap();
        let mut dst = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&b)
            .unwrap();
        dst.write_all(b">").unwrap();
        assert_eq!(copy_contents(&src, &dst).unwrap(), 7);
        let mut out = String::new();
        dst.rewind().unwrap();
        dst.read_to_string(&mut out).unwrap();
        assert_eq!(out, ">payload");
        let _ = (std::fs::remove_file(a), std::fs::remove_file(b));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_files_that_report_size_zero_are_still_copied() {
        let b = temp("proc");
        let src = File::open("/proc/self/status").unwrap();
        let dst = File::create(&b).unwrap();
        let n = copy_contents(&src, &dst).unwrap();
        assert!(n > 0, "/proc/self/status copied as {n} bytes");
        let _ = std::fs::remove_file(b);
    }
}
