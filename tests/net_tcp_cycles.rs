//! Descriptor accounting: 100,000 connect/accept/close cycles leave the process with exactly
//! the descriptors (and reactor slots) it started with, and dropping a runtime closes every
//! socket its tasks still held — on both runtime flavours.
//!
//! The tests of this binary take turns (a mutex): each counts the whole process's open
//! descriptors, which a test running alongside would disturb.

mod net_common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corium::runtime::Handle;
use corium::time::sleep;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use net_common::{fd_count, fd_count_settled, report_time, run_on, runtime, watchdog, Flavor};

const CYCLES: u64 = 100_000;
/// Client tasks cycling at once.
const CLIENTS: u64 = 8;
const LIMIT: Duration = Duration::from_secs(180);

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn registered() -> u64 {
    Handle::current().metrics().io_registered_fds()
}

/// Waits (bounded) until the reactor has freed the slots of dropped registrations, which it
/// does at the start of a turn; sleeping makes it turn.
async fn settled_registrations(expected: u64) -> u64 {
    for _ in 0..200 {
        if registered() == expected {
            break;
        }
        sleep(Duration::from_millis(5)).await;
    }
    registered()
}

async fn cycles() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let fds_start = fd_count();
    let slots_start = registered();

    // The server closes each connection first, so TIME_WAIT lands on the server's side and
    // the clients' ephemeral ports are free again at once.
    let accepted = Arc::new(AtomicU64::new(0));
    let server = {
        let accepted = accepted.clone();
        corium::spawn(async move {
            while accepted.load(Ordering::Relaxed) < CYCLES {
                let (stream, _) = listener.accept().await.expect("accept");
                drop(stream);
                accepted.fetch_add(1, Ordering::Relaxed);
            }
            listener
        })
    };

    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            corium::spawn(async move {
                let mut buf = [0; 1];
                for _ in 0..CYCLES / CLIENTS {
                    let mut stream = TcpStream::connect(addr).await.expect("connect");
                    // The server's close reaches us as end of stream, never as an error.
                    assert_eq!(stream.read(&mut buf).await.expect("read EOF"), 0);
                }
            })
        })
        .collect();
    for c in clients {
        c.await.expect("client task");
    }
    let listener = server.await.expect("server task");
    assert_eq!(accepted.load(Ordering::Relaxed), CYCLES);

    assert_eq!(
        fd_count_settled(fds_start),
        fds_start,
        "descriptors leaked over {CYCLES} cycles"
    );
    assert_eq!(
        settled_registrations(slots_start).await,
        slots_start,
        "reactor slots leaked over {CYCLES} cycles"
    );
    drop(listener);
}

fn run_cycles(flavor: Flavor, name: &'static str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    run_on(flavor, LIMIT, move || async move {
        let start = Instant::now();
        cycles().await;
        report_time(
            &format!("{CYCLES} connect/accept/close cycles, {name}"),
            start,
        );
    });
}

#[test]
fn hundred_thousand_cycles_leak_nothing_current_thread() {
    run_cycles(Flavor::CurrentThread, "current_thread");
}

#[test]
fn hundred_thousand_cycles_leak_nothing_multi_thread() {
    run_cycles(Flavor::MultiThread, "multi_thread");
}

/// Opens sockets of every kind, leaves tasks blocked on some of them, drops the runtime, and
/// checks that the process is back to the descriptors it had before the runtime existed.
fn runtime_drop_closes_everything(flavor: Flavor) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    watchdog(net_common::WATCHDOG, move || {
        let before = fd_count();
        let rt = runtime(flavor);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            client.write_all(b"x").await.unwrap();
            let mut b = [0; 1];
            server.read_exact(&mut b).await.unwrap();

            // Tasks parked forever on reads that will never complete, owning their sockets.
            corium::spawn(async move {
                let mut b = [0; 1];
                let _ = server.read(&mut b).await;
            });
            corium::spawn(async move {
                let _keep = client;
                let _ = listener.accept().await;
            });
            let (u1, u2) = UnixStream::pair().unwrap();
            corium::spawn(async move {
                let _keep = u2;
                let mut u1 = u1;
                let mut b = [0; 1];
                let _ = u1.read(&mut b).await;
            });
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            corium::spawn(async move {
                let mut b = [0; 1];
                let _ = udp.recv_from(&mut b).await;
            });
            // Let the tasks reach their awaits.
            corium::task::yield_now().await;
        });
        assert!(
            fd_count() > before,
            "the runtime and its sockets hold descriptors"
        );
        drop(rt);
        assert_eq!(
            fd_count_settled(before),
            before,
            "dropping the runtime left descriptors open"
        );
    });
}

#[test]
fn runtime_drop_closes_every_socket_current_thread() {
    runtime_drop_closes_everything(Flavor::CurrentThread);
}

#[test]
fn runtime_drop_closes_every_socket_multi_thread() {
    runtime_drop_closes_everything(Flavor::MultiThread);
}
