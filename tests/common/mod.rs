//! Helpers shared by the behaviour tests. Each test binary compiles this module on its own and
//! uses only part of it, hence the `dead_code` and `unused_imports` allowance.
#![allow(dead_code, unused_imports)]

mod event_log;
mod threads;

pub use event_log::{EventLog, Seen, DEADLINE};
pub use threads::{current_tid, wait_until_in_poll};
