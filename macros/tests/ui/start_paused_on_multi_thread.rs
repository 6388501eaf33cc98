#[corium::main(start_paused = true)]
async fn main() {}

#[corium::test(flavor = "multi_thread", start_paused = true)]
async fn paused_test() {}
