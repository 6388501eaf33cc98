//! loom models of the task state machine: every interleaving of a wake, a completion, an
//! abort, a shutdown and a `JoinHandle` drop must drop the future exactly once, deliver or drop
//! the output exactly once, and never lose the join wake-up.
//!
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p corium-executor --lib --release loom`

use super::list::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Arc, Mutex};
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

pub(super) struct Sched {
    queue: Mutex<VecDeque<Notified<Arc<Sched>>>>,
    owned: OwnedTasks<Arc<Sched>>,
}

impl Schedule for Arc<Sched> {
    fn schedule(&self, task: Notified<Self>) {
        lock(&self.queue).push_back(task);
    }
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

pub(super) fn sched() -> Arc<Sched> {
    Arc::new(Sched {
        queue: Mutex::new(VecDeque::new()),
        owned: OwnedTasks::new(1),
    })
}

pub(super) fn spawn<F>(s: &Arc<Sched>, f: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (join, notified) = s.owned.bind(f, s.clone(), Id::next());
    if let Some(n) = notified {
        s.schedule(n);
    }
    join
}

pub(super) fn run_all(s: &Arc<Sched>) {
    loop {
        let Some(task) = lock(&s.queue).pop_front() else {
            return;
        };
        task.run();
    }
}

/// Counts drops (of a future or an output).
struct Guard(Arc<AtomicUsize>);
impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending on its first poll (handing its waker out), ready on the second.
struct Once {
    waker_slot: Arc<Mutex<Option<Waker>>>,
    polled: bool,
    _guard: Guard,
}

impl Future for Once {
    type Output = Guard;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard> {
        if self.polled {
            let counter = self._guard.0.clone();
            return Poll::Ready(Guard(counter));
        }
        self.polled = true;
        *lock(&self.waker_slot) = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct CountWaker(AtomicUsize);
impl Wake for CountWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn count_waker() -> (std::sync::Arc<CountWaker>, Waker) {
    let c = std::sync::Arc::new(CountWaker(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, super::JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// Spawns a `Once` and runs its first poll; returns the handle, its waker slot, and the
/// counters of future drops and output drops.
fn pending_task(
    s: &Arc<Sched>,
) -> (
    JoinHandle<Guard>,
    Arc<Mutex<Option<Waker>>>,
    Arc<AtomicUsize>,
) {
    let drops = Arc::new(AtomicUsize::new(0));
    let slot = Arc::new(Mutex::new(None));
    let join = spawn(
        s,
        Once {
            waker_slot: slot.clone(),
            polled: false,
            _guard: Guard(drops.clone()),
        },
    );
    run_all(s);
    (join, slot, drops)
}

#[test]
fn loom_wake_from_another_thread_vs_completion_and_join() {
    loom::model(|| {
        let s = sched();
        let (mut join, slot, drops) = pending_task(&s);
        let waker = lock(&slot).take().unwrap();
        let t = thread::spawn(move || waker.wake());
        // Meanwhile the join side registers its waker; the wake above eventually completes it.
        let (count, jw) = count_waker();
        let early = poll_join(&mut join, &jw);
        t.join().unwrap();
        run_all(&s);
        match early {
            Poll::Ready(_) => unreachable!("cannot complete before the wake was run"),
            Poll::Pending => assert_eq!(count.0.load(SeqCst), 1, "completion woke the join waker"),
        }
        let out = match poll_join(&mut join, &jw) {
            Poll::Ready(Ok(out)) => out,
            other => panic!(
                "expected the output, got {:?}",
                other.map(|r| r.map(|_| ()))
            ),
        };
        drop(out);
        // The future's own guard and the output guard, once each.
        assert_eq!(drops.load(SeqCst), 2);
    });
}

#[test]
fn loom_completion_vs_join_handle_drop() {
    loom::model(|| {
        let s = sched();
        let (join, slot, drops) = pending_task(&s);
        let waker = lock(&slot).take().unwrap();
        waker.wake();
        let s2 = s.clone();
        let t = thread::spawn(move || run_all(&s2));
        drop(join);
        t.join().unwrap();
        // Whoever came last dropped the output: exactly once, plus the future's guard.
        assert_eq!(drops.load(SeqCst), 2);
        assert_eq!(s.owned.len(), 0);
    });
}

#[test]
fn loom_join_waker_registration_vs_completion() {
    loom::model(|| {
        let s = sched();
        let (mut join, slot, drops) = pending_task(&s);
        lock(&slot).take().unwrap().wake();
        let s2 = s.clone();
        let t = thread::spawn(move || run_all(&s2));
        let (count, jw) = count_waker();
        let first = poll_join(&mut join, &jw);
        t.join().unwrap();
        if first.is_pending() {
            // Registered before completion: must have been woken (no lost join wake-up).
            assert_eq!(count.0.load(SeqCst), 1);
            assert!(poll_join(&mut join, &jw).is_ready());
        }
        drop(first);
        drop(join);
        assert_eq!(drops.load(SeqCst), 2);
    });
}

#[test]
fn loom_abort_vs_wake_and_run() {
    loom::model(|| {
        let s = sched();
        let (mut join, slot, drops) = pending_task(&s);
        let waker = lock(&slot).take().unwrap();
        let abort = join.abort_handle();
        let s2 = s.clone();
        let t = thread::spawn(move || {
            waker.wake();
            run_all(&s2);
        });
        abort.abort();
        t.join().unwrap();
        run_all(&s);
        let (_, jw) = count_waker();
        match poll_join(&mut join, &jw) {
            // Completed before the abort landed: the output is there.
            Poll::Ready(Ok(out)) => drop(out),
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            Poll::Pending => panic!("the task must be finished one way or the other"),
        }
        drop(join);
        let d = drops.load(SeqCst);
        assert!(
            d == 1 || d == 2,
            "future dropped once (+ the output if it completed): {d}"
        );
        assert_eq!(s.owned.len(), 0);
    });
}

#[test]
fn loom_shutdown_vs_running_task() {
    loom::model(|| {
        let s = sched();
        let (join, slot, drops) = pending_task(&s);
        lock(&slot).take().unwrap().wake();
        let s2 = s.clone();
        let t = thread::spawn(move || run_all(&s2));
        s.owned.close_and_shutdown_all();
        t.join().unwrap();
        run_all(&s);
        assert!(join.is_finished());
        drop(join);
        let d = drops.load(SeqCst);
        assert!(d == 1 || d == 2, "future dropped exactly once: {d}");
        assert_eq!(s.owned.len(), 0);
    });
}

#[test]
fn loom_shutdown_vs_spawn() {
    loom::model(|| {
        let s = sched();
        let s2 = s.clone();
        let drops = Arc::new(AtomicUsize::new(0));
        let d2 = drops.clone();
        let t = thread::spawn(move || {
            let guard = Guard(d2);
            spawn(&s2, async move { drop(guard) })
        });
        s.owned.close_and_shutdown_all();
        let join = t.join().unwrap();
        run_all(&s);
        // Either shutdown saw the task and cancelled it, or the spawn saw the closed list and
        // cancelled it itself, or it ran before: in every case it is finished and dropped.
        assert!(join.is_finished());
        assert_eq!(drops.load(SeqCst), 1);
        assert_eq!(s.owned.len(), 0);
    });
}
