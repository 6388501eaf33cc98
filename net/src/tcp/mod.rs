//! TCP: [`TcpStream`], [`TcpListener`], [`TcpSocket`], the halves of a split stream, and the
//! [`HappyEyeballs`] connector.
//!
//! Every type here is a nonblocking socket of [`corium_selector_sys::net`] inside a
//! [`PollEvented`](corium_reactor::PollEvented): operations run the syscall when the reactor
//! reports readiness, and wait for the next event when it returns `WouldBlock`. The module is
//! shaped like `tokio::net::tcp`, so a port renames the imports.
//!
//! Codemap: `stream.rs` (the connect walk, reads and writes), `listener.rs` (accept, and why
//! `EMFILE` keeps the readiness), `socket.rs` (options set before `bind`/`connect`),
//! `split.rs` and `split_owned.rs` (the halves), and `../happy_eyeballs.rs` (RFC 8305).

mod connect;
mod listener;
mod socket;
mod split;
mod split_owned;
mod stream;

pub use crate::happy_eyeballs::HappyEyeballs;
pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use stream::TcpStream;
