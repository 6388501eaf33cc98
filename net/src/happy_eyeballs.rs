//! [`HappyEyeballs`]: connecting by racing addresses, as RFC 8305 ("Happy Eyeballs Version
//! 2") describes.
//!
//! [`TcpStream::connect`](crate::TcpStream::connect) tries addresses one after another, so an
//! address that silently drops packets (a broken IPv6 route is the classic case) costs a whole
//! TCP handshake timeout — often more than a minute — before the next address is even tried.
//! Happy eyeballs starts the next attempt after a short *connection attempt delay* without
//! giving up on the slow one, and takes whichever connects first:
//!
//! ```text
//!  t=0     attempt 1  [2001:db8::1]:443  ............(no answer)....... dropped
//!  t=250ms attempt 2  192.0.2.1:443      ==connected==> returned
//! ```
//!
//! What is implemented, with the RFC's section:
//!
//! * **Address ordering (§4)**: the family of the resolver's first address goes first, then
//!   the families alternate (First Address Family Count = 1), keeping the resolver's order
//!   within each family.
//! * **Connection attempts (§5)**: one attempt starts at once; each further one starts when
//!   the [attempt delay](HappyEyeballs::attempt_delay) (default 250 ms, the RFC's
//!   recommendation) has passed since the previous start, or at once when an attempt fails.
//!   The first attempt to connect wins; the others are dropped, which closes their sockets.
//! * An optional per-attempt [timeout](HappyEyeballs::attempt_timeout), so an address that
//!   never answers eventually counts as failed even when it is the last one.
//!
//! The attempt delay and the timeout are timers, so they need a runtime built with
//! `Builder::enable_time` (or `enable_all`). Without timers, [`connect`](HappyEyeballs::connect)
//! still serves a single address with no timeout; anything else fails up front with an error
//! that says so, before any attempt starts.
//!
//! Not implemented: the asynchronous AAAA/A queries of §3 (resolution goes through
//! `getaddrinfo`, which answers both at once), and remembering round-trip times across
//! connections.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use corium_reactor::time::{self, Instant, Sleep};
use corium_reactor::Handle;
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

use crate::addr::{no_addresses, to_socket_addrs, ToSocketAddrs};
use crate::tcp::TcpStream;

/// A connector that races connection attempts (RFC 8305). Made with [`new`](HappyEyeballs::new),
/// configured by its builder methods, used with [`connect`](HappyEyeballs::connect); the module
/// docs show the timeline.
///
/// [`TcpStream::connect_happy_eyeballs`] is this with the defaults.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium_net::tcp::HappyEyeballs;
/// use corium_net::TcpListener;
///
/// # corium_executor::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let stream = HappyEyeballs::new()
///     .attempt_delay(Duration::from_millis(100))
///     .attempt_timeout(Duration::from_secs(5))
///     .connect(listener.local_addr()?)
///     .await?;
/// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct HappyEyeballs {
    attempt_delay: Duration,
    attempt_timeout: Option<Duration>,
}

impl Default for HappyEyeballs {
    fn default() -> HappyEyeballs {
        HappyEyeballs::new()
    }
}

impl HappyEyeballs {
    /// The RFC's recommended connection attempt delay: 250 ms.
    pub const DEFAULT_ATTEMPT_DELAY: Duration = Duration::from_millis(250);

    /// A connector with a 250 ms attempt delay and no per-attempt timeout.
    pub fn new() -> HappyEyeballs {
        HappyEyeballs {
            attempt_delay: HappyEyeballs::DEFAULT_ATTEMPT_DELAY,
            attempt_timeout: None,
        }
    }

    /// How long to wait for an attempt before *also* starting the next one. The RFC suggests
    /// 250 ms and no less than 100 ms (or a little more than the measured round-trip time);
    /// zero starts every attempt at once.
    #[must_use]
    pub fn attempt_delay(mut self, delay: Duration) -> HappyEyeballs {
        self.attempt_delay = delay;
        self
    }

