//! Pipes and FIFOs on the reactor (`corium::net::unix::pipe`), on both runtime flavours:
//! anonymous pairs, FIFO round trips (`open_receiver`/`open_sender`, `read_write`), refusal of
//! a non-FIFO path and of a wrong-direction fd, `try_*` and readiness, the blocking and
//! nonblocking fd conversions, end of stream and `BrokenPipe`.

mod net_common;

use std::ffi::CString;
use std::io::ErrorKind;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::unix::pipe::{self, OpenOptions, Receiver, Sender};
use net_common::{is_nonblocking, Pattern, TempDir};

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

both_flavors! {
    async fn anonymous_pipe_round_trip_and_end_of_stream() {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        // More than the 64 KiB pipe buffer, written and read at once.
        const LEN: usize = 1 << 20;
        let writer = corium::spawn(async move {
            let mut pattern = Pattern::new(7);
            let mut buf = vec![0; LEN];
            pattern.fill(&mut buf);
            tx.write_all(&buf).await.unwrap();
        });
        let mut got = Vec::new();
        rx.read_to_end(&mut got).await.unwrap(); // Ok(0) once the writer task dropped tx
        writer.await.unwrap();
        assert_eq!(got.len(), LEN);
        Pattern::new(7).check(&got).unwrap();
    }

    async fn fifo_round_trip_receiver_first() {
        let dir = TempDir::new();
        let path = dir.path("fifo");
        mkfifo(&path);
        let mut rx = OpenOptions::new().open_receiver(&path).unwrap();
        let mut tx = OpenOptions::new().open_sender(&path).unwrap();
        tx.write_all(b"through a FIFO").await.unwrap();
        drop(tx);
        let mut got = String::new();
        rx.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through a FIFO");
    }

    async fn fifo_sender_without_reader_fails_clearly_unless_read_write() {
        let dir = TempDir::new();
        let path = dir.path("fifo");
        mkfifo(&path);
        let err = OpenOptions::new().open_sender(&path).unwrap_err();
        assert!(err.to_string().contains("open the receiver first"), "{err}");
        // read_write: the sender is its own reader, so the open succeeds and writes fit.
        let mut tx = OpenOptions::new().read_write(true).open_sender(&path).unwrap();
        tx.write_all(b"x").await.unwrap();
    }

    async fn a_path_that_is_not_a_fifo_is_refused_unless_unchecked() {
        let dir = TempDir::new();
        let path = dir.path("plain");
        std::fs::write(&path, b"not a fifo").unwrap();
        let err = OpenOptions::new().open_receiver(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let msg = err.to_string();
        assert!(msg.contains("a regular file, not a FIFO") && msg.contains("plain"), "{msg}");
        // unchecked: opened anyway; registering a regular file with epoll then fails (EPERM).
        let err = OpenOptions::new().unchecked(true).open_receiver(&path).unwrap_err();
        assert!(err.to_string().contains("cannot be watched by epoll"), "{err}");
    }

    async fn from_fd_checks_type_and_direction() {
        let (tx, rx) = pipe::pipe().unwrap();
        let tx_fd = tx.into_nonblocking_fd().unwrap();
        let err = Receiver::from_owned_fd(tx_fd).unwrap_err();
        assert!(err.to_string().contains("not open for reading"), "{err}");
        let file = std::fs::File::open("/").unwrap();
        let err = Sender::from_file(file).unwrap_err();
        assert!(err.to_string().contains("a directory, not a pipe"), "{err}");
        drop(rx);
    }

    async fn try_calls_readiness_and_fd_conversions() {
        let (tx, rx) = pipe::pipe().unwrap();
        let mut buf = [0; 8];
        assert_eq!(rx.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        tx.writable().await.unwrap();
        assert_eq!(tx.try_write(b"abc").unwrap(), 3);
        rx.readable().await.unwrap();
        assert_eq!(rx.try_read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");

        let fd = rx.into_blocking_fd().unwrap();
        assert!(!is_nonblocking(&fd), "into_blocking_fd clears O_NONBLOCK");
        let rx = Receiver::from_owned_fd(fd).unwrap();
        assert!(is_nonblocking(&rx), "from_owned_fd sets O_NONBLOCK");
        let fd = tx.into_nonblocking_fd().unwrap();
        assert!(is_nonblocking(&fd));
        drop(fd); // the last sender: the receiver sees end of stream
        rx.readable().await.unwrap();
        assert_eq!(rx.try_read(&mut buf).unwrap(), 0);
    }

    async fn writing_with_every_receiver_gone_is_broken_pipe() {
        let (mut tx, rx) = pipe::pipe().unwrap();
        drop(rx);
        let err = tx.write_all(b"nobody").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    }
}
