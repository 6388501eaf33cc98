//! Unix-domain sockets: [`UnixStream`], [`UnixListener`], [`UnixDatagram`], and the halves of
//! a split stream; and [`pipe`]: pipes and FIFOs on the reactor.
//!
//! They work like their TCP and UDP counterparts (a nonblocking selector socket in a
//! [`PollEvented`](corium_reactor::PollEvented)), with filesystem paths (or, on Linux, abstract
//! names) for addresses. Binding creates the socket file and nothing here removes it: delete
//! it yourself when done, as with std.

mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::UnixStream;
pub use ucred::UCred;

/// The address of a Unix-domain socket: std's type (a path, unnamed, or an abstract name).
pub use std::os::unix::net::SocketAddr;
