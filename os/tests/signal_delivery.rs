//! A signal raised at the process reaches every listener, on both runtime flavours and across
//! runtimes; deliveries coalesce; a previously installed handler is chained; ctrl-c.
//!
//! Every test here raises a *different* signal, so tests running concurrently in this binary
//! never receive (or coalesce) each other's deliveries.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::runtime;
use corium_os::signal::unix::{signal, Signal, SignalKind};
use corium_reactor::time::timeout;

fn raise(signum: libc::c_int) {
    // SAFETY: kill(getpid()) has no memory-safety preconditions; corium's handler is installed
    // for `signum` before every call here, so the default action (terminate) never runs.
    assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0);
}

/// Waits (bounded) for one delivery on `listener`.
///
/// The deadline is polled *before* the listener: a listener that was never woken (a lost
/// wake-up) must fail here, not be rescued by the timer's own wake-up polling it once more.
async fn expect_delivery(listener: &mut Signal) {
    let mut deadline = std::pin::pin!(corium_reactor::time::sleep(Duration::from_secs(10)));
    let got = std::future::poll_fn(|cx| {
        if deadline.as_mut().poll(cx).is_ready() {
            panic!("no delivery within 10 s: a listener was not woken");
        }
        listener.poll_recv(cx)
    })
    .await;
    assert_eq!(got, Some(()), "listener closed");
}

/// Asserts that no delivery is pending on `listener` (within a short wait).
async fn expect_nothing(listener: &mut Signal) {
    let r = timeout(Duration::from_millis(100), listener.recv()).await;
    assert!(r.is_err(), "unexpected delivery");
}

#[test]
fn every_listener_of_both_flavours_in_several_runtimes_hears_every_raise() {
    const PER_RUNTIME: usize = 3;
    const ROUNDS: usize = 10;
    let kind = SignalKind::user_defined1();
    // Two runtimes of each flavour, each on its own thread with PER_RUNTIME listeners. Each
    // round: everyone waits at `ready`, the main thread raises once, each listener must hear
    // it once. Many rounds make the drain race (one listener empties the pipe before another
    // runtime's epoll collects the byte) likely, so a missing dispatch fails here.
    let ready = Arc::new(Barrier::new(5));
    let heard = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = [false, true, false, true]
        .into_iter()
        .map(|multi| {
            let (ready, heard) = (ready.clone(), heard.clone());
            std::thread::spawn(move || {
                let rt = runtime(multi);
                rt.block_on(async {
                    let mut listeners: Vec<Signal> =
                        (0..PER_RUNTIME).map(|_| signal(kind).unwrap()).collect();
                    for _ in 0..ROUNDS {
                        ready.wait();
                        for l in &mut listeners {
                            expect_delivery(l).await;
                            heard.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    // One raise per round, one delivery each: nothing more.
                    for l in &mut listeners {
                        expect_nothing(l).await;
                    }
                });
            })
        })
        .collect();
    for round in 1..=ROUNDS {
        ready.wait();
        raise(libc::SIGUSR1);
        // Bounded wait for this round to be heard before raising again (raises that land
        // before a listener looks would coalesce).
        let until = std::time::Instant::now() + Duration::from_secs(20);
        while heard.load(Ordering::SeqCst) < round * 4 * PER_RUNTIME {
            assert!(std::time::Instant::now() < until, "round {round} not heard");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(heard.load(Ordering::SeqCst), ROUNDS * 4 * PER_RUNTIME);
}

#[test]
fn deliveries_between_two_looks_coalesce_and_later_ones_are_still_heard() {
    runtime(false).block_on(async {
        let mut hup = signal(SignalKind::hangup()).unwrap();
        // raise(3) delivers to this thread before it returns, so all three deliveries land
        // before the first look (kill(getpid()) could be delivered to another thread later).
        for _ in 0..3 {
            // SAFETY: corium's SIGHUP handler is installed; raise has no other precondition.
            assert_eq!(unsafe { libc::raise(libc::SIGHUP) }, 0);
        }
        expect_delivery(&mut hup).await;
        expect_nothing(&mut hup).await;
        raise(libc::SIGHUP);
        expect_delivery(&mut hup).await;
    });
}

#[test]
fn a_listener_in_a_runtime_that_went_away_does_not_stop_the_others() {
    let kind = SignalKind::window_change();
    let gone = runtime(true);
    let orphan = gone.block_on(async { signal(kind).unwrap() });
    drop(gone);
    runtime(false).block_on(async {
        let mut alive = signal(kind).unwrap();
        raise(libc::SIGWINCH);
        expect_delivery(&mut alive).await;
    });
    drop(orphan);
}

static PREVIOUS_CALLS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn previous_handler(_: libc::c_int) {
    PREVIOUS_CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_handler_installed_before_corium_is_chained() {
    // SAFETY: zeroed is a valid sigaction; the handler only does an atomic add.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = previous_handler as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
            0
        );
    }
    runtime(false).block_on(async {
        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
        // raise(3): the handler (and so the chained one) has run when it returns.
        // SAFETY: corium's SIGUSR2 handler is installed; raise has no other precondition.
        assert_eq!(unsafe { libc::raise(libc::SIGUSR2) }, 0);
        expect_delivery(&mut usr2).await;
    });
    assert_eq!(PREVIOUS_CALLS.load(Ordering::SeqCst), 1);
}

#[test]
fn ctrl_c_completes_on_sigint() {
    runtime(true).block_on(async {
        // ctrl_c installs its listener at its first poll; spawn it, let it register, raise.
        let waiter = corium_executor::spawn(corium_os::signal::ctrl_c());
        // Wait until the handler is surely installed (a second listener proves it is), then
        // give the spawned task time to be polled before raising.
        let mut probe = signal(SignalKind::interrupt()).unwrap();
        corium_reactor::time::sleep(Duration::from_millis(50)).await;
        raise(libc::SIGINT);
        expect_delivery(&mut probe).await;
        timeout(Duration::from_secs(10), waiter)
            .await
            .expect("ctrl_c completed")
            .unwrap()
            .unwrap();
    });
}

#[test]
fn forbidden_and_invalid_signals_are_refused_by_name() {
    runtime(false).block_on(async {
        for (signum, name) in [
            (libc::SIGKILL, "SIGKILL"),
            (libc::SIGSTOP, "SIGSTOP"),
            (libc::SIGSEGV, "SIGSEGV"),
            (libc::SIGBUS, "SIGBUS"),
            (libc::SIGILL, "SIGILL"),
            (libc::SIGFPE, "SIGFPE"),
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(name), "{err}");
        }
        let err = signal(SignalKind::from_raw(1000)).unwrap_err();
        assert!(
            err.to_string().contains("invalid signal number 1000"),
            "{err}"
        );
    });
}

#[test]
fn signal_outside_a_runtime_says_so() {
    let err = signal(SignalKind::alarm()).unwrap_err();
    assert!(err.to_string().contains("no reactor running"), "{err}");
}