    /// Gives up on each attempt after `timeout` (the attempt then fails with `TimedOut`).
    /// Without it, an attempt lasts until the kernel's handshake timeout.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> HappyEyeballs {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Resolves `addr` and races connections to its addresses as the
    /// [module docs](crate::tcp::HappyEyeballs) describe; returns the first to connect.
    ///
    /// # Errors
    ///
    /// * `InvalidInput` if `addr` names no address; the resolver's error;
    /// * `Other`, before any attempt starts, if something must be timed — more than one
    ///   address with a non-zero [attempt delay](HappyEyeballs::attempt_delay), or a non-zero
    ///   [`attempt_timeout`](HappyEyeballs::attempt_timeout) — on a runtime built without
    ///   timers: build it with `Builder::enable_time` (or `enable_all`);
    /// * `Other` outside a corium runtime;
    /// * otherwise, when every attempt failed, the error of the **last one to fail**
    ///   (`ConnectionRefused`, `TimedOut`, ...).
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<TcpStream> {
        let addrs = to_socket_addrs(addr).await?;
        let mut queue = interleave_families(addrs);
        let delay = self.attempt_delay;
        let timeout = self.attempt_timeout;
        // Check now rather than when the first timer is polled: that poll would panic, and
        // by then attempts would already be in flight.
        let staggers = queue.len() > 1 && !delay.is_zero();
        let times_out = timeout.is_some_and(|t| !t.is_zero());
        if staggers || times_out {
            let needs = if staggers {
                "racing several addresses (the attempt delay)"
            } else {
                "the attempt timeout"
            };
            require_timers(needs)?;
        }

        let mut attempts: Vec<Attempt> = Vec::new();
        let mut stagger: Option<Pin<Box<Sleep>>> = None;
        let mut last_err: Option<io::Error> = None;

        poll_fn(move |cx| loop {
            // The first attempt to connect wins; a failure makes room for the next one.
            let mut one_failed = false;
            let mut i = 0;
            while i < attempts.len() {
                match attempts[i].as_mut().poll(cx) {
                    Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                    Poll::Ready(Err(e)) => {
                        last_err = Some(e);
                        one_failed = true;
                        drop(attempts.remove(i));
                    }
                    Poll::Pending => i += 1,
                }
            }

            if queue.is_empty() {
                if attempts.is_empty() {
                    return Poll::Ready(Err(last_err.take().unwrap_or_else(no_addresses)));
                }
                return Poll::Pending;
            }

            // Start the next attempt if nothing is in flight, one just failed, or the delay
            // since the last start has run out.
            let due = attempts.is_empty()
                || one_failed
                || stagger
                    .as_mut()
                    .is_none_or(|sleep| sleep.as_mut().poll(cx).is_ready());
            if !due {
                return Poll::Pending;
            }
            let Some(addr) = queue.pop_front() else {
                continue; // cannot happen (checked above); the loop's top returns
            };
            trace!(
                Layer::Net,
                "HappyEyeballs: attempt to {addr} started ({} in flight, {} queued)",
                attempts.len(),
                queue.len()
            );
            attempts.push(attempt(addr, timeout));
            if !queue.is_empty() {
                // Arm (or re-arm) the stagger for the next one. Only now is a timer needed, so
                // a single address never touches the time driver.
                let deadline = Instant::now() + delay;
                match stagger.as_mut() {
                    Some(sleep) => sleep.as_mut().reset(deadline),
                    None => stagger = Some(Box::pin(time::sleep_until(deadline))),
                }
            }
            // Loop: poll the new attempt and the re-armed timer, registering their wakers.
        })
        .await
    }
}

/// Fails unless the current runtime has a time driver; `needs` says what the timers are for.
fn require_timers(needs: &str) -> io::Result<()> {
    let handle = Handle::try_current().map_err(|e| io::Error::other(e.to_string()))?;
    if handle.is_time_enabled() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "HappyEyeballs needs timers for {needs}, but this runtime was built without them: \
         build it with Builder::enable_time (or enable_all), or connect to a single address \
         without an attempt timeout"
    )))
}

/// One connection attempt in flight.
type Attempt = Pin<Box<dyn Future<Output = io::Result<TcpStream>> + Send>>;

/// Steps 3–7 of the plain connect walk ([`TcpStream::connect_addr`]) for one address, bounded
/// by `timeout` if there is one.
fn attempt(addr: SocketAddr, timeout: Option<Duration>) -> Attempt {
    Box::pin(async move {
        let Some(limit) = timeout else {
            return TcpStream::connect_addr(addr).await;
        };
        match time::timeout(limit, TcpStream::connect_addr(addr)).await {
            Ok(result) => result,
            Err(_elapsed) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "connecting to {addr} took longer than the attempt timeout of {limit:?}; \
                     raise HappyEyeballs::attempt_timeout if the peer is just slow"
                ),
            )),
        }
    })
}

/// RFC 8305 §4: the first address's family first, then alternating families, each family
/// keeping the resolver's order.
fn interleave_families(addrs: impl Iterator<Item = SocketAddr>) -> VecDeque<SocketAddr> {
    let addrs: Vec<SocketAddr> = addrs.collect();
    let Some(first) = addrs.first() else {
        return VecDeque::new();
    };
    let first_is_v6 = first.is_ipv6();
    let (preferred, other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == first_is_v6);
    let mut preferred = preferred.into_iter();
    let mut other = other.into_iter();
    let mut out = VecDeque::with_capacity(addrs.len());
    loop {
        match (preferred.next(), other.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// Every connect future can be spawned on the multi-thread runtime: creating them (not
    /// polling, so no runtime is needed) proves they are `Send`.
    #[test]
    fn connect_futures_are_send() {
        fn send<T: Send>(_: T) {}
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        send(HappyEyeballs::new().connect("localhost:1"));
        send(TcpStream::connect_happy_eyeballs(addr));
        send(TcpStream::connect(("localhost", 1)));
        send(TcpStream::connect_addr(addr));
        send(crate::TcpListener::bind("127.0.0.1:0"));
        send(crate::UdpSocket::bind(addr));
        send(crate::lookup_host("localhost:1"));
    }

    #[test]
    fn families_alternate_starting_with_the_first_address_family() {
        let input = addrs(&["[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"]);
        let out: Vec<_> = interleave_families(input.into_iter()).into();
        assert_eq!(
            out,
            addrs(&["[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"])
        );

        let input = addrs(&["10.0.0.1:1", "[::1]:1", "10.0.0.2:1"]);
        let out: Vec<_> = interleave_families(input.into_iter()).into();
        assert_eq!(out, addrs(&["10.0.0.1:1", "[::1]:1", "10.0.0.2:1"]));

        assert!(interleave_families(std::iter::empty()).is_empty());
    }
}
