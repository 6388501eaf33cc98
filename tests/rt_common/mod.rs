//! Shared helpers of the `rt_*` runtime tests: one macro runs a behaviour on both scheduler
//! flavours, a watchdog turns a hang into a failure, and a few tiny sync primitives let tests
//! observe events without sleeping.

#![allow(dead_code)]

pub mod io;

use corium_executor::runtime::{Builder, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Longest a single behaviour may take before it counts as hung.
pub const WATCHDOG: Duration = Duration::from_secs(60);

pub fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build a current-thread runtime")
}

pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build a multi-thread runtime")
}

/// Runtimes on which one task can starve another: everything shares a single thread (the
/// current-thread flavour, and a multi-thread runtime with one worker).
pub fn single_threaded_flavours() -> Vec<(&'static str, Runtime)> {
    vec![
        ("current_thread", current_thread()),
        (
            "multi_thread(1)",
            Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("build a one-worker multi-thread runtime"),
        ),
    ]
}

/// Runs `f` on its own thread and fails if it does not finish within [`WATCHDOG`].
#[track_caller]
pub fn watchdog<F: FnOnce() + Send + 'static>(f: F) {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => worker.join().expect("test body panicked"),
        // Disconnected: the body panicked; join to re-raise its panic message.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test hung for {WATCHDOG:?}"),
    }
}

/// Defines one `#[test]` per scheduler flavour, each under the watchdog.
#[macro_export]
macro_rules! both_flavors {
    ($(#[$meta:meta])* fn $name:ident($rt:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$meta])*
            #[test]
            fn current_thread() {
                $crate::rt_common::watchdog(|| {
                    let $rt = $crate::rt_common::current_thread();
                    $body
                });
            }

            $(#[$meta])*
            #[test]
            fn multi_thread() {
                $crate::rt_common::watchdog(|| {
                    let $rt = $crate::rt_common::multi_thread();
                    $body
                });
            }
        }
    };
}

/// A one-shot async signal: `wait().await` completes once `set()` was called, from any thread.
#[derive(Clone, Default)]
pub struct Signal(Arc<Mutex<(bool, Vec<Waker>)>>);

impl Signal {
    pub fn set(&self) {
        let wakers = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            std::mem::take(&mut s.1)
        };
        for w in wakers {
            w.wake();
        }
    }

    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap().0
    }

    pub fn wait(&self) -> Wait {
        Wait(self.clone())
    }
}

pub struct Wait(Signal);

impl Future for Wait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = (self.0).0.lock().unwrap();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1.push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Counts drops of the values it hands out.
#[derive(Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

pub struct DropGuard(Arc<AtomicUsize>);

impl DropCounter {
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }
    pub fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Returns the message of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Blocks the calling (non-runtime) thread until `signal` is set.
pub fn block_until(signal: &Signal) {
    let (tx, rx) = mpsc::channel::<()>();
    let waker = Waker::from(Arc::new(ChannelWaker(Mutex::new(tx))));
    let mut wait = signal.wait();
    let mut cx = Context::from_waker(&waker);
    while Pin::new(&mut wait).poll(&mut cx).is_pending() {
        let _ = rx.recv_timeout(WATCHDOG);
    }
}

struct ChannelWaker(Mutex<mpsc::Sender<()>>);

impl std::task::Wake for ChannelWaker {
    fn wake(self: Arc<Self>) {
        let _ = self.0.lock().unwrap().send(());
    }
}

/// Keeps every worker of a multi-thread runtime blocked until [`WorkerHold::release`], so a
/// task spawned meanwhile cannot be picked up by any worker. On a current-thread runtime it
/// does nothing: there, nothing runs while the `block_on` future does not yield.
pub struct WorkerHold {
    gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
}

impl WorkerHold {
    pub fn new(rt: &Runtime) -> WorkerHold {
        use corium_executor::runtime::RuntimeFlavor;
        let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        if rt.handle().runtime_flavor() == RuntimeFlavor::MultiThread {
            let workers = rt.metrics().num_workers();
            let entered = Arc::new(AtomicUsize::new(0));
            for _ in 0..workers {
                let (gate, entered) = (gate.clone(), entered.clone());
                rt.spawn(async move {
                    entered.fetch_add(1, SeqCst);
                    let (open, cv) = &*gate;
                    let mut open = open.lock().unwrap();
                    while !*open {
                        open = cv.wait(open).unwrap();
                    }
                });
            }
            // Each blocker occupies one worker for good once it has entered.
            while entered.load(SeqCst) < workers {
                std::thread::yield_now();
            }
        }
        WorkerHold { gate }
    }

    pub fn release(&self) {
        let (open, cv) = &*self.gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

impl Drop for WorkerHold {
    fn drop(&mut self) {
        self.release();
    }
}

/// Polls `fut` once: its output if it was ready, `None` if it is pending (its waker stays
/// registered with whatever it waits on).
pub async fn poll_once<F: Future + Unpin>(fut: F) -> Option<F::Output> {
    let mut fut = fut;
    std::future::poll_fn(move |cx| {
        Poll::Ready(match Pin::new(&mut fut).poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

/// Waits (bounded: [`WATCHDOG`]) until `cond` holds, for values the runtime updates just
/// after the event a test can observe (a task leaves the alive count right after its
/// `JoinHandle` is woken, not before).
#[track_caller]
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + WATCHDOG;
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
