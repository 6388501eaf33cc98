//! Behaviour: `unix::pipe` ends under a real `Poll` loop: data, back-pressure, and the
//! close of either end reported as an event.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsRawFd;

use corium::sys::unix::pipe;
use corium::sys::{syscall, Interest, Token};

mod common;
use common::EventLog;

const SENDER: Token = Token(0);
const RECEIVER: Token = Token(1);

#[track_caller]
fn assert_would_block<T: std::fmt::Debug>(res: io::Result<T>) {
    let err = res.expect_err("a drained/full pipe must say WouldBlock, not block");
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{err}");
}

#[test]
fn data_flows_and_drains_to_would_block() {
    let mut driver = EventLog::new();
    let (mut sender, mut receiver) = pipe::new().unwrap();
    driver
        .registry()
        .register(&mut receiver, RECEIVER, Interest::READABLE)
        .unwrap();
    assert_would_block(receiver.read(&mut [0u8; 4]));

    sender.write_all(b"abc").unwrap();
    let n = (&sender)
        .write_vectored(&[IoSlice::new(b"de"), IoSlice::new(b"f")])
        .unwrap();
    assert_eq!(n, 3);
    driver.wait_for(RECEIVER, "readable", |s| s.readable);
    let (mut x, mut y) = ([0u8; 2], [0u8; 8]);
    let n = (&receiver)
        .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        .unwrap();
    assert_eq!((n, &x, &y[..4]), (6, b"ab", &b"cdef"[..]));
    assert_would_block(receiver.read(&mut y));
    sender.flush().unwrap();
}

#[test]
fn dropped_sender_gives_read_closed() {
    let mut driver = EventLog::new();
    let (sender, mut receiver) = pipe::new().unwrap();
    driver
        .registry()
        .register(&mut receiver, RECEIVER, Interest::READABLE)
        .unwrap();
    (&sender).write_all(b"bye").unwrap();
    drop(sender);
    driver.wait_for(RECEIVER, "read-closed", |s| s.read_closed);
    // Buffered bytes first, then end-of-file.
    let mut buf = [0u8; 8];
    assert_eq!(receiver.read(&mut buf).unwrap(), 3);
    assert_eq!(receiver.read(&mut buf).unwrap(), 0);
}

#[test]
fn dropped_receiver_gives_write_closed_and_broken_pipe() {
    let mut driver = EventLog::new();
    let (mut sender, receiver) = pipe::new().unwrap();
    driver
        .registry()
        .register(&mut sender, SENDER, Interest::WRITABLE)
        .unwrap();
    driver.wait_for(SENDER, "writable", |s| s.writable);
    drop(receiver);
    driver.wait_for(SENDER, "write-closed", |s| s.write_closed);
    // Rust ignores SIGPIPE, so the write reports the closed pipe as an error.
    let err = sender.write(b"x").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn full_pipe_would_block_then_becomes_writable() {
    let mut driver = EventLog::new();
    let (mut sender, mut receiver) = pipe::new().unwrap();
    driver
        .registry()
        .register(&mut sender, SENDER, Interest::WRITABLE)
        .unwrap();
    driver.wait_for(SENDER, "writable", |s| s.writable);

    // Fill it: a pipe holds a bounded number of bytes (64 KiB by default on Linux).
    let chunk = [7u8; 4096];
    let mut written = 0usize;
    loop {
        match sender.write(&chunk) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("write failed: {e}"),
        }
        assert!(
            written < 64 << 20,
            "pipe never filled: is it really nonblocking?"
        );
    }
    assert!(written > 0);

    // Drain it: room appears, and with it a new writable edge.
    let mut buf = vec![0u8; 65536];
    let mut read = 0usize;
    while read < written {
        match receiver.read(&mut buf) {
            Ok(n) => read += n,
            Err(e) => panic!("read failed after {read} of {written}: {e}"),
        }
    }
    assert!(buf.iter().take(1024).all(|&b| b == 7));
    assert_would_block(receiver.read(&mut buf));
    driver.wait_for(SENDER, "writable after drain", |s| s.writable);
    sender.write_all(b"more").unwrap();
}

#[test]
fn set_nonblocking_switches_o_nonblock() {
    let (sender, receiver) = pipe::new().unwrap();
    let is_nonblocking = |fd: i32| {
        // SAFETY: F_GETFL takes no argument and `fd` is an open pipe end owned by this test.
        let flags = syscall!(fcntl(fd, libc::F_GETFL)).unwrap();
        flags & libc::O_NONBLOCK != 0
    };
    assert!(is_nonblocking(sender.as_raw_fd()) && is_nonblocking(receiver.as_raw_fd()));
    // SAFETY: F_GETFD takes no argument; the fd is open.
    let fd_flags = syscall!(fcntl(receiver.as_raw_fd(), libc::F_GETFD)).unwrap();
    assert_ne!(
        fd_flags & libc::FD_CLOEXEC,
        0,
        "pipe ends are close-on-exec"
    );

    receiver.set_nonblocking(false).unwrap();
    assert!(!is_nonblocking(receiver.as_raw_fd()));
    receiver.set_nonblocking(true).unwrap();
    assert!(is_nonblocking(receiver.as_raw_fd()));
    sender.set_nonblocking(false).unwrap();
    assert!(!is_nonblocking(sender.as_raw_fd()));
}
