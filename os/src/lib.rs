//! # corium-os
//!
//! What talks to the operating system beyond sockets: signals, child processes and files, each
//! resting on the reactor (signals and child exits become readiness) or on the blocking pool
//! (regular files, which epoll cannot wait on). Re-exported as `corium::signal`,
//! `corium::process` and `corium::fs`.
//!
//! Trace points of this crate report under the `net` layer (`CORIUM_TRACE=net`), prefixed
//! `signal:` or `process:`.

pub mod fs;
pub mod process;
pub mod signal;
