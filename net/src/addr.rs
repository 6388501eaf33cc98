//! Naming the other end: [`ToSocketAddrs`] and [`lookup_host`].
//!
//! This is step 1 of the seed's `TcpStream::connect` walk, `to_socket_addrs(addr).await`:
//! turn whatever the caller passed into a list of [`SocketAddr`]s to try in order.
//!
//! Most forms need no work at all. A [`SocketAddr`], an `(IpAddr, u16)` pair, or a string
//! that *parses* as an address (`"127.0.0.1:8080"`, `"[::1]:8080"`) resolve on the spot,
//! without a thread hop. Only a *name* (`"localhost:8080"`, `("example.com", 443)`) needs the
//! system resolver, `getaddrinfo(3)`, which blocks; that call runs on the runtime's blocking
//! pool ([`spawn_blocking`](corium_executor::task::spawn_blocking)) so no worker thread stalls
//! on DNS.
//!
//! The trait is *sealed*: its one method is private, so the set of accepted forms is this
//! crate's to extend (as in tokio, whose signatures a port keeps).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::vec;

use corium_executor::runtime::Handle;
use corium_selector_sys::trace;
use corium_selector_sys::trace::Layer;

/// Something that names one or more socket addresses: the argument of
/// [`TcpStream::connect`](crate::TcpStream::connect), [`TcpListener::bind`](crate::TcpListener::bind),
/// [`UdpSocket::bind`](crate::UdpSocket::bind) and [`lookup_host`].
///
/// Implemented for [`SocketAddr`], [`SocketAddrV4`], [`SocketAddrV6`], `(IpAddr, u16)`,
/// `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)`, `(&str, u16)`, `(String, u16)`, `str`, `String`,
/// `[SocketAddr]` and references to any of these.
///
/// | form | resolved |
/// |------|----------|
/// | `SocketAddr`, `(IpAddr, u16)`, `[SocketAddr]`, ... | at once |
/// | `"127.0.0.1:80"`, `"[::1]:80"`, `("10.0.0.1", 80)` | at once (the text parses) |
/// | `"localhost:80"`, `("example.com", 443)` | `getaddrinfo` on the blocking pool |
/// | `"no-port"`, `"host:99999"` | at once, as an `InvalidInput` error |
///
/// This trait is sealed: it cannot be implemented outside this crate.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

/// The private half of [`ToSocketAddrs`]; being unnameable outside the crate is what seals
/// the public trait.
pub(crate) mod sealed {
    use super::Resolve;

    /// How a [`ToSocketAddrs`](super::ToSocketAddrs) value becomes addresses.
    pub trait ToSocketAddrsPriv {
        /// Either the addresses themselves, or the name the blocking pool must look up.
        fn resolve(&self) -> Resolve;
    }
}

/// The outcome of looking at an address argument, before any waiting.
#[derive(Debug)]
pub enum Resolve {
    /// Numeric, or malformed: nothing to wait for.
    Ready(io::Result<Vec<SocketAddr>>),
    /// A `host:port` string for `getaddrinfo`, which may block.
    Lookup(String),
}

/// Step 1 of [`TcpStream::connect`](crate::TcpStream::connect): resolves `addr` to the
/// addresses to try, in the resolver's order.
///
/// A plain function (returning a future) rather than an `async fn` so that the future holds
/// only the [`Resolve`], never `addr` itself: a non-`Send` argument type cannot make the
/// future non-`Send`.
pub(crate) fn to_socket_addrs<A: ToSocketAddrs>(
    addr: A,
) -> impl std::future::Future<Output = io::Result<vec::IntoIter<SocketAddr>>> + Send {
    let resolve = addr.resolve();
    async move {
        let addrs = match resolve {
            Resolve::Ready(addrs) => {
                if let Ok(addrs) = &addrs {
                    trace!(
                        Layer::Net,
                        "to_socket_addrs: {addrs:?}, resolved at once (no thread, no DNS)"
                    );
                }
                addrs
            }
            Resolve::Lookup(host) => {
                trace!(
                    Layer::Net,
                    "to_socket_addrs: {host:?} goes to getaddrinfo on the blocking pool"
                );
                let addrs = lookup_on_blocking_pool(host).await;
                if let Ok(addrs) = &addrs {
                    trace!(
                        Layer::Net,
                        "to_socket_addrs: the blocking pool resolved {addrs:?}"
                    );
                }
                addrs
            }
        };
        addrs.map(Vec::into_iter)
    }
}

