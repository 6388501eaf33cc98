//! `Interest::ERROR`: a registration and a wait for errors only — woken by a pending socket
//! error, not by data.

mod net_common;

use std::net::UdpSocket;
use std::time::Duration;

use corium::io::unix::AsyncFd;
use corium::io::Interest;
use corium::time::timeout;

both_flavors! {
    async fn an_error_only_wait_ignores_data_and_wakes_on_an_error() {
        // Nothing listens on `closed`'s port once it is dropped: sending there from a
        // connected UDP socket makes the kernel queue ECONNREFUSED on it (EPOLLERR).
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let dead_port = closed.local_addr().unwrap();
        drop(closed);
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_nonblocking(true).unwrap();
        let me = sock.local_addr().unwrap();
        let fd = AsyncFd::with_interest(sock, Interest::ERROR).unwrap();

        // Data arrives: readable, but an ERROR-only wait must not wake.
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        peer.send_to(b"data", me).unwrap();
        let quiet = timeout(Duration::from_millis(100), fd.ready(Interest::ERROR)).await;
        assert!(quiet.is_err(), "woken by data");

        fd.get_ref().connect(dead_port).unwrap();
        fd.get_ref().send(b"x").unwrap();
        let guard = timeout(Duration::from_secs(10), fd.ready(Interest::ERROR))
            .await
            .expect("the error wakes the wait")
            .unwrap();
        assert!(guard.ready().is_error(), "{:?}", guard.ready());
        let err = fd.get_ref().take_error().unwrap().expect("a pending error");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    }
}
