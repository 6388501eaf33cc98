//! Sending and receiving datagrams: the waiting (`async`), non-waiting (`try_*`) and polled
//! (`poll_*`) forms of `send`/`recv` and `send_to`/`recv_from`.

use std::io;
use std::net::SocketAddr;
use std::task::{ready, Context, Poll};

use corium_reactor::Interest;

use crate::addr::{no_addresses, to_socket_addrs, ToSocketAddrs};
#[cfg(feature = "bytes")]
use crate::io::util::recv_into_buf_mut;
use crate::io::ReadBuf;
use crate::udp::UdpSocket;

impl UdpSocket {
    /// Sends one datagram to the connected peer; returns its length.
    ///
    /// # Errors
    ///
    /// `NotConnected` before [`connect`](UdpSocket::connect); `ConnectionRefused` when an
    /// earlier datagram was answered by an ICMP "port unreachable"; `Other` once the runtime
    /// shuts down; the OS error of `send`.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, |sock| sock.send(buf))
            .await
    }

    /// Receives one datagram from the connected peer into `buf`; returns its length
    /// (truncated to `buf.len()`).
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` (see [`send`](UdpSocket::send)); `Other` once the runtime shuts
    /// down; the OS error of `recv`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.recv(buf))
            .await
    }

    /// Sends one datagram to `target` (resolved first; the first address is used).
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `target` names no address; the resolver's error; the OS error of
    /// `sendto` (`NetworkUnreachable`, `InvalidInput` for a family mismatch, ...).
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = to_socket_addrs(target)
            .await?
            .next()
            .ok_or_else(no_addresses)?;
        self.io
            .async_io(Interest::WRITABLE, |sock| sock.send_to(buf, target))
            .await
    }

    /// Receives one datagram and its sender's address.
    ///
    /// # Errors
    ///
    /// `Other` once the runtime shuts down; the OS error of `recvfrom`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |sock| sock.recv_from(buf))
            .await
    }

    /// Sends to the connected peer if the socket is writable, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not writable (the readiness is cleared); otherwise as
    /// [`send`](UdpSocket::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |sock| sock.send(buf))
    }

    /// Receives from the connected peer if a datagram is queued, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued (the readiness is cleared: await
    /// [`readable`](UdpSocket::readable) next); otherwise as [`recv`](UdpSocket::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| sock.recv(buf))
    }

    /// Sends to `target` if the socket is writable, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not writable; otherwise the OS error of `sendto`.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |sock| sock.send_to(buf, target))
    }

    /// Receives a datagram and its sender's address if one is queued, without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if nothing is queued; otherwise the OS error of `recvfrom`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |sock| sock.recv_from(buf))
    }

    /// Polls to receive a datagram from the connected peer into `buf`'s unfilled part.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
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
    /// As [`send`](UdpSocket::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_io(cx, |sock| sock.send(buf))
    }

    /// Polls to receive a datagram into `buf`'s unfilled part; returns the sender.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](UdpSocket::recv_from).
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

    /// Polls to send a datagram to `target`.
    ///
    /// # Errors
    ///
    /// As [`try_send_to`](UdpSocket::try_send_to), without `WouldBlock`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_io(cx, |sock| sock.send_to(buf, target))
    }
}

/// Feature `bytes`: datagrams received straight into a `bytes::BufMut`'s next chunk, possibly
/// uninitialised spare memory, which is then advanced by the datagram's length. As with the
/// slice forms, a datagram longer than the chunk is truncated.
#[cfg(feature = "bytes")]
impl UdpSocket {
    /// Waits for a datagram from the connected peer and appends it to `buf`; returns its
    /// length.
    ///
    /// # Errors
    ///
    /// As [`recv`](UdpSocket::recv).
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
    /// As [`recv_from`](UdpSocket::recv_from).
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
    /// `WouldBlock` if none is queued; otherwise as [`recv`](UdpSocket::recv).
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |sock| {
            recv_into_buf_mut(buf, |b| Ok((sock.recv_uninit(b)?, ()))).map(|(n, ())| n)
        })
    }

    /// Appends a queued datagram to `buf` without waiting; returns its length and sender.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if none is queued; otherwise as [`recv_from`](UdpSocket::recv_from).
    pub fn try_recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |sock| {
            recv_into_buf_mut(buf, |b| sock.recv_from_uninit(b))
        })
    }
}
