//! The seed's connect walk, in corium's own code: [`TcpStream::connect`] resolves, tries each
//! address in order ([`connect_addr`](TcpStream::connect_addr)), and for each makes the
//! nonblocking `connect`, registers the socket, waits for write readiness and reads `SO_ERROR`
//! (`connect_sys`). The opt-in happy-eyeballs connect lives beside it.

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use corium_selector_sys::net as sys;
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::addr::{no_addresses, to_socket_addrs, ToSocketAddrs};
use crate::happy_eyeballs::HappyEyeballs;
use crate::tcp::TcpStream;

impl TcpStream {
    /// Opens a TCP connection to `addr`.
    ///
    /// This is the walk of the seed `tcp_connect`, step by step, under the seed's names:
    ///
    /// 1. **`to_socket_addrs(addr).await`** — the address argument becomes a list of
    ///    [`SocketAddr`]s (public as [`lookup_host`](crate::lookup_host)). Numeric forms cost
    ///    nothing; a name goes to `getaddrinfo` on the blocking pool. See
    ///    [`ToSocketAddrs`](crate::ToSocketAddrs).
    /// 2. **Try each address in order**, keeping the last error: the first that connects wins.
    ///    Each try is [`connect_addr`](TcpStream::connect_addr).
    /// 3. **`connect_addr`** makes a nonblocking socket and calls `connect(2)`
    ///    ([`corium_selector_sys::net::TcpStream::connect`]). The kernel starts the handshake
    ///    and answers `EINPROGRESS`, which counts as success: the socket is *connecting*.
    /// 4. **[`connect_sys`](TcpStream::connect_sys)** (the seed's `connect_mio`) wraps that
    ///    socket in a [`PollEvented`](corium_reactor::PollEvented), which registers it with the reactor (the reactor
    ///    handle's `add_source`: a slot, a token, `epoll_ctl`/`kevent`) for reading and writing.
    /// 5. **`poll_write_ready`** ([`Registration::poll_write_ready`](corium_reactor::Registration::poll_write_ready))
    ///    parks the task until the reactor sees the socket turn writable: the handshake ended,
    ///    one way or the other.
    /// 6. **`take_error`** reads `SO_ERROR`: `Some(e)` is why the handshake failed (for
    ///    example `ConnectionRefused`), returned as this address's error.
    /// 7. Otherwise the stream is **connected** and returned.
    ///
    /// For dual-stack hosts where one address family may be unreachable, prefer
    /// [`connect_happy_eyeballs`](TcpStream::connect_happy_eyeballs), which races the
    /// families instead of waiting out each address in turn.
    ///
    /// # Errors
    ///
    /// * `InvalidInput` "could not resolve to any address" if `addr` names no address, or
    ///   `InvalidInput` for a malformed address string;
    /// * the resolver's error for a name it cannot resolve;
    /// * otherwise the error of the **last** address tried: `ConnectionRefused` (nobody
    ///   listens there), `TimedOut`, `NetworkUnreachable`, ...;
    /// * `Other` outside a corium runtime with I/O enabled, or once it shuts down.
    ///
    /// # Examples
    ///
    /// ```
    /// use corium_net::{TcpListener, TcpStream};
    ///
    /// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let port = listener.local_addr()?.port();
    /// let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    /// assert_eq!(stream.peer_addr()?.port(), port);
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = to_socket_addrs(addr).await?;

        let mut last_err = None;
        for addr in addrs {
            match TcpStream::connect_addr(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => {
                    trace!(
                        Layer::Net,
                        "TcpStream::connect: {addr} failed ({e}); next address"
                    );
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap_or_else(no_addresses))
    }

    /// Opens a connection racing the address families, as RFC 8305 ("happy eyeballs v2")
    /// describes, with the default settings of [`HappyEyeballs`]: attempts alternate between
    /// IPv6 and IPv4 addresses and start 250 ms apart (or as soon as the previous one fails);
    /// the first to connect wins and the others are dropped.
    ///
    /// # Errors
    ///
    /// As [`connect`](TcpStream::connect): the error of the last attempt to fail if none
    /// connects. Also `Other`, before any attempt, if `addr` resolves to more than one
    /// address on a runtime built without timers (the attempt delay is a timer): build the
    /// runtime with `Builder::enable_time` (or `enable_all`). See
    /// [`HappyEyeballs::connect`].
    pub async fn connect_happy_eyeballs<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        HappyEyeballs::new().connect(addr).await
    }

    /// Step 3 of [`connect`](TcpStream::connect): connects to one address. Starts a
    /// nonblocking `connect(2)`, then waits for the handshake in
    /// [`connect_sys`](TcpStream::connect_sys).
    ///
    /// # Errors
    ///
    /// The error `connect(2)` returns at once (`ConnectionRefused` may come straight back on
    /// loopback, `AddrNotAvailable`, out of descriptors), or any error of `connect_sys`.
    pub async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        // The nonblocking syscall: returns while the handshake is still under way.
        let sys = sys::TcpStream::connect(addr)?;
        trace!(
            Layer::Net,
            "TcpStream::connect_addr {addr}: fd {} is connecting (nonblocking connect started)",
            sys.as_raw_fd()
        );
        TcpStream::connect_sys(sys).await
    }

    /// Steps 4–7 of [`connect`](TcpStream::connect) (the seed's `connect_mio`): registers a
    /// socket whose nonblocking connect has been *started* with the reactor, waits until it
    /// is writable, and asks `SO_ERROR` how the handshake ended.
    ///
    /// # Errors
    ///
    /// The handshake's failure (`ConnectionRefused`, `TimedOut`, `HostUnreachable`, ...);
    /// `Other` outside a runtime with I/O enabled or once it shuts down.
    pub async fn connect_sys(sys: sys::TcpStream) -> io::Result<TcpStream> {
        // Wrap the OS socket with the event-notification reactor.
        let stream = TcpStream::new(sys)?;

        loop {
            // Wait for the writable event: the handshake is over, successfully or not.
            let event = poll_fn(|cx| stream.io.registration().poll_write_ready(cx)).await?;

            if let Some(e) = stream.io.get_ref().take_error()? {
                trace!(
                    Layer::Net,
                    "TcpStream::connect_sys: fd {} failed: {e}",
                    stream.as_raw_fd()
                );
                return Err(e);
            }
            // Without an error the handshake normally succeeded. A writable report while the
            // socket still has no peer (possible on some kernels, for a source registered
            // mid-handshake) is not an answer: forget it and wait for the real one.
            match stream.io.get_ref().peer_addr() {
                Ok(peer) => {
                    trace!(
                        Layer::Net,
                        "TcpStream::connect_sys: fd {} connected to {peer} (take_error = None)",
                        stream.as_raw_fd()
                    );
                    return Ok(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    stream.io.registration().clear_readiness(event);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
