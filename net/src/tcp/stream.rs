//! [`TcpStream`]: an async TCP connection, and the seed's connect walk.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use corium_reactor::{Interest, PollEvented, Ready};
use corium_selector_sys::net as sys;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::tcp::split::{split, ReadHalf, WriteHalf};
use crate::tcp::split_owned::{split_owned, OwnedReadHalf, OwnedWriteHalf};

/// A TCP connection driven by the corium reactor: [`AsyncRead`] and [`AsyncWrite`], plus the
/// readiness-level calls (`readable`, `try_read`, ...) for code that wants to drive the
/// syscalls itself.
///
/// Made by [`connect`](TcpStream::connect), by [`TcpListener::accept`](crate::TcpListener::accept),
/// by [`TcpSocket::connect`](crate::TcpSocket::connect), or from a std stream with
/// [`from_std`](TcpStream::from_std).
///
/// Reading and writing may happen from two tasks at once: every method takes `&self`, and the
/// reactor keeps one waker per direction. [`split`](TcpStream::split) and
/// [`into_split`](TcpStream::into_split) package that as two halves.
///
/// Dropping the stream deregisters it and closes the socket. If unread data is left in the
/// receive buffer, or [`set_zero_linger`](TcpStream::set_zero_linger) was called, the kernel
/// sends a reset instead of a FIN.
///
/// # Examples
///
/// ```
/// use corium_net::io::{AsyncReadExt, AsyncWriteExt};
/// use corium_net::{TcpListener, TcpStream};
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
///
/// let mut client = TcpStream::connect(addr).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub struct TcpStream {
    pub(super) io: PollEvented<sys::TcpStream>,
}

impl TcpStream {
    /// Registers an already connected (or connecting) nonblocking socket with the current
    /// reactor, for reading and writing.
    pub(crate) fn new(sys: sys::TcpStream) -> io::Result<TcpStream> {
        let io = PollEvented::new_with_interest(sys, Interest::READABLE | Interest::WRITABLE)?;
        Ok(TcpStream { io })
    }

