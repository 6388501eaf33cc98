#[corium::main(flavor = "current_thread", worker_threads = 2)]
async fn main() {}

#[corium::test(worker_threads = 2)]
async fn tests_default_to_current_thread() {}

#[corium::test(flavor = "local", worker_threads = 2)]
async fn local_is_single_threaded_too() {}
