//! A `Child` dropped while running and outside any runtime goes to the orphan list, and the
//! next spawn reaps it. Alone in its file: any other test's spawn would sweep it first.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{exists, runtime};
use corium_os::process::Command;

#[test]
fn a_child_dropped_outside_any_runtime_is_swept_at_the_next_spawn() {
    let rt = runtime(false);
    let (mut child, stdin) = rt.block_on(async {
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        (child, stdin)
    });
    drop(rt);
    let pid = child.id().unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "cat waits for its stdin"
    );
    drop(child); // running, no runtime: into the orphan list
    drop(stdin); // now cat exits, and stays a zombie until someone reaps it
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        exists(pid),
        "nobody reaps without a runtime until the next sweep"
    );
    let rt = runtime(false);
    let until = Instant::now() + Duration::from_secs(10);
    while exists(pid) {
        assert!(Instant::now() < until, "orphan {pid} never swept");
        // Each spawn sweeps the orphan list.
        rt.block_on(async { Command::new("true").status().await.unwrap() });
    }
}
