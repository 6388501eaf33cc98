//! Behaviour: a signal that interrupts a blocked `poll` makes it return
//! `ErrorKind::Interrupted` (the policy: report, do not retry), and the poll works normally
//! afterwards.
//!
//! This file is its own test binary because a signal handler is process-wide: the no-op
//! SIGUSR1 handler installed here (without `SA_RESTART`) must not leak into other tests.

use std::io;
use std::sync::{mpsc, Once};
use std::thread;
use std::time::{Duration, Instant};

use corium::sys::{syscall, Events, Poll, Token, Waker};

/// How long any wait for an expected outcome may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);
/// How often the signal is re-sent: it may land before the thread enters the kernel wait, in
/// which case it interrupts nothing and must be sent again.
const RESEND: Duration = Duration::from_millis(10);
const WAKE: Token = Token(1);

extern "C" fn on_sigusr1(_: libc::c_int) {}

/// Installs the no-op SIGUSR1 handler once for the whole binary.
fn install_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sigaction` is a plain C struct for which all-zero bytes are a valid value
        // (null handler, empty flags, zeroed mask that sigemptyset re-initialises below).
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = on_sigusr1 as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // No SA_RESTART: the kernel must report EINTR instead of restarting the call. (epoll
        // waits are never restarted anyway, but this keeps the test independent of that.)
        sa.sa_flags = 0;
        // SAFETY: `sa.sa_mask` is a valid, writable sigset_t.
        syscall!(sigemptyset(&mut sa.sa_mask)).unwrap();
        // SAFETY: `sa` is fully initialised, its handler is an `extern "C" fn(c_int)` that
        // does nothing (so it is async-signal-safe), and a null old-action pointer is allowed.
        syscall!(sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut())).unwrap();
    });
}

enum Outcome {
    Interrupted,
    Woken,
    Failed(io::Error),
}

/// Blocks a thread in `poll(timeout)`, signals it until it reports back, and asserts the poll
/// returned `Interrupted`; then checks the same poll still receives a wake.
fn assert_signal_interrupts_poll(timeout: Option<Duration>) {
    install_handler();
    let mut poll = Poll::new().unwrap();
    let waker = Waker::new(poll.registry(), WAKE).unwrap();

    let (outcome, mut poll) = thread::scope(|s| {
        let (id_tx, id_rx) = mpsc::channel();
        let (out_tx, out_rx) = mpsc::channel();
        // The thread stays alive until `ack_tx` is dropped, so its pthread_t is valid for
        // every pthread_kill below.
        let (ack_tx, ack_rx) = mpsc::channel::<()>();
        let poller = s.spawn(move || {
            // SAFETY: pthread_self has no preconditions.
            id_tx.send(unsafe { libc::pthread_self() }).unwrap();
            let mut events = Events::with_capacity(8);
            let outcome = loop {
                match poll.poll(&mut events, timeout) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => break Outcome::Interrupted,
                    Err(e) => break Outcome::Failed(e),
                    Ok(()) if events.iter().any(|e| e.token() == WAKE) => break Outcome::Woken,
                    // A timeout elapsed or a spurious return: wait again.
                    Ok(()) => {}
                }
            };
            out_tx.send(outcome).unwrap();
            let _ = ack_rx.recv();
            poll
        });

        let thread_id = id_rx.recv_timeout(DEADLINE).unwrap();
        let start = Instant::now();
        let outcome = loop {
            // SAFETY: `thread_id` names the poller thread, which cannot exit before `ack_tx`
            // is dropped below, so the id is valid; SIGUSR1 has a handler installed, so the
            // signal cannot kill the process.
            let rc = unsafe { libc::pthread_kill(thread_id, libc::SIGUSR1) };
            assert_eq!(rc, 0, "pthread_kill failed");
            match out_rx.recv_timeout(RESEND) {
                Ok(outcome) => break outcome,
                Err(mpsc::RecvTimeoutError::Timeout) if start.elapsed() < DEADLINE => {}
                Err(_) => {
                    // The signals never interrupted the poll: end it with a wake instead, so
                    // the test fails rather than hangs.
                    waker.wake().unwrap();
                    break out_rx.recv_timeout(DEADLINE).expect("poller gone");
                }
            }
        };
        drop(ack_tx);
        (outcome, poller.join().unwrap())
    });
    match outcome {
        Outcome::Interrupted => {}
        Outcome::Woken => panic!(
            "poll({timeout:?}) was never interrupted by SIGUSR1 within {DEADLINE:?} (ended by a wake)"
        ),
        Outcome::Failed(e) => {
            panic!("poll({timeout:?}) under SIGUSR1 must return Interrupted, got error {e:?}")
        }
    }

    // Interrupted is not broken: the next poll works and sees a wake.
    let mut events = Events::with_capacity(8);
    waker.wake().unwrap();
    poll.poll(&mut events, Some(DEADLINE)).unwrap();
    let tokens: Vec<Token> = events.iter().map(|e| e.token()).collect();
    assert_eq!(tokens, [WAKE]);
}

#[test]
fn signal_interrupts_blocking_poll() {
    assert_signal_interrupts_poll(None);
}

#[test]
fn signal_interrupts_poll_with_millisecond_timeout() {
    // A whole number of milliseconds: the epoll_wait path.
    assert_signal_interrupts_poll(Some(Duration::from_secs(60)));
}

#[test]
fn signal_interrupts_poll_with_sub_millisecond_precision_timeout() {
    // A fraction of a millisecond: the epoll_pwait2 path where the kernel has it.
    assert_signal_interrupts_poll(Some(Duration::from_secs(60) + Duration::from_micros(500)));
}
