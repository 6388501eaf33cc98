//! [`UCred`]: the credentials of the process at the other end of a Unix-domain stream.
//!
//! The kernel records them when the connection is made (for `socketpair`, when the pair is
//! created), so they name the process that *connected*, not whoever holds the descriptor now.
//! Each system spells the query differently:
//!
//! * Linux and Android: `getsockopt(SO_PEERCRED)` fills a `struct ucred` with pid, uid and gid.
//! * macOS, iOS and the BSDs: `getpeereid(3)` gives uid and gid. Apple systems also give the
//!   pid through `getsockopt(SOL_LOCAL, LOCAL_PEERPID)`; elsewhere the pid is `None`.

use std::io;
use std::os::fd::RawFd;

/// The user, group and (where the system reports it) process id of a Unix-domain stream's
/// peer, as recorded when the connection was made. Returned by
/// [`UnixStream::peer_cred`](crate::UnixStream::peer_cred).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    pid: Option<libc::pid_t>,
    uid: libc::uid_t,
    gid: libc::gid_t,
}

impl UCred {
    /// The peer's effective user id.
    pub fn uid(&self) -> libc::uid_t {
        self.uid
    }

    /// The peer's effective group id.
    pub fn gid(&self) -> libc::gid_t {
        self.gid
    }

    /// The peer's process id: `Some` on Linux, Android and Apple systems, `None` where the
    /// system does not report it (FreeBSD and the other BSDs).
    pub fn pid(&self) -> Option<libc::pid_t> {
        self.pid
    }
}

/// Reads the peer credentials of the connected Unix-domain stream `fd`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<UCred> {
    use corium_selector_sys::syscall;

    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a live, writable `ucred` and `len` holds exactly its size, so the
    // kernel writes at most `len` bytes into it; a bad `fd` is rejected with an errno.
    syscall!(getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_PEERCRED,
        (&mut cred as *mut libc::ucred).cast(),
        &mut len,
    ))?;
    Ok(UCred {
        pid: Some(cred.pid),
        uid: cred.uid,
        gid: cred.gid,
    })
}

/// Reads the peer credentials of the connected Unix-domain stream `fd`.
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
pub(crate) fn peer_cred(fd: RawFd) -> io::Result<UCred> {
    use corium_selector_sys::syscall;

    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: `uid` and `gid` are live, writable integers of the types getpeereid fills; a
    // bad `fd` is rejected with an errno.
    syscall!(getpeereid(fd, &mut uid, &mut gid))?;
    Ok(UCred {
        pid: peer_pid(fd)?,
        uid,
        gid,
    })
}

/// The peer's pid on Apple systems (`LOCAL_PEERPID`).
#[cfg(target_vendor = "apple")]
fn peer_pid(fd: RawFd) -> io::Result<Option<libc::pid_t>> {
    use corium_selector_sys::syscall;

    let mut pid: libc::pid_t = 0;
    let mut len = std::mem::size_of::<libc::pid_t>() as libc::socklen_t;
    // SAFETY: `pid` is a live, writable `pid_t` and `len` holds exactly its size, so the
    // kernel writes at most `len` bytes into it.
    syscall!(getsockopt(
        fd,
        libc::SOL_LOCAL,
        libc::LOCAL_PEERPID,
        (&mut pid as *mut libc::pid_t).cast(),
        &mut len,
    ))?;
    Ok(Some(pid))
}

/// The BSDs other than Apple's have no portable way to learn the peer's pid.
#[cfg(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
fn peer_pid(_fd: RawFd) -> io::Result<Option<libc::pid_t>> {
    Ok(None)
}

/// Systems without a peer-credential query corium knows of.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
pub(crate) fn peer_cred(_fd: RawFd) -> io::Result<UCred> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "peer credentials are not supported on this system: authenticate the peer another way \
         (for example with a token sent over the stream)",
    ))
}