/// Runs `getaddrinfo` (through std's resolver) for `host` ("name:port") on the current
/// runtime's blocking pool.
async fn lookup_on_blocking_pool(host: String) -> io::Result<Vec<SocketAddr>> {
    let handle = Handle::try_current().map_err(|e| {
        io::Error::other(format!(
            "cannot resolve {host:?}: looking a name up needs the blocking pool of a corium \
             runtime ({e})"
        ))
    })?;
    let name = host.clone();
    let joined = handle
        .spawn_blocking(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&name).map(Iterator::collect::<Vec<_>>)
        })
        .await;
    match joined {
        Ok(result) => result,
        Err(join_error) => Err(io::Error::other(format!(
            "the lookup of {host:?} on the blocking pool did not complete: {join_error}"
        ))),
    }
}

/// Resolves `host` to socket addresses, like the first step of
/// [`TcpStream::connect`](crate::TcpStream::connect).
///
/// `host` is any [`ToSocketAddrs`]: usually `"name:port"`. A numeric address is returned at
/// once; a name is looked up with `getaddrinfo` on the runtime's blocking pool.
///
/// # Errors
///
/// * `InvalidInput` for a string that is not `host:port` (no port, or a port above 65535);
/// * the resolver's error for a name it cannot resolve;
/// * `Other` if a name must be looked up outside a corium runtime.
///
/// # Examples
///
/// ```
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let addrs: Vec<_> = corium_net::lookup_host("127.0.0.1:8080").await?.collect();
/// assert_eq!(addrs, ["127.0.0.1:8080".parse().unwrap()]);
///
/// let Err(err) = corium_net::lookup_host("no-port-here").await else {
///     panic!("a string without a port is not an address");
/// };
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub async fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    to_socket_addrs(host).await
}

/// The error every "try each address" loop returns when the list was empty.
pub(crate) fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address: the name resolved to an empty list; pass at least \
         one socket address",
    )
}

