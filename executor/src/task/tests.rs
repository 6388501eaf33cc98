//! Unit tests of the task module against a minimal single-threaded scheduler.
//!
//! They are small on purpose: they also run under Miri (see the crate README for the command),
//! which checks every pointer cast, reference count and deallocation in `raw`/`harness`.

use super::list::OwnedTasks;
use super::{Id, JoinError, JoinHandle, Notified, Schedule, Task};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

struct TestSched {
    queue: Mutex<VecDeque<Notified<Arc<TestSched>>>>,
    owned: OwnedTasks<Arc<TestSched>>,
    yields: AtomicUsize,
}

impl Schedule for Arc<TestSched> {
    fn schedule(&self, task: Notified<Self>) {
        self.queue.lock().unwrap().push_back(task);
    }
    fn yield_now(&self, task: Notified<Self>) {
        self.yields.fetch_add(1, SeqCst);
        self.schedule(task);
    }
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

fn sched() -> Arc<TestSched> {
    Arc::new(TestSched {
        queue: Mutex::new(VecDeque::new()),
        owned: OwnedTasks::new(2),
        yields: AtomicUsize::new(0),
    })
}

fn spawn<F>(s: &Arc<TestSched>, f: F) -> JoinHandle<F::Output>
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

/// Runs queued tasks until the queue is empty; returns how many polls happened.
fn run_all(s: &Arc<TestSched>) -> usize {
    let mut n = 0;
    loop {
        let Some(task) = s.queue.lock().unwrap().pop_front() else {
            return n;
        };
        task.run();
        n += 1;
    }
}

fn queued(s: &Arc<TestSched>) -> usize {
    s.queue.lock().unwrap().len()
}

/// Counts wakes.
struct CountWaker(AtomicUsize);
impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountWaker>, Waker) {
    let c = Arc::new(CountWaker(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// A future that stays pending until `open` is called, and hands its waker out.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    fn open(&self) {
        let waker = {
            let mut g = self.0.lock().unwrap();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
    fn take_waker(&self) -> Option<Waker> {
        self.0.lock().unwrap().1.take()
    }
}

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = self.0.lock().unwrap();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn output_reaches_the_join_handle_and_wakes_its_waker() {
    let s = sched();
    let gate = Gate::default();
    let g = gate.clone();
    let mut join = spawn(&s, async move {
        g.await;
        7
    });
    let (count, waker) = counting_waker();
    assert!(poll_join(&mut join, &waker).is_pending());
    assert_eq!(run_all(&s), 1);
    assert!(!join.is_finished());
    gate.open();
    assert_eq!(queued(&s), 1, "the wake queued the task once");
    run_all(&s);
    assert!(join.is_finished());
    assert_eq!(count.0.load(SeqCst), 1, "completion woke the join waker");
    assert_eq!(
        poll_join(&mut join, &waker).map(Result::unwrap),
        Poll::Ready(7)
    );
    assert_eq!(s.owned.len(), 0);
}

#[test]
fn a_replaced_join_waker_is_the_one_woken() {
    let s = sched();
    let gate = Gate::default();
    let mut join = spawn(&s, gate.clone());
    let (first, w1) = counting_waker();
    let (second, w2) = counting_waker();
    assert!(poll_join(&mut join, &w1).is_pending());
    assert!(poll_join(&mut join, &w2).is_pending());
    run_all(&s);
    gate.open();
    run_all(&s);
    assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 1));
    assert!(poll_join(&mut join, &w2).is_ready());
}

#[test]
fn wakes_are_deduplicated_by_notified() {
    let s = sched();
    let gate = Gate::default();
    let _join = spawn(&s, gate.clone());
    run_all(&s);
    let waker = gate.take_waker().unwrap();
    waker.wake_by_ref();
    waker.wake_by_ref();
    let by_value = waker.clone();
    by_value.wake();
    assert_eq!(queued(&s), 1);
    gate.open();
    run_all(&s);
    drop(waker);
}

#[test]
fn self_wake_during_poll_goes_through_yield_now() {
    let s = sched();
    let join = spawn(&s, async {
        super::yield_now().await;
        super::yield_now().await;
    });
    assert_eq!(run_all(&s), 3);
    assert_eq!(s.yields.load(SeqCst), 2);
    assert!(join.is_finished());
}

/// A future that polls its inner future with its own counting waker, as a combinator does.
struct WithWaker<F> {
    inner: Pin<Box<F>>,
    waker: Waker,
}

impl<F: Future> Future for WithWaker<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<F::Output> {
        let waker = self.waker.clone();
        self.inner.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

#[test]
fn yield_under_a_foreign_waker_wakes_that_waker_and_does_not_requeue_the_task() {
    let s = sched();
    let (count, waker) = counting_waker();
    let join = spawn(
        &s,
        WithWaker {
            inner: Box::pin(super::yield_now()),
            waker,
        },
    );
    assert_eq!(run_all(&s), 1);
    // The yield went to the waker the future was polled with: the task itself was not woken,
    // so it sits idle until that waker's owner polls it again.
    assert_eq!(count.0.load(SeqCst), 1);
    assert_eq!(s.yields.load(SeqCst), 0);
    assert!(!join.is_finished());
    drop(join);
    // Idle and unqueued: only shutdown frees it.
    s.owned.close_and_shutdown_all();
    assert_eq!(run_all(&s), 0);
}

#[test]
fn yield_outside_any_task_wakes_the_waker() {
    let (count, waker) = counting_waker();
    let mut fut = Box::pin(super::yield_now());
    let mut cx = Context::from_waker(&waker);
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(fut.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn dropped_join_handle_detaches_and_the_output_is_dropped_by_the_completer() {
    let s = sched();
    let drops = Arc::new(AtomicUsize::new(0));
    let gate = Gate::default();
    let (g, d) = (gate.clone(), drops.clone());
    let (count, waker) = counting_waker();
    let mut join = spawn(&s, async move {
        g.await;
        DropCount(d)
    });
    assert!(poll_join(&mut join, &waker).is_pending());
    drop(join);
    run_all(&s);
    assert_eq!(drops.load(SeqCst), 0, "detached, not cancelled");
    gate.open();
    run_all(&s);
    assert_eq!(
        drops.load(SeqCst),
        1,
        "the completer dropped the unclaimed output"
    );
    assert_eq!(count.0.load(SeqCst), 0, "nobody is waiting any more");
}

#[test]
fn join_handle_dropped_after_completion_drops_the_output() {
    let s = sched();
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    let join = spawn(&s, async move { DropCount(d) });
    run_all(&s);
    assert_eq!(drops.load(SeqCst), 0, "kept for the JoinHandle");
    drop(join);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn abort_before_first_poll_drops_the_future_unpolled() {
    let s = sched();
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(drops.clone());
    let polled = Arc::new(AtomicUsize::new(0));
    let p = polled.clone();
    let mut join = spawn(&s, async move {
        p.fetch_add(1, SeqCst);
        drop(guard);
    });
    join.abort();
    join.abort();
    run_all(&s);
    assert_eq!((polled.load(SeqCst), drops.load(SeqCst)), (0, 1));
    let (_, waker) = counting_waker();
    let Poll::Ready(Err(err)) = poll_join(&mut join, &waker) else {
        panic!("expected a cancelled error")
    };
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(err.id(), join.id());
    assert!(err.to_string().contains("was cancelled"), "{err}");
}

#[test]
fn abort_while_pending_schedules_the_cancellation() {
    let s = sched();
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(drops.clone());
    let gate = Gate::default();
    let g = gate.clone();
    let abort = {
        let join = spawn(&s, async move {
            g.await;
            drop(guard);
        });
        run_all(&s);
        let abort = join.abort_handle();
        drop(join);
        abort
    };
    assert_eq!(queued(&s), 0);
    abort.abort();
    assert_eq!(queued(&s), 1, "an idle task is queued so a worker drops it");
    assert!(!abort.is_finished());
    run_all(&s);
    assert!(abort.is_finished());
    assert_eq!(drops.load(SeqCst), 1);
    gate.open(); // The stale waker held by the gate is released without effect.
    assert_eq!(queued(&s), 0);
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let s = sched();
    let mut join = spawn(&s, async { "kept" });
    run_all(&s);
    join.abort();
    assert_eq!(queued(&s), 0);
    let (_, waker) = counting_waker();
    assert_eq!(
        poll_join(&mut join, &waker).map(Result::unwrap),
        Poll::Ready("kept")
    );
}

#[test]
fn a_panicking_poll_becomes_a_join_error_with_the_payload() {
    let s = sched();
    let mut join = spawn(&s, async {
        if Id::next().0 > 0 {
            panic!("task exploded");
        }
    });
    // Silence the default hook's message for the expected panic.
    let res = catch_unwind(AssertUnwindSafe(|| run_all(&s)));
    assert!(res.is_ok(), "the panic must not reach the scheduler");
    let (_, waker) = counting_waker();
    let Poll::Ready(Err(err)) = poll_join(&mut join, &waker) else {
        panic!("expected a panic error")
    };
    assert!(err.is_panic() && !err.is_cancelled());
    assert!(format!("{err:?}").contains("task exploded"));
    assert!(
        err.to_string()
            .contains("panicked with message \"task exploded\""),
        "{err}"
    );
    let payload = err.into_panic();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "task exploded");
}

#[test]
fn a_panicking_destructor_during_cancel_is_reported_as_panic() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop exploded");
        }
    }
    let s = sched();
    let bomb = Bomb;
    let mut join = spawn(&s, async move {
        std::future::pending::<()>().await;
        drop(bomb);
    });
    run_all(&s);
    join.abort();
    run_all(&s);
    let (_, waker) = counting_waker();
    let Poll::Ready(Err(err)) = poll_join(&mut join, &waker) else {
        panic!("expected an error")
    };
    let err = err
        .try_into_panic()
        .expect("a panicking destructor is a panic");
    assert_eq!(*err.downcast::<&str>().unwrap(), "drop exploded");
}

#[test]
fn shutdown_cancels_listed_tasks_and_refuses_new_ones() {
    let s = sched();
    let drops = Arc::new(AtomicUsize::new(0));
    let joins: Vec<_> = (0..4)
        .map(|_| {
            let guard = DropCount(drops.clone());
            spawn(&s, async move {
                std::future::pending::<()>().await;
                drop(guard);
            })
        })
        .collect();
    run_all(&s);
    s.owned.close_and_shutdown_all();
    assert_eq!(drops.load(SeqCst), 4);
    assert!(s.owned.is_closed() && s.owned.len() == 0);
    let late_guard = DropCount(drops.clone());
    let mut late = spawn(&s, async move { drop(late_guard) });
    assert_eq!(
        drops.load(SeqCst),
        5,
        "spawn after close drops the future at once"
    );
    assert_eq!(queued(&s), 0);
    let (_, waker) = counting_waker();
    for mut j in joins {
        assert!(matches!(poll_join(&mut j, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
    }
    assert!(matches!(poll_join(&mut late, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn shutdown_while_queued_leaves_a_stale_entry_that_is_skipped() {
    let s = sched();
    let polled = Arc::new(AtomicUsize::new(0));
    let p = polled.clone();
    let join = spawn(&s, async move {
        p.fetch_add(1, SeqCst);
    });
    s.owned.close_and_shutdown_all();
    assert!(join.is_finished());
    assert_eq!(queued(&s), 1);
    run_all(&s);
    assert_eq!(polled.load(SeqCst), 0);
}

#[test]
fn a_waker_outliving_its_task_is_harmless() {
    let s = sched();
    let gate = Gate::default();
    let join = spawn(&s, gate.clone());
    run_all(&s);
    let waker = gate.take_waker().unwrap();
    gate.open();
    waker.wake_by_ref();
    run_all(&s);
    drop(join);
    // The task is complete and only this waker keeps the allocation alive.
    waker.wake_by_ref();
    let clone = waker.clone();
    drop(waker);
    assert_eq!(queued(&s), 0);
    clone.wake();
}

#[test]
fn unowned_tasks_run_and_shut_down() {
    struct Unowned;
    impl Schedule for Arc<Unowned> {
        fn schedule(&self, _task: Notified<Self>) {
            unreachable!("blocking-style tasks are never woken")
        }
        fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
            None
        }
    }
    let sched = Arc::new(Unowned);
    let (notified, mut join) = super::unowned(async { 5 }, sched.clone(), Id::next());
    notified.run();
    let (_, waker) = counting_waker();
    assert_eq!(
        poll_join(&mut join, &waker).map(Result::unwrap),
        Poll::Ready(5)
    );
    let (notified, mut join) = super::unowned(async { 6 }, sched, Id::next());
    notified.shutdown();
    assert!(matches!(poll_join(&mut join, &waker), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn join_error_converts_to_io_error() {
    let err = JoinError::cancelled(Id(9));
    assert_eq!(format!("{err:?}"), "JoinError::Cancelled(Id(9))");
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Interrupted);
    assert!(io.to_string().contains("task 9 was cancelled"));
}
