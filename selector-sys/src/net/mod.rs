//! Nonblocking sockets: TCP, UDP and Unix domain, made from raw syscalls.
//!
//! The types and methods follow mio 1.x ([`TcpListener`], [`TcpStream`], [`UdpSocket`],
//! [`UnixListener`], [`UnixStream`], [`UnixDatagram`]); each is a [`Source`](crate::event::Source)
//! and owns exactly one file descriptor. [`TcpSocket`] is the step before a TCP listener or
//! stream: a socket whose options are set before it binds, listens or connects.
//!
//! # Nonblocking sockets
//!
//! Every socket is created **nonblocking** and **close-on-exec**. Nonblocking means no call
//! ever waits: where a blocking socket would sleep (no data to read, a full send buffer, no
//! queued connection), the call fails with [`WouldBlock`](std::io::ErrorKind::WouldBlock)
//! instead, and the event loop waits for a readiness event from [`Poll`](crate::Poll) before
//! trying again. Because registrations are edge-triggered, keep calling until `WouldBlock`
//! after each event. Close-on-exec keeps the descriptor from leaking into child processes.
//!
//! Where the OS allows, both flags are set by the creating call itself, so no other thread's
//! `fork` + `exec` can catch the descriptor in between:
//!
//! | OS | create | accept |
//! |----|--------|--------|
//! | Linux, Android, FreeBSD, NetBSD, OpenBSD, DragonFly | `socket(…, SOCK_NONBLOCK \| SOCK_CLOEXEC)` | `accept4(…, SOCK_NONBLOCK \| SOCK_CLOEXEC)` |
//! | Apple (macOS, iOS, …) | `socket`, then `fcntl(O_NONBLOCK)`, `fcntl(FD_CLOEXEC)`, `SO_NOSIGPIPE` | `accept`, then the same three |
//!
//! # Connecting without blocking: `EINPROGRESS`
//!
//! A nonblocking `connect` cannot wait for the TCP handshake, so the kernel starts it and
//! returns `EINPROGRESS`. [`TcpStream::connect`] treats that as success and returns a stream
//! that is *still connecting*. When the handshake ends, one way or the other, the socket
//! becomes **writable**. Only then does [`TcpStream::take_error`] tell the outcome: `None`
//! (connected) or the reason it failed, such as `ConnectionRefused`. Writing before the
//! writable event returns `WouldBlock` (or `NotConnected`).
//!
//! # `SO_REUSEADDR`
//!
//! [`TcpListener::bind`] sets `SO_REUSEADDR` before `bind`. Without it, a server restarted
//! right after exiting cannot bind its port for a minute or more, because its old
//! connections linger in `TIME_WAIT`. It does not let two live listeners share a port.
//!
//! # Writing to a closed peer: `MSG_NOSIGNAL` and `SO_NOSIGPIPE`
//!
//! Writing to a stream whose peer has closed raises the `SIGPIPE` signal, whose default
//! action kills the whole process: one client vanishing must not take a server down. So
//! every socket send uses `MSG_NOSIGNAL` (on Apple, where that flag is not honoured, each
//! socket gets `SO_NOSIGPIPE` when created) and the write just returns
//! [`BrokenPipe`](std::io::ErrorKind::BrokenPipe). Vectored writes go through `sendmsg` for
//! the same reason: `writev` takes no flags.
//!
//! # Layout
//!
//! `addr.rs` converts addresses (Rust `SocketAddr` ⇄ `sockaddr_in`/`sockaddr_in6`/`sockaddr_un`)
//! in one place; `socket.rs` holds every socket syscall, and `options.rs` the less common
//! options (TOS, traffic class, quick ACK, device binding) built on its `setsockopt`/`getsockopt`;
//! `fd.rs` the calls any descriptor takes and the trait impls every type shares; `tcp.rs`, `tcp_socket.rs`, `udp.rs` and
//! `uds.rs` are thin typed layers on top. Pipes are in [`crate::unix::pipe`].

mod addr;
pub(crate) mod fd;
mod options;
mod peer_cred;
mod socket;
mod tcp;
mod tcp_socket;
mod udp;
mod uds;
mod unix_socket;

pub use peer_cred::PeerCred;
pub use tcp::{TcpListener, TcpStream};
pub use tcp_socket::TcpSocket;
pub use udp::UdpSocket;
pub use uds::{UnixDatagram, UnixListener, UnixStream};
pub use unix_socket::UnixSocket;
