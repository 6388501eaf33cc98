//! Shutting a TCP stream's write side down after the peer reset the connection, or a second
//! time, succeeds: the socket is as shut down as it can be (edge 6; tokio maps `NotConnected`
//! to `Ok(())` for the same reason).

mod net_common;

use corium::io::{AsyncReadExt, AsyncWriteExt};

both_flavors! {
    async fn shutdown_after_the_peer_reset_is_ok() {
        let (mut client, server) = net_common::tcp_pair().await;
        // Closing with a zero linger sends RST instead of FIN.
        server.set_zero_linger().unwrap();
        drop(server);
        let mut buf = [0u8; 16];
        // The reset has arrived once the read fails; the kernel now answers shutdown(2)
        // with ENOTCONN.
        let err = client.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
        client.shutdown().await.expect("shutdown after a reset");
    }

    async fn shutting_down_twice_is_ok() {
        let (mut client, mut server) = net_common::tcp_pair().await;
        client.shutdown().await.unwrap();
        client.shutdown().await.expect("a second shutdown");
        let mut buf = [0u8; 4];
        assert_eq!(server.read(&mut buf).await.unwrap(), 0, "the peer saw end of stream");
    }

    async fn split_halves_shut_down_after_a_reset_too() {
        let (client, server) = net_common::tcp_pair().await;
        server.set_zero_linger().unwrap();
        drop(server);
        let (mut rd, mut wr) = client.into_split();
        let mut buf = [0u8; 16];
        let err = rd.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
        wr.shutdown().await.expect("shutdown of the owned write half after a reset");
    }
}
