//! `flavor = "local"`: a current-thread runtime on which `!Send` tasks spawn with
//! `spawn_local` anywhere in the body, for `#[corium::test]` and `#[corium::main]`.

use std::cell::Cell;
use std::rc::Rc;

use corium::runtime::{Handle, RuntimeFlavor};
use corium::task::spawn_local;

#[corium::test(flavor = "local")]
async fn a_local_test_spawns_tasks_that_are_not_send() {
    let shared = Rc::new(Cell::new(0));
    let task = spawn_local({
        let shared = shared.clone();
        async move { shared.set(shared.get() + 5) }
    });
    task.await.unwrap();
    assert_eq!(shared.get(), 5);
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
}

#[corium::main(flavor = "local")]
async fn local_main() -> Result<usize, corium::task::JoinError> {
    let here = std::thread::current().id();
    let tasks: Vec<_> = (0..3)
        .map(|i| spawn_local(async move { (Rc::new(i), std::thread::current().id()) }))
        .collect();
    let mut total = 0;
    for task in tasks {
        let (value, thread) = task.await?;
        assert_eq!(thread, here, "a local task ran on another thread");
        total += *value;
    }
    Ok(total)
}

#[test]
fn a_local_main_runs_its_tasks_on_its_own_thread() {
    assert_eq!(local_main().unwrap(), 3);
}

#[corium::test(flavor = "local", start_paused = true)]
async fn a_local_test_can_start_paused() {
    // Frozen while the thread really sleeps: a clock that is not paused fails here at once.
    let before = corium::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(
        corium::time::Instant::now(),
        before,
        "the clock is not paused"
    );
}
