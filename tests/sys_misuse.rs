//! Behaviour: misuse of the registry is an `io::Error` with a kind and a message that says
//! what to do — never a panic, a hang, or a registration that silently goes stale.

use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use corium::sys::unix::SourceFd;
use corium::sys::{syscall, Events, Interest, Poll, Token};

/// How long any wait for an expected event may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);

#[test]
fn registering_twice_is_already_exists_and_points_to_reregister() {
    let poll = Poll::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap();
    let err = poll
        .registry()
        .register(&mut SourceFd(&fd), Token(2), Interest::WRITABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    assert!(err.to_string().contains("reregister"), "{err}");
}

#[test]
fn reregister_or_deregister_of_unregistered_fd_is_not_found() {
    let poll = Poll::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();

    let err = poll
        .registry()
        .reregister(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("register"), "{err}");

    let err = poll.registry().deregister(&mut SourceFd(&fd)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

    // Registered then deregistered is "not registered" again.
    poll.registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE)
        .unwrap();
    poll.registry().deregister(&mut SourceFd(&fd)).unwrap();
    let err = poll.registry().deregister(&mut SourceFd(&fd)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
}

/// Moves `fd` to the lowest free number `>= min` and closes the original, so the returned fd
/// is the only reference to the socket (epoll drops a registration only when the last
/// descriptor of its file is closed).
fn move_fd_to(fd: OwnedFd, min: RawFd) -> OwnedFd {
    // SAFETY: `fd` is open for the duration of the call; F_DUPFD_CLOEXEC creates a new
    // descriptor and touches no memory.
    let new = syscall!(fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min)).unwrap();
    // SAFETY: fcntl succeeded, so `new` is a fresh descriptor nobody else owns.
    unsafe { OwnedFd::from_raw_fd(new) }
}

#[test]
fn reused_fd_number_registers_afresh_with_the_new_token() {
    const OLD: Token = Token(1);
    const NEW: Token = Token(2);
    // A number far above what the other tests of this binary use, so no parallel test takes
    // it between the close and the reuse below.
    const HIGH: RawFd = 400;
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);

    let (old, _old_peer) = UnixStream::pair().unwrap();
    let old = move_fd_to(OwnedFd::from(old), HIGH);
    let number = old.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&number), OLD, Interest::READABLE)
        .unwrap();
    // Closed without deregistering: the kernel forgets the registration with the file.
    drop(old);

    let (new, mut new_peer) = UnixStream::pair().unwrap();
    let new = move_fd_to(OwnedFd::from(new), number);
    assert_eq!(
        new.as_raw_fd(),
        number,
        "the new socket must reuse the old fd number for this test to mean anything"
    );
    let new = UnixStream::from(new);
    new.set_nonblocking(true).unwrap();
    poll.registry()
        .register(&mut SourceFd(&number), NEW, Interest::READABLE)
        .expect("a reused fd number is a new registration");

    new_peer.write_all(b"x").unwrap();
    poll.poll(&mut events, Some(DEADLINE)).unwrap();
    let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
    assert_eq!(tokens, [NEW], "events carry the new token only");
    drop(new);
}

#[test]
fn zero_capacity_events_is_invalid_input() {
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(0);
    // Even a blocking poll must return the error at once rather than wait for nothing.
    for timeout in [Some(Duration::ZERO), None] {
        let err = poll.poll(&mut events, timeout).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("capacity"), "{err}");
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn registering_a_regular_file_explains_why_it_fails() {
    let path = std::env::temp_dir().join(format!(
        "corium-sys-misuse-{}-regular-file",
        std::process::id()
    ));
    let file = std::fs::File::create(&path).unwrap();
    let poll = Poll::new().unwrap();
    let fd = file.as_raw_fd();
    let res = poll
        .registry()
        .register(&mut SourceFd(&fd), Token(1), Interest::READABLE);
    drop(file);
    std::fs::remove_file(&path).unwrap();

    let err = res.expect_err("epoll cannot watch a regular file");
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("regular file") && msg.contains("epoll"),
        "message must say epoll cannot watch regular files: {msg}"
    );
}
