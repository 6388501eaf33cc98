//! `accept` when the process is out of descriptors: the error comes back, the queued
//! connection is not lost, and once descriptors are free the very next `accept` gets it —
//! without any new event (the listener's readiness must survive the `EMFILE`).
//!
//! This binary has one test, which runs both flavours in turn: it lowers the process's
//! `RLIMIT_NOFILE`, which would break any test running beside it.

mod net_common;

use std::fs::File;
use std::os::fd::OwnedFd;
use std::time::Duration;

use corium::time::timeout;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpListener, TcpStream};
use net_common::{nofile_limit, poll_once, run_on, set_nofile_soft, Flavor, WATCHDOG};

/// Restores the soft limit when dropped, even if the test panics.
struct RestoreLimit(u64);

impl Drop for RestoreLimit {
    fn drop(&mut self) {
        set_nofile_soft(self.0);
    }
}

/// The highest descriptor number open in this process.
fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// Lowers the soft limit just above the highest open descriptor and fills every free number
/// below it, so the next descriptor-creating call fails with `EMFILE`. Returns the fillers.
fn exhaust_descriptors() -> Vec<OwnedFd> {
    set_nofile_soft(highest_fd() + 4);
    let seed = File::open("/dev/null").expect("open /dev/null");
    let mut fillers = Vec::new();
    loop {
        match seed.try_clone() {
            Ok(f) => fillers.push(OwnedFd::from(f)),
            Err(e) => {
                assert_eq!(
                    e.raw_os_error(),
                    Some(libc::EMFILE),
                    "filling descriptors: {e}"
                );
                break;
            }
        }
        assert!(
            fillers.len() < 100_000,
            "the descriptor limit did not take effect"
        );
    }
    fillers.push(OwnedFd::from(seed));
    fillers
}

async fn accept_survives_emfile() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let client_addr = client.local_addr().unwrap();

    let (soft, _) = nofile_limit();
    let restore = RestoreLimit(soft);
    let fillers = exhaust_descriptors();

    // The connection is queued; accepting it needs a descriptor there is none of.
    let err = listener.accept().await.unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
    // The readiness survived: a second try runs accept(2) at once (no event needed) and
    // fails the same way instead of going to sleep.
    match poll_once(listener.accept()).await {
        Some(Err(e)) => assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}"),
        Some(Ok(_)) => panic!("accept succeeded with no descriptor free"),
        None => panic!("accept went to sleep after EMFILE: the listener's readiness was lost"),
    }

    // Free descriptors: the queued connection is accepted with no new event.
    drop(fillers);
    drop(restore);
    let (mut server, peer) = timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("the queued connection was stranded after EMFILE")
        .expect("accept after freeing descriptors");
    assert_eq!(peer, client_addr);

    // And it is a working connection.
    client.write_all(b"still here").await.unwrap();
    let mut buf = [0; 10];
    server.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"still here");
}

#[test]
fn accept_returns_emfile_and_keeps_the_connection_on_both_flavors() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        run_on(flavor, WATCHDOG, accept_survives_emfile);
    }
}