    /// Wraps a connected std stream, switching it to nonblocking mode.
    ///
    /// Unlike tokio, which requires the caller to call `set_nonblocking(true)` first (and
    /// hangs a worker if they forget), corium sets the mode itself: a blocking socket inside
    /// the reactor is always a bug, so there is nothing to gain by making it the caller's job.
    ///
    /// # Errors
    ///
    /// The error of `fcntl` setting `O_NONBLOCK`; `Other` outside a runtime with I/O enabled.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(sys::TcpStream::from_std(stream))
    }

    /// Deregisters the stream and returns it as a std stream, **still in nonblocking mode**
    /// (as tokio does); call `set_nonblocking(false)` before handing it to blocking code.
    ///
    /// # Errors
    ///
    /// The selector's error deregistering the socket (the socket is closed then).
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        let sys = self.io.into_inner()?;
        Ok(std::net::TcpStream::from(OwnedFd::from(sys)))
    }

    /// The local address of the connection.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address of the connection.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the connection was reset; the OS error of `getpeername`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), clearing it.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt` itself; the socket's error is the `Ok(Some(_))` value.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits until the stream is ready for any of `interest`, and returns what is ready.
    ///
    /// The result holds the flags `interest` is woken by (for `WRITABLE` that includes
    /// [`Ready::ERROR`], a pending socket error). It may be a *false positive*: the next
    /// `try_*` call can still return `WouldBlock`, which clears the readiness so the next wait
    /// sleeps until a fresh event.
    /// [`Ready::is_read_closed`] means the peer sent its FIN (reads drain, then return 0);
    /// it is never set merely because the peer is quiet.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let event = self.io.registration().readiness(interest).await?;
        Ok(event.ready())
    }

    /// Waits until the stream is readable (data, end of stream, or an error to report).
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

    /// Polls for read readiness; on `Pending`, `cx`'s waker is stored (only the last task to
    /// poll this direction is woken).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_read_ready(cx).map_ok(drop)
    }

    /// Polls for write readiness; as [`poll_read_ready`](TcpStream::poll_read_ready).
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.registration().poll_write_ready(cx).map_ok(drop)
    }

    /// Reads into `buf` if the stream is readable, without waiting. `Ok(0)`: end of stream
    /// (or an empty `buf`).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no data is ready (the readiness is cleared: await
    /// [`readable`](TcpStream::readable) next); `ConnectionReset` after a reset; the OS error
    /// of `read`.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut sock| sock.read(buf))
    }

    /// Like [`try_read`](TcpStream::try_read), scattering into several buffers (`readv`).
    ///
    /// # Errors
    ///
    /// As [`try_read`](TcpStream::try_read).
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut sock| sock.read_vectored(bufs))
    }

    /// Writes from `buf` if the stream is writable, without waiting; returns how many bytes
    /// were written.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (await [`writable`](TcpStream::writable));
    /// `BrokenPipe` or `ConnectionReset` once the peer is gone; the OS error of `send`.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut sock| sock.write(buf))
    }

    /// Like [`try_write`](TcpStream::try_write), gathering several buffers (`sendmsg`).
    ///
    /// # Errors
    ///
    /// As [`try_write`](TcpStream::try_write).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut sock| sock.write_vectored(bufs))
    }

    /// Runs `f`, a nonblocking operation on this socket (through [`AsRawFd`]), if the stream
    /// is ready for `interest`; clears that readiness if `f` returns `WouldBlock`.
    ///
    /// `f` must only return `WouldBlock` when the socket really would block: a `WouldBlock`
    /// made up by `f` clears readiness that is still there, and the next wait sleeps through
    /// it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not ready (then `f` is not run); `Other` once the runtime shuts down;
    /// `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.registration().try_io(interest, f)
    }

    /// Waits for `interest`, runs `f`, and repeats while `f` returns `WouldBlock` (clearing
    /// the readiness each time); the same contract on `f` as [`try_io`](TcpStream::try_io).
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

    /// Receives data into `buf` without removing it from the socket's queue (`MSG_PEEK`):
    /// the next read returns the same bytes. Waits until data (or end of stream) is there.
    ///
    /// # Errors
    ///
    /// `ConnectionReset` after a reset; `Other` once the runtime shuts down; the OS error of
    /// `recv`.
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_net::io::{AsyncReadExt, AsyncWriteExt};
    /// use corium_net::{TcpListener, TcpStream};
    ///
    /// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    ///
    /// let mut peeked = [0; 5];
    /// let n = server.peek(&mut peeked).await?;
    /// let mut read = vec![0; n];
    /// server.read_exact(&mut read).await?;
    /// assert_eq!(&peeked[..n], &read[..]);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.peek(buf))
            .await
    }

    /// Polls to peek at received data (as [`peek`](TcpStream::peek)), filling `buf`'s
    /// unfilled part; returns how many bytes were peeked.
    ///
    /// # Errors
    ///
    /// As [`peek`](TcpStream::peek).
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        // Straight into the caller's (possibly uninitialised) memory, once readable.
        self.io
            .poll_read_io(cx, |sock| buf.fill_uninit(|b| sock.peek_uninit(b)))
    }

    /// Sets `TCP_NODELAY`: `true` sends small writes at once instead of letting Nagle's
    /// algorithm coalesce them.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `IP_TTL`, the time-to-live of outgoing packets.
    ///
    /// # Errors
    ///
    /// `InvalidInput` above 255; the OS error of `setsockopt`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads `IP_TTL`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes dropping the stream *abort* the
    /// connection: queued data is discarded and the peer gets a reset (`ConnectionReset`).
    /// `None` (the default) closes gracefully in the background.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.io.get_ref().set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.io.get_ref().linger()
    }

    /// Sets `SO_LINGER` to zero seconds, so that dropping the stream *aborts* the connection:
    /// unsent data is discarded and the peer gets a reset (`ConnectionReset`) instead of an
    /// end of stream. No `TIME_WAIT` state is left behind, and, unlike other linger values,
    /// closing never waits.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use corium_net::{TcpListener, TcpStream};
    ///
    /// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// stream.set_zero_linger()?;
    /// assert_eq!(stream.linger()?, Some(Duration::ZERO));
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.io.get_ref().set_linger(Some(Duration::ZERO))
    }

    /// Sets `TCP_QUICKACK`: `true` makes Linux acknowledge received data at once instead of
    /// delaying the ACK in the hope of sending it along with a reply. The kernel may turn it
    /// off again by itself as the connection goes on, so set it again where it matters.
    ///
    /// # Errors
    ///
    /// The OS error of `setsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        self.io.get_ref().set_quickack(quickack)
    }

    /// Reads `TCP_QUICKACK` (see [`set_quickack`](Self::set_quickack)).
    ///
    /// # Errors
    ///
    /// The OS error of `getsockopt`.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn quickack(&self) -> io::Result<bool> {
        self.io.get_ref().quickack()
    }

    /// Borrows the stream as a reading half and a writing half, usable concurrently (for
    /// example in two branches of one `select`/`join`). Free: the halves are two references.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits the stream into owned halves that can move to different tasks. Dropping the
    /// [`OwnedWriteHalf`] shuts the write direction down;
    /// [`reunite`](OwnedReadHalf::reunite) puts the halves back together. Costs one `Arc`.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    /// `shutdown(2)` on the socket, shared by the stream and its halves.
    ///
    /// `NotConnected` becomes `Ok(())`: the kernel answers it when the connection is already
    /// gone (the peer reset it, or the socket was shut down before, depending on the OS), and
    /// then the direction is as shut down as it will ever be. Without this, whether a shutdown
    /// fails would depend on whether a reset happened to arrive first. tokio does the same.
    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        match self.io.get_ref().shutdown(how) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }

    /// Reads what has arrived into `buf`'s next chunk without waiting, straight into its
    /// (possibly uninitialised) spare memory, and advances `buf` by the bytes read; returns
    /// that count (`0` at end of stream). Feature `bytes`.
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

    /// The read of `AsyncRead`, by shared reference (the halves read through it).
    #[inline]
    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            // Nothing can be read into a full buffer: do not wait for readiness to say so.
            return Poll::Ready(Ok(()));
        }
        // PollEvented's stream read: a short read also clears the read readiness. The read
        // goes straight into the caller's possibly uninitialised memory, and only once the
        // socket is readable: a `Pending` poll touches no byte of `buf`.
        let len = buf.remaining();
        ready!(self
            .io
            .poll_read_with(cx, len, |sock| buf.fill_uninit(|b| sock.read_uninit(b))))?;
        Poll::Ready(Ok(()))
    }

    /// The write of `AsyncWrite`, by shared reference.
    #[inline]
    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    /// The vectored write of `AsyncWrite`, by shared reference.
    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }
}

impl AsyncRead for TcpStream {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    #[inline]
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

    /// Nothing to do: every byte written is already in the kernel.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts down the write direction (the peer reads end of stream); reading goes on. A
    /// stream whose connection is already gone (reset by the peer) or already shut down
    /// returns `Ok(())`.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_std(Shutdown::Write))
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// As [`TcpStream::from_std`].
    fn try_from(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.get_ref().as_raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("fd", &self.as_raw_fd())
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
