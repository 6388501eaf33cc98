//! One gibibyte through a TCP echo, byte-exact, on both runtime flavours.
//!
//! The client's write half sends a xorshift stream, the server echoes it, and the client's
//! read half checks every byte against a second copy of the generator as it arrives: nothing
//! of the gigabyte is ever stored, and a lost, duplicated or reordered chunk fails at its
//! offset. The time taken is printed (`--nocapture` shows it).

mod net_common;

use std::time::{Duration, Instant};

use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpListener, TcpStream};
use net_common::{report_time, run_on, Flavor, Pattern};

const TOTAL: u64 = 1 << 30;
const CHUNK: usize = 256 * 1024;
/// Generous for a debug build on a busy two-core machine; the measured time is printed.
const LIMIT: Duration = Duration::from_secs(180);

async fn gigabyte_echo() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();

    let echo = corium::spawn(async move {
        let mut buf = vec![0; CHUNK];
        let mut total = 0u64;
        loop {
            let n = server.read(&mut buf).await.expect("echo read");
            if n == 0 {
                server.shutdown().await.expect("echo shutdown");
                return total;
            }
            server.write_all(&buf[..n]).await.expect("echo write");
            total += n as u64;
        }
    });

    let (mut rd, mut wr) = client.into_split();
    let writer = corium::spawn(async move {
        let mut pattern = Pattern::new(0x5EED_0001);
        let mut buf = vec![0; CHUNK];
        let mut sent = 0u64;
        while sent < TOTAL {
            pattern.fill(&mut buf);
            wr.write_all(&buf).await.expect("client write");
            sent += CHUNK as u64;
        }
        wr.shutdown().await.expect("client shutdown");
        sent
    });

    let mut pattern = Pattern::new(0x5EED_0001);
    // A read size unrelated to the write size, so chunk boundaries never line up.
    let mut buf = vec![0; 100_003];
    let mut received = 0u64;
    loop {
        let n = rd.read(&mut buf).await.expect("client read");
        if n == 0 {
            break;
        }
        if let Err(at) = pattern.check(&buf[..n]) {
            panic!("echoed stream differs at byte {}", received + at as u64);
        }
        received += n as u64;
    }
    assert_eq!(received, TOTAL);
    assert_eq!(writer.await.unwrap(), TOTAL);
    assert_eq!(echo.await.unwrap(), TOTAL);
}

#[test]
fn one_gibibyte_echoed_byte_exact_current_thread() {
    run_on(Flavor::CurrentThread, LIMIT, || async {
        let start = Instant::now();
        gigabyte_echo().await;
        report_time("1 GiB echo, current_thread", start);
    });
}

#[test]
fn one_gibibyte_echoed_byte_exact_multi_thread() {
    run_on(Flavor::MultiThread, LIMIT, || async {
        let start = Instant::now();
        gigabyte_echo().await;
        report_time("1 GiB echo, multi_thread", start);
    });
}
