#[corium::test(flavor = "single_thread")]
async fn unknown_flavor() {}

#[corium::test(flavor = "multi_thread", worker_threads = "4")]
async fn worker_threads_is_a_number() {}

#[corium::test(flavor = "multi_thread", worker_threads = 0)]
async fn at_least_one_worker() {}

#[corium::test(start_paused = 1)]
async fn start_paused_is_a_bool() {}

#[corium::test(crate = "")]
async fn crate_is_a_path() {}

#[corium::test(flavor)]
async fn flavor_needs_a_value() {}

#[corium::test]
async fn tests_take_no_arguments(x: u8) {
    let _ = x;
}

#[corium::test]
#[test]
async fn one_test_attribute_is_enough() {}

fn main() {}
