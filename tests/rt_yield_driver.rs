//! `yield_now` lets the driver run: a task (or the `block_on` future itself) that loops on
//! `yield_now` until a timer fires or a socket becomes readable finishes, on every flavour.
//!
//! Timers fire and readiness arrives only when some thread turns the reactor. A yield that
//! put the task straight back on the run queue, with nothing else to do, would spin forever
//! without ever turning it.

mod rt_common;

use corium::net::UdpSocket;
use corium::runtime::Runtime;
use corium::task::yield_now;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn flavours() -> Vec<(&'static str, Runtime)> {
    let mut all = rt_common::single_threaded_flavours();
    all.push(("multi_thread(2)", rt_common::multi_thread()));
    all
}

/// Spins on `yield_now` until `flag` is set, counting the yields.
async fn yield_until(flag: &AtomicBool) -> u64 {
    let mut yields = 0;
    while !flag.load(SeqCst) {
        yield_now().await;
        yields += 1;
    }
    yields
}

#[test]
fn a_block_on_yield_loop_sees_a_timer_fire() {
    rt_common::watchdog(|| {
        for (name, rt) in flavours() {
            let fired = Arc::new(AtomicBool::new(false));
            let yields = rt.block_on(async {
                let f = fired.clone();
                corium::spawn(async move {
                    corium::time::sleep(Duration::from_millis(5)).await;
                    f.store(true, SeqCst);
                });
                yield_until(&fired).await
            });
            assert!(yields > 0, "{name}: the loop never yielded");
        }
    });
}

#[test]
fn a_task_yield_loop_sees_a_timer_fire() {
    rt_common::watchdog(|| {
        for (name, rt) in flavours() {
            let fired = Arc::new(AtomicBool::new(false));
            let f = fired.clone();
            let yields = rt.block_on(async move {
                corium::spawn(async move {
                    corium::time::sleep(Duration::from_millis(5)).await;
                    f.store(true, SeqCst);
                });
                corium::spawn(async move { yield_until(&fired).await })
                    .await
                    .unwrap()
            });
            assert!(yields > 0, "{name}: the loop never yielded");
        }
    });
}

/// `try_recv` only tries the syscall once the reactor has reported the socket readable, so
/// this loop ends only if the driver turns while it spins.
async fn yield_until_readable(socket: &UdpSocket) -> io::Result<u64> {
    let mut buf = [0u8; 16];
    let mut yields = 0;
    loop {
        match socket.try_recv(&mut buf) {
            Ok(n) => {
                assert_eq!(&buf[..n], b"ping");
                return Ok(yields);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                yield_now().await;
                yields += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[test]
fn a_block_on_yield_loop_sees_a_socket_become_readable() {
    rt_common::watchdog(|| {
        for (name, rt) in flavours() {
            let yields = rt.block_on(async {
                let receiver = UdpSocket::bind("127.0.0.1:0").await?;
                let to = receiver.local_addr()?;
                // The datagram leaves from another thread after the loop has started spinning.
                let sender = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(5));
                    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                    s.send_to(b"ping", to).unwrap();
                });
                let yields = yield_until_readable(&receiver).await?;
                sender.join().unwrap();
                io::Result::Ok(yields)
            });
            let yields = yields.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(yields > 0, "{name}: readable before the loop started");
        }
    });
}

#[test]
fn a_task_yielding_forever_starves_neither_block_on_nor_the_timers() {
    rt_common::watchdog(|| {
        for (name, rt) in flavours() {
            let done = rt.block_on(async {
                let spinner = corium::spawn(async {
                    loop {
                        yield_now().await;
                    }
                });
                // Needs the driver (the timer) and then a poll of the block_on future while
                // the spinner keeps the run queue busy.
                corium::time::sleep(Duration::from_millis(5)).await;
                for _ in 0..100 {
                    yield_now().await;
                }
                spinner.abort();
                true
            });
            assert!(done, "{name}");
        }
    });
}
