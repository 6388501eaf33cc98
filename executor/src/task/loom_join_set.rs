//! loom model of a `JoinSet`'s completion path: a task completing on another thread must
//! reach `join_next` — through the slot's join waker, the ready list and the set's waker —
//! however it interleaves with `join_next` installing that join waker and registering its own.
//!
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p corium-executor --lib --release loom`

use super::loom_local::block_on;
use super::loom_tests::{run_all, sched, spawn};
use super::JoinSet;
use loom::thread;

#[test]
fn loom_join_set_completion_vs_join_next() {
    loom::model(|| {
        let s = sched();
        let mut set = JoinSet::new();
        set.insert(spawn(&s, async { 7 }));
        let runner = s.clone();
        // Completes the task on another thread, waking its join waker from there.
        let other = thread::spawn(move || run_all(&runner));
        let out = block_on(set.join_next());
        assert_eq!(out.unwrap().unwrap(), 7);
        assert!(block_on(set.join_next()).is_none());
        other.join().unwrap();
    });
}
