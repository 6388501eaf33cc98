//! # corium
//!
//! An async I/O stack written from the syscalls up. This facade re-exports the layers:
//!
//! * [`sys`] — the selector (epoll/kqueue), wakers and nonblocking sockets
//!   (`corium-selector-sys`).

pub use corium_selector_sys as sys;
