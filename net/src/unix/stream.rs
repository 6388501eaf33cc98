//! [`UnixStream`]: an async Unix-domain stream.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::net as sys;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::unix::split::{split, split_owned, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::unix::{SocketAddr, UCred};

/// A Unix-domain stream socket driven by the corium reactor: [`AsyncRead`] and
/// [`AsyncWrite`], plus the readiness-level calls, as [`TcpStream`](crate::TcpStream).
///
/// # Examples
///
/// ```
/// use corium_net::io::{AsyncReadExt, AsyncWriteExt};
/// use corium_net::UnixStream;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct UnixStream {
    io: PollEvented<sys::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket listening at `path`: the nonblocking `connect(2)`, then (as in
    /// [`TcpStream::connect_sys`](crate::TcpStream::connect_sys)) wait for writable and read
    /// `SO_ERROR`.
    ///
    /// # Errors
    ///
    /// `NotFound` if no socket file is there, `ConnectionRefused` if nobody listens on it,
    /// `WouldBlock` if the listener's accept queue is full (Linux refuses rather than
    /// queueing), `InvalidInput` for a path too long for `sun_path`; `Other` outside a
    /// runtime with I/O enabled.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let stream = UnixStream::new(sys::UnixStream::connect(path)?)?;
        poll_fn(|cx| stream.io.registration().poll_write_ready(cx)).await?;
        if let Some(e) = stream.io.get_ref().take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    /// Two connected, unnamed streams (`socketpair`), both registered with the current
    /// reactor.
    ///
    /// # Errors
    ///
    /// The OS error of `socketpair` (`EMFILE`); `Other` outside a runtime with I/O enabled.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = sys::UnixStream::pair()?;
        Ok((UnixStream::new(a)?, UnixStream::new(b)?))
    }

    pub(crate) fn new(sys: sys::UnixStream) -> io::Result<UnixStream> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE | Interest::WRITABLE)?;
        Ok(UnixStream { io })
    }

    /// Wraps a connected std stream, switching it to nonblocking mode (see
    /// [`TcpStream::from_std`](crate::TcpStream::from_std)).
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(sys::UnixStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a std stream, still nonblocking.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        let sys = self.io.into_inner()?;
        Ok(std::os::unix::net::UnixStream::from(OwnedFd::from(sys)))
    }

    /// This socket's address (unnamed for a connecting socket that never bound).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The OS error of `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The credentials (uid, gid and, where the system reports it, pid) of the process at
    /// the other end, as recorded when the connection was made; see [`UCred`].
    ///
    /// # Errors
    ///
    /// The OS error of the query (`getsockopt(SO_PEERCRED)` on Linux, `getpeereid` on the
    /// BSDs and macOS); `Unsupported` on a system with no such query.
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_net::UnixStream;
    ///
    /// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
    /// let (a, _b) = UnixStream::pair()?;
    /// let cred = a.peer_cred()?;
    /// // SAFETY: getuid has no preconditions and cannot fail.
    /// assert_eq!(cred.uid(), unsafe { libc::getuid() });
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        self.io.get_ref().peer_cred().map(UCred::from)
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits until the stream is ready for any of `interest`; see
    /// [`TcpStream::ready`](crate::TcpStream::ready).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.registration().readiness(interest).await?.ready())
    }

    /// Waits until the stream is readable.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the stream is writable.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_read_ready(cx).map_ok(drop)
    }

    /// Polls for write readiness.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_write_ready(cx).map_ok(drop)
    }

    /// Reads if readable, without waiting; see [`TcpStream::try_read`](crate::TcpStream::try_read).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no data is ready; the OS error of `read`.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut sock| sock.read(buf))
    }

    /// Scatter-reads if readable, without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_read`](UnixStream::try_read).
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut sock| sock.read_vectored(bufs))
    }

    /// Writes if writable, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the buffer is full; `BrokenPipe` once the peer is gone.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut sock| sock.write(buf))
    }

    /// Gather-writes if writable, without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_write`](UnixStream::try_write).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut sock| sock.write_vectored(bufs))
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

    /// Waits and runs `f` until it does not return `WouldBlock`; see
    /// [`TcpStream::async_io`](crate::TcpStream::async_io).
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

    /// Borrows the stream as two halves usable concurrently.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits into owned halves; dropping the write half shuts down writing, and
    /// [`reunite`](OwnedReadHalf::reunite) undoes the split.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Reads what has arrived into `buf`'s next chunk without waiting (see
    /// [`TcpStream::try_read_buf`](crate::TcpStream::try_read_buf)). Feature `bytes`.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is there (the readiness is cleared); otherwise the OS error.
    #[cfg(feature = "bytes")]
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| {
            crate::io::util::recv_into_buf_mut(buf, |b| Ok((sock.read_uninit(b)?, ())))
                .map(|(n, ())| n)
        })
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // PollEvented's stream read: a short read also clears the read readiness; straight
        // into the caller's memory, only once readable (as TcpStream's).
        let len = buf.remaining();
        ready!(self
            .io
            .poll_read_with(cx, len, |sock| buf.fill_uninit(|b| sock.read_uninit(b))))?;
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the write direction (the peer reads end of stream).
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_std(Shutdown::Write))
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// As [`UnixStream::from_std`].
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
