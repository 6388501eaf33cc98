//! 1,000 children spawned and awaited concurrently, on each runtime flavour: every exit code
//! right, no zombie left, the fd count back where it started.
//!
//! One test function per file on purpose: the zombie and fd checks look at the whole process,
//! and another test running beside this one would disturb both.

mod common;

use std::time::{Duration, Instant};

use common::{fd_count, runtime, zombies};
use corium_os::process::Command;

const CHILDREN: usize = 1000;

/// What child `i` runs and the exit code it must report.
fn command(i: usize) -> (Command, i32) {
    match i % 3 {
        0 => (Command::new("true"), 0),
        1 => (Command::new("false"), 1),
        _ => {
            let code = (i % 100) as i32;
            let mut c = Command::new("sh");
            c.arg("-c").arg(format!("exit {code}"));
            (c, code)
        }
    }
}

fn thousand(multi: bool) {
    let rt = runtime(multi);
    rt.block_on(async {
        // Warm up: the first wait creates what lives for the whole process (the signal
        // self-pipe in the SIGCHLD mode), which must not count as a leak.
        Command::new("true").status().await.unwrap();
        let fds_before = fd_count();

        let start = Instant::now();
        let mut children = Vec::with_capacity(CHILDREN);
        for i in 0..CHILDREN {
            let (mut cmd, code) = command(i);
            children.push((cmd.spawn().unwrap(), code));
        }
        let waits: Vec<_> = children
            .into_iter()
            .map(|(mut child, code)| {
                corium_executor::spawn(async move { (child.wait().await.unwrap().code(), code) })
            })
            .collect();
        for w in waits {
            let (got, want) = corium_reactor::time::timeout(Duration::from_secs(60), w)
                .await
                .expect("every child is reaped within 60 s")
                .unwrap();
            assert_eq!(got, Some(want));
        }
        eprintln!(
            "{CHILDREN} children ({}) in {:?}",
            if multi {
                "multi-thread"
            } else {
                "current-thread"
            },
            start.elapsed()
        );
        assert_eq!(zombies(), Vec::<u32>::new(), "zombie children left");
        assert_eq!(fd_count(), fds_before, "fds leaked");
    });
}

#[test]
fn a_thousand_children_on_both_flavours_exit_right_and_leave_nothing_behind() {
    thousand(true);
    thousand(false);
}
