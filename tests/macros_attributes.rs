//! `#[corium::test]` and `#[corium::main]` on the current-thread and multi-thread flavours:
//! each function checks, from inside, the runtime it was given; `Result` returns; the `crate`
//! option. (The `local` flavour and `start_paused` have files of their own; misuse is the
//! compile-fail suite in `macros/tests/ui/`.)

use std::error::Error;
use std::time::Duration;

use corium::runtime::{Handle, RuntimeFlavor};

/// The running runtime's flavour and worker count.
fn runtime() -> (RuntimeFlavor, usize) {
    let handle = Handle::current();
    (handle.runtime_flavor(), handle.metrics().num_workers())
}

#[corium::test]
async fn a_test_runs_on_a_current_thread_runtime_by_default() {
    assert_eq!(runtime(), (RuntimeFlavor::CurrentThread, 1));
    // `enable_all`: timers work.
    corium::time::sleep(Duration::from_millis(1)).await;
}

#[corium::test(flavor = "current_thread")]
async fn flavor_current_thread() {
    let here = std::thread::current().id();
    // Spawned tasks run on this very thread.
    let there = corium::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!((runtime().0, there), (RuntimeFlavor::CurrentThread, here));
}

#[corium::test(flavor = "multi_thread", worker_threads = 3)]
async fn flavor_multi_thread_with_worker_threads() {
    assert_eq!(runtime(), (RuntimeFlavor::MultiThread, 3));
}

#[corium::test(flavor = "multi_thread")]
async fn flavor_multi_thread_defaults_to_one_worker_per_cpu() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(runtime(), (RuntimeFlavor::MultiThread, cpus));
}

#[corium::test]
async fn a_test_may_return_a_result() -> Result<(), Box<dyn Error>> {
    // `?` converts into the declared error type: the body's output type is known up front.
    let listener = corium::net::TcpListener::bind("127.0.0.1:0").await?;
    let port: u16 = "0".parse()?;
    assert_ne!(listener.local_addr()?.port(), port);
    Ok(())
}

// The user's own attributes stay on the function, whatever their order.
#[corium::test]
#[should_panic(expected = "a panic in the body reaches the test harness")]
async fn a_panic_in_the_body_fails_the_test() {
    corium::task::yield_now().await;
    panic!("a panic in the body reaches the test harness");
}

/// A crate that re-exports corium under another path, as a framework would.
mod framework {
    pub use corium as rt;
}

#[corium::test(crate = "framework::rt")]
async fn the_crate_option_names_the_path_to_corium() {
    assert_eq!(runtime().0, RuntimeFlavor::CurrentThread);
}

// `#[corium::main]` on a function other than `main` builds the same synchronous function; the
// tests below call it like any other.

#[corium::main]
async fn main_defaults_to_multi_thread() -> RuntimeFlavor {
    runtime().0
}

#[corium::main(flavor = "current_thread")]
async fn main_current_thread(x: u32) -> Result<u32, std::num::ParseIntError> {
    Ok("41".parse::<u32>()? + x)
}

#[corium::main(worker_threads = 2)]
async fn main_with_two_workers() -> (RuntimeFlavor, usize) {
    runtime()
}

#[test]
fn main_builds_the_runtime_it_is_told_to() {
    assert_eq!(main_defaults_to_multi_thread(), RuntimeFlavor::MultiThread);
    assert_eq!(main_current_thread(1), Ok(42));
    assert_eq!(main_with_two_workers(), (RuntimeFlavor::MultiThread, 2));
}
