#[corium::main]
fn main() {}
