//! Behaviour: the packaged readiness loops (`async_io`, `poll_read`/`poll_write`) move data
//! across `WouldBlock` in both directions, driven by the test-only `block_on`.

mod reactor_common;

use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::thread;

use corium_reactor::{Config, Driver, Interest, PollEvented, Registration};
use reactor_common::{block_on, pair};

/// Larger than any socket buffer, so both sides hit `WouldBlock` many times.
const TOTAL: usize = 4 << 20;

fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

#[test]
fn async_io_waits_reads_and_retries() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    let writer = thread::spawn(move || peer.write_all(b"hello").map(|()| peer));
    let mut buf = [0u8; 16];
    let n = block_on(&mut driver, async {
        io.registration()
            .async_io(Interest::READABLE, || (&io.get_ref().0).read(&mut buf))
            .await
    })
    .unwrap();
    assert_eq!(&buf[..n], b"hello");
    let _peer = writer.join().unwrap().unwrap();
}

#[test]
fn poll_write_then_poll_read_move_megabytes() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let both = Interest::READABLE | Interest::WRITABLE;
    let io = PollEvented::new_with_interest_and_handle(sock, both, driver.handle()).unwrap();

    // We write TOTAL bytes; the peer echoes them back reversed in role: it reads all, then
    // writes all. Both directions of our side go through WouldBlock and readiness.
    let echo = thread::spawn(move || -> io::Result<()> {
        let mut data = vec![0u8; TOTAL];
        peer.read_exact(&mut data)?;
        peer.write_all(&data)
    });
    let received = block_on(&mut driver, async {
        let out: Vec<u8> = (0..TOTAL).map(pattern).collect();
        let mut sent = 0;
        while sent < TOTAL {
            sent += poll_fn(|cx| io.poll_write(cx, &out[sent..])).await?;
        }
        let mut back = vec![0u8; TOTAL];
        let mut got = 0;
        while got < TOTAL {
            let n = poll_fn(|cx| io.poll_read(cx, &mut back[got..])).await?;
            assert_ne!(n, 0, "peer closed early");
            got += n;
        }
        io::Result::Ok(back)
    })
    .unwrap();
    echo.join().unwrap().unwrap();
    assert!(received.iter().enumerate().all(|(i, &b)| b == pattern(i)));
}

#[test]
fn into_inner_deregisters_so_the_source_can_register_again() {
    let driver = Driver::new(Config::default()).unwrap();
    let (sock, _peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    let mut sock = io.into_inner().unwrap();
    // Still registered would be AlreadyExists.
    let reg =
        Registration::new_with_interest_and_handle(&mut sock, Interest::READABLE, driver.handle())
            .unwrap();
    drop(reg);
}
