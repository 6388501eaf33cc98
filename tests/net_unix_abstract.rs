//! Linux abstract Unix socket names (`"\0name"` paths and `SocketAddr::from_abstract_name`),
//! and the `UnixSocket` builder, on both runtime flavours.

mod net_common;

use std::sync::atomic::{AtomicUsize, Ordering};

use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_net::unix::{SocketAddr, UnixSocket};
use corium_net::{UnixDatagram, UnixListener, UnixStream};
use net_common::TempDir;

#[cfg(target_os = "linux")]
use std::os::linux::net::SocketAddrExt;

/// A process-unique abstract name (the abstract namespace is shared by the whole network
/// namespace, and has no files to clean up).
fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "corium-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

both_flavors! {
    #[cfg(target_os = "linux")]
    async fn abstract_stream_round_trip_with_a_nul_prefixed_path() {
        let name = unique("abs");
        let listener = UnixListener::bind(format!("\0{name}")).unwrap();
        let local = listener.local_addr().unwrap();
        assert_eq!(local.as_abstract_name(), Some(name.as_bytes()));
        let mut client = UnixStream::connect(format!("\0{name}")).await.unwrap();
        let (mut served, _) = listener.accept().await.unwrap();
        client.write_all(b"abstract").await.unwrap();
        let mut buf = [0; 8];
        served.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abstract");
    }

    #[cfg(target_os = "linux")]
    async fn abstract_names_through_unix_socket_bind_addr_and_datagrams() {
        let name = unique("absdg");
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let socket = UnixSocket::new_datagram().unwrap();
        socket.bind_addr(&addr).unwrap();
        let server = socket.datagram().unwrap();
        let client = UnixDatagram::unbound().unwrap();
        client.send_to(b"dgram", format!("\0{name}")).await.unwrap();
        let mut buf = [0; 8];
        let (n, _) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"dgram");
    }

    async fn unix_socket_binds_a_client_before_connecting_and_sets_the_backlog() {
        let dir = TempDir::new();
        let server = UnixSocket::new_stream().unwrap();
        server.bind(dir.path("server")).unwrap();
        let listener = server.listen(8).unwrap();
        let client = UnixSocket::new_stream().unwrap();
        client.bind(dir.path("client")).unwrap();
        let mut stream = client.connect(dir.path("server")).await.unwrap();
        let (mut served, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.as_pathname(), Some(dir.path("client").as_path()));
        served.write_all(b"ok").await.unwrap();
        let mut buf = [0; 2];
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ok");
        // A stream socket is not a datagram socket.
        let err = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
