//! [`UCred`]: the credentials of the process at the other end of a Unix-domain stream.
//!
//! The kernel records them when the connection is made (for `socketpair`, when the pair is
//! created), so they name the process that *connected*, not whoever holds the descriptor now.
//! The query itself, spelled differently on each system, is selector-sys's
//! (`corium_selector_sys::net::PeerCred`).

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

impl From<corium_selector_sys::net::PeerCred> for UCred {
    fn from(cred: corium_selector_sys::net::PeerCred) -> UCred {
        UCred {
            pid: cred.pid,
            uid: cred.uid,
            gid: cred.gid,
        }
    }
}