/// Runs `f` on each address in order until one succeeds; otherwise the last error (or
/// [`no_addresses`]). The synchronous twin of the loop in `TcpStream::connect`, for `bind`.
pub(crate) fn try_each<T>(
    addrs: impl Iterator<Item = SocketAddr>,
    mut f: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last_err = None;
    for addr in addrs {
        match f(addr) {
            Ok(value) => return Ok(value),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(no_addresses))
}

fn ready(addr: SocketAddr) -> Resolve {
    Resolve::Ready(Ok(vec![addr]))
}

/// `host` with `port`: resolved at once if `host` is an IP address, otherwise a lookup.
fn host_and_port(host: &str, port: u16) -> Resolve {
    match host.parse::<IpAddr>() {
        Ok(ip) => ready(SocketAddr::new(ip, port)),
        // A name never contains ':', so "name:port" splits back unambiguously.
        Err(_) => Resolve::Lookup(format!("{host}:{port}")),
    }
}

impl ToSocketAddrs for SocketAddr {}
impl sealed::ToSocketAddrsPriv for SocketAddr {
    fn resolve(&self) -> Resolve {
        ready(*self)
    }
}

impl ToSocketAddrs for SocketAddrV4 {}
impl sealed::ToSocketAddrsPriv for SocketAddrV4 {
    fn resolve(&self) -> Resolve {
        ready(SocketAddr::V4(*self))
    }
}

impl ToSocketAddrs for SocketAddrV6 {}
impl sealed::ToSocketAddrsPriv for SocketAddrV6 {
    fn resolve(&self) -> Resolve {
        ready(SocketAddr::V6(*self))
    }
}

impl ToSocketAddrs for (IpAddr, u16) {}
impl sealed::ToSocketAddrsPriv for (IpAddr, u16) {
    fn resolve(&self) -> Resolve {
        ready(SocketAddr::new(self.0, self.1))
    }
}

impl ToSocketAddrs for (Ipv4Addr, u16) {}
impl sealed::ToSocketAddrsPriv for (Ipv4Addr, u16) {
    fn resolve(&self) -> Resolve {
        ready(SocketAddr::new(IpAddr::V4(self.0), self.1))
    }
}

impl ToSocketAddrs for (Ipv6Addr, u16) {}
impl sealed::ToSocketAddrsPriv for (Ipv6Addr, u16) {
    fn resolve(&self) -> Resolve {
        ready(SocketAddr::new(IpAddr::V6(self.0), self.1))
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn resolve(&self) -> Resolve {
        host_and_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn resolve(&self) -> Resolve {
        host_and_port(&self.0, self.1)
    }
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return ready(addr);
        }
        // Reject what getaddrinfo would reject anyway, without a trip to the blocking pool.
        match self.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Resolve::Lookup(self.to_owned())
            }
            _ => Resolve::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "invalid socket address {self:?}: expected \"host:port\" with a port from \
                     0 to 65535, such as \"127.0.0.1:8080\", \"[::1]:8080\" or \
                     \"localhost:8080\""
                ),
            ))),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn resolve(&self) -> Resolve {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::ToSocketAddrsPriv for [SocketAddr] {
    fn resolve(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::ToSocketAddrsPriv;
    use super::*;

    fn now(r: Resolve) -> io::Result<Vec<SocketAddr>> {
        match r {
            Resolve::Ready(addrs) => addrs,
            Resolve::Lookup(host) => panic!("expected no lookup, got one for {host:?}"),
        }
    }

    #[test]
    fn numeric_forms_resolve_without_a_lookup() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(now("127.0.0.1:80".resolve()).unwrap(), [v4]);
        assert_eq!(now("[::1]:80".resolve()).unwrap(), [v6]);
        assert_eq!(now(("127.0.0.1", 80).resolve()).unwrap(), [v4]);
        assert_eq!(now(("::1".to_owned(), 80).resolve()).unwrap(), [v6]);
        assert_eq!(now((v4.ip(), 80).resolve()).unwrap(), [v4]);
        assert_eq!(now([v6, v4][..].resolve()).unwrap(), [v6, v4]);
        assert_eq!(now((&&v4).resolve()).unwrap(), [v4]);
    }

    #[test]
    fn names_go_to_the_resolver_and_malformed_strings_fail_at_once() {
        match "localhost:80".resolve() {
            Resolve::Lookup(h) => assert_eq!(h, "localhost:80"),
            other => panic!("expected a lookup, got {other:?}"),
        }
        match ("example.invalid", 7).resolve() {
            Resolve::Lookup(h) => assert_eq!(h, "example.invalid:7"),
            other => panic!("expected a lookup, got {other:?}"),
        }
        for bad in ["no-port", "host:", ":80", "host:65536", "host:x"] {
            let err = now(bad.resolve()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn try_each_keeps_the_last_error_and_reports_an_empty_list() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let err = try_each([a, b].into_iter(), |addr| -> io::Result<()> {
            Err(io::Error::other(addr.to_string()))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), b.to_string());
        let ok = try_each([a, b].into_iter(), |addr| {
            if addr == a {
                Err(io::Error::other("first"))
            } else {
                Ok(addr)
            }
        });
        assert_eq!(ok.unwrap(), b);
        let none = try_each(std::iter::empty(), |_| Ok(())).unwrap_err();
        assert_eq!(none.kind(), io::ErrorKind::InvalidInput);
        assert!(none
            .to_string()
            .contains("could not resolve to any address"));
    }
}
