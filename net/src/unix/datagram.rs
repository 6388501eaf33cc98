//! [`UnixDatagram`]: async Unix-domain datagrams.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::net as sys;

#[cfg(feature = "bytes")]
use crate::io::util::recv_into_buf_mut;
use crate::io::ReadBuf;
use crate::unix::SocketAddr;

/// A Unix-domain datagram socket driven by the corium reactor. Unlike UDP, datagrams are never
/// lost or reordered: a full receiver makes the sender wait (its send is `Pending` until the
/// receiver drains).
///
/// # Examples
///
/// ```
/// use corium_net::UnixDatagram;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"one").await?;
/// let mut buf = [0; 8];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixDatagram {
    io: PollEvented<sys::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path` (which must not exist yet).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists, `InvalidInput` for a path too long for `sun_path`;
    /// `Other` outside a runtime with I/O enabled.
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        UnixDatagram::new(sys::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address: it can send (with [`send_to`](UnixDatagram::send_to), or
    /// [`send`](UnixDatagram::send) after [`connect`](UnixDatagram::connect)), but nobody can
    /// address a reply to it.
    ///
    /// # Errors
    ///
    /// The OS error of `socket`; `Other` outside a runtime with I/O enabled.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::new(sys::UnixDatagram::unbound()?)
    }

    /// Two connected, unnamed sockets (`socketpair`).
    ///
    /// # Errors
    ///
    /// The OS error of `socketpair`; `Other` outside a runtime with I/O enabled.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = sys::UnixDatagram::pair()?;
        Ok((UnixDatagram::new(a)?, UnixDatagram::new(b)?))
    }

    pub(crate) fn new(sys: sys::UnixDatagram) -> io::Result<UnixDatagram> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE | Interest::WRITABLE)?;
        Ok(UnixDatagram { io })
    }

    /// Wraps a std socket, switching it to nonblocking mode.
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        UnixDatagram::new(sys::UnixDatagram::from_std(socket))
    }

    /// Deregisters the socket and returns it as a std socket, still nonblocking.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        let sys = self.io.into_inner()?;
        Ok(std::os::unix::net::UnixDatagram::from(OwnedFd::from(sys)))
    }

    /// Sets the default peer to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound`/`ConnectionRefused` if no socket is bound there; `InvalidInput` for a path
    /// too long.
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer, waiting while its queue is full.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer; `ConnectionRefused` once the peer is gone; `Other` once
    /// the runtime shuts down.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, |sock| sock.send(buf))
            .await
    }

    /// Receives one datagram.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; the OS error of `recv`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.recv(buf))
            .await
    }

    /// Sends one datagram to the socket at `path`, waiting while its queue is full.
    ///
    /// # Errors
    ///
    /// `NotFound`/`ConnectionRefused` if no socket is bound there; `InvalidInput` for a path
    /// too long; `Other` once the runtime shuts down.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        self.io
            .async_io(Interest::WRITABLE, |sock| sock.send_to(buf, path))
            .await
    }

    /// Receives one datagram and its sender's address (unnamed if the sender is unbound).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; the OS error of `recvfrom`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.recv_from(buf))
            .await
    }

    /// Sends to the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the peer's queue is full; otherwise as [`send`](UnixDatagram::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |sock| sock.send(buf))
    }

    /// Receives without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise as [`recv`](UnixDatagram::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| sock.recv(buf))
    }

    /// Sends to `path` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the receiver's queue is full; otherwise as
    /// [`send_to`](UnixDatagram::send_to).
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |sock| sock.send_to(buf, path))
    }

    /// Receives a datagram and its sender without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise as [`recv_from`](UnixDatagram::recv_from).
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |sock| sock.recv_from(buf))
    }

    /// Polls to receive a datagram into `buf`'s unfilled part.
    ///
    /// # Errors
    ///
    /// As [`recv`](UnixDatagram::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // Straight into the caller's (possibly uninitialised) memory, once readable.
        ready!(self
            .io
            .poll_read_io(cx, |sock| buf.fill_uninit(|b| sock.recv_uninit(b))))?;
        Poll::Ready(Ok(()))
    }

    /// Polls to send a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// As [`send`](UnixDatagram::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_io(cx, |sock| sock.send(buf))
    }

    /// Polls to receive a datagram into `buf`'s unfilled part; returns the sender.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UnixDatagram::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        // Straight into the caller's (possibly uninitialised) memory, once readable.
        self.io.poll_read_io(cx, |sock| {
            buf.fill_uninit_with(|b| sock.recv_from_uninit(b))
        })
    }

    /// Polls to send a datagram to `path`.
    ///
    /// # Errors
    ///
    /// As [`send_to`](UnixDatagram::send_to).
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: P,
    ) -> Poll<io::Result<usize>> {
        let path = path.as_ref();
        self.io.poll_write_io(cx, |sock| sock.send_to(buf, path))
    }

    /// Waits until the socket is ready for any of `interest`.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until a datagram may be received.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a datagram may be sent.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Runs `f` if ready for `interest`; see [`TcpStream::try_io`](crate::TcpStream::try_io).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not ready; `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().try_io(interest, f)
    }

    /// Waits and runs `f` until it does not return `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; `f`'s error other than `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().async_io(interest, f).await
    }

    /// This socket's address.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down reading, writing, or both.
    ///
    /// # Errors
    ///
    /// The OS error of `shutdown`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// As [`UnixDatagram::from_std`].
    fn try_from(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// Feature `bytes`: datagrams received straight into a `bytes::BufMut`'s next chunk, possibly
/// uninitialised spare memory, which is then advanced by the datagram's length. As with the
/// slice forms, a datagram longer than the chunk is truncated.
#[cfg(feature = "bytes")]
impl UnixDatagram {
    /// Waits for a datagram from the connected peer and appends it to `buf`; returns its
    /// length.
    ///
    /// # Errors
    ///
    /// As [`recv`](UnixDatagram::recv).
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |sock| {
                recv_into_buf_mut(buf, |b| Ok((sock.recv_uninit(b)?, ()))).map(|(n, ())| n)
            })
            .await
    }

    /// Waits for a datagram and appends it to `buf`; returns its length and sender.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UnixDatagram::recv_from).
    pub async fn recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |sock| {
                recv_into_buf_mut(buf, |b| sock.recv_from_uninit(b))
            })
            .await
    }

    /// Appends a queued datagram from the connected peer to `buf` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; otherwise as [`recv`](UnixDatagram::recv).
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| {
            recv_into_buf_mut(buf, |b| Ok((sock.recv_uninit(b)?, ()))).map(|(n, ())| n)
        })
    }

    /// Appends a queued datagram to `buf` without waiting; returns its length and sender.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; otherwise as [`recv_from`](UnixDatagram::recv_from).
    pub fn try_recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |sock| {
            recv_into_buf_mut(buf, |b| sock.recv_from_uninit(b))
        })
    }
}
