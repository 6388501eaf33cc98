//! The credentials of the process at the other end of a Unix-domain stream, as the kernel
//! recorded them when the connection was made (for `socketpair`, when the pair was created).
//!
//! Each system spells the query differently:
//!
//! * Linux and Android: `getsockopt(SO_PEERCRED)` fills a `struct ucred` with pid, uid and gid.
//! * macOS, iOS and the BSDs: `getpeereid(3)` gives uid and gid. Apple systems also give the
//!   pid through `getsockopt(SOL_LOCAL, LOCAL_PEERPID)`; elsewhere the pid is `None`.

use std::io;

use super::socket::Socket;

/// The user, group and (where the system reports it) process id of a Unix-domain stream's
/// peer; see [`UnixStream::peer_cred`](super::UnixStream::peer_cred).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerCred {
    /// The peer's process id; `None` where the system does not report it (the BSDs other
    /// than Apple's).
    pub pid: Option<libc::pid_t>,
    /// The peer's effective user id.
    pub uid: libc::uid_t,
    /// The peer's effective group id.
    pub gid: libc::gid_t,
}

// SAFETY: `ucred` is three plain integers; every bit pattern is a valid value.
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe impl super::socket::SockOpt for libc::ucred {}

impl Socket {
    /// Reads the peer credentials of a connected Unix-domain stream.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn peer_cred(&self) -> io::Result<PeerCred> {
        let cred: libc::ucred = self.opt(libc::SOL_SOCKET, libc::SO_PEERCRED)?;
        Ok(PeerCred {
            pid: Some(cred.pid),
            uid: cred.uid,
            gid: cred.gid,
        })
    }

    /// Reads the peer credentials of a connected Unix-domain stream.
    #[cfg(any(
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    pub(crate) fn peer_cred(&self) -> io::Result<PeerCred> {
        use crate::syscall;
        use std::os::fd::AsRawFd;

        let mut uid: libc::uid_t = 0;
        let mut gid: libc::gid_t = 0;
        // SAFETY: `uid` and `gid` are live, writable integers of the types getpeereid fills;
        // the fd is open.
        syscall!(
            getpeereid(self.as_raw_fd(), &mut uid, &mut gid);
            "Socket::peer_cred", "fd={}", self.as_raw_fd()
        )?;
        // The BSDs other than Apple's have no portable way to learn the peer's pid.
        #[cfg(target_vendor = "apple")]
        let pid = Some(self.opt::<libc::pid_t>(libc::SOL_LOCAL, libc::LOCAL_PEERPID)?);
        #[cfg(not(target_vendor = "apple"))]
        let pid = None;
        Ok(PeerCred { pid, uid, gid })
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
    pub(crate) fn peer_cred(&self) -> io::Result<PeerCred> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "peer credentials are not supported on this system: authenticate the peer another \
             way (for example with a token sent over the stream)",
        ))
    }
}
