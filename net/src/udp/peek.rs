//! Looking at the next queued datagram without taking it (`MSG_PEEK`): its bytes, its sender,
//! or only its sender.
//!
//! A peek leaves the datagram at the head of the queue, so the socket stays readable and the
//! next receive (or peek) returns the same datagram. The readiness is cleared only when the
//! queue is empty (`WouldBlock`), exactly as for a receive.

use std::io;
use std::net::SocketAddr;
use std::task::{ready, Context, Poll};

use corium_reactor::Interest;

use crate::io::ReadBuf;
use crate::udp::UdpSocket;

impl UdpSocket {
    /// Copies the next datagram from the connected peer into `buf` (truncated to
    /// `buf.len()`) and returns the number of bytes copied, leaving the datagram queued.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.peek(buf))
            .await
    }

    /// Like [`recv_from`](UdpSocket::recv_from), but leaves the datagram queued
    /// (`MSG_PEEK`): the next receive returns it again.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.peek_from(buf))
            .await
    }

    /// Waits for a datagram and returns its sender's address, leaving the datagram queued.
    ///
    /// Useful to decide where a datagram goes (or how large a buffer it needs from a
    /// per-sender protocol) before receiving it.
    ///
    /// It is one `recvfrom(MSG_PEEK)` into a zero-length buffer: the kernel copies no
    /// payload but still fills in the sender's address. Without `MSG_TRUNC` the call returns
    /// the number of bytes *copied* (0), not the datagram's length, so that number is
    /// dropped. (Linux's `MSG_TRUNC` would report the real length, but it is not portable.)
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_net::UdpSocket;
    ///
    /// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"who?", b.local_addr()?).await?;
    ///
    /// assert_eq!(b.peek_sender().await?, a.local_addr()?);
    /// let mut buf = [0; 8];
    /// let (n, _) = b.recv_from(&mut buf).await?; // still there
    /// assert_eq!(&buf[..n], b"who?");
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Interest::READABLE, peek_sender_now).await
    }

    /// Peeks at a queued datagram from the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued (the readiness is cleared); otherwise as
    /// [`recv`](UdpSocket::recv).
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| sock.peek(buf))
    }

    /// Peeks at a queued datagram and its sender without waiting or dequeuing it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise the OS error of `recvfrom`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |sock| sock.peek_from(buf))
    }

    /// The sender of the queued datagram, without waiting or dequeuing it.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued (the readiness is cleared); otherwise the OS error
    /// of `recvfrom`.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, peek_sender_now)
    }

    /// Polls to copy the next datagram from the connected peer into `buf`'s unfilled part,
    /// leaving it queued.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // Straight into the caller's (possibly uninitialised) memory, once readable.
        ready!(self
            .io
            .poll_read_io(cx, |sock| buf.fill_uninit(|b| sock.peek_uninit(b))))?;
        Poll::Ready(Ok(()))
    }

    /// Polls to copy the next datagram into `buf`'s unfilled part, leaving it queued;
    /// returns its sender.
    ///
    /// On `Pending`, `cx`'s waker is woken when a datagram arrives; `buf` is untouched.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        // Straight into the caller's (possibly uninitialised) memory, once readable.
        self.io.poll_read_io(cx, |sock| {
            buf.fill_uninit_with(|b| sock.peek_from_uninit(b))
        })
    }

    /// Polls for the sender of the next datagram, leaving the datagram queued.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_io(cx, peek_sender_now)
    }
}

/// One `recvfrom(MSG_PEEK)` into an empty buffer: the sender of the queued datagram.
fn peek_sender_now(sock: &corium_selector_sys::net::UdpSocket) -> io::Result<SocketAddr> {
    sock.peek_from(&mut []).map(|(_copied, from)| from)
}
