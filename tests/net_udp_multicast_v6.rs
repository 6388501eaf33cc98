//! IPv6 multicast delivered end to end, on both runtime flavours.
//!
//! Linux's `lo` cannot carry IPv6 multicast (sending to a group on it is counted as "no
//! route" and dropped, whatever flags and routes it is given), and a test must not change the
//! host's interfaces. So these run in a network namespace of their own: the test's thread
//! unshares its network namespace (on Linux a namespace belongs to a thread, not the process,
//! so the other tests in this binary keep the host's), and creates a veth pair there — an
//! Ethernet-like link whose two ends live in that namespace only. Multicast sent out of one
//! end with IPV6_MULTICAST_LOOP is delivered back to members on that end, exactly as on a
//! real interface. The runtime is built afterwards, from this thread, so its workers inherit
//! the namespace; everything vanishes with the thread.
//!
//! Needs CAP_SYS_ADMIN (root, as in CI) and iproute2's `ip` (which creates the veth pair);
//! without either the test fails saying which.
#![cfg(target_os = "linux")]

mod net_common;

use std::ffi::CString;
use std::io;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::process::Command;
use std::time::{Duration, Instant};

use corium::time::timeout;
use corium_net::UdpSocket;
use net_common::{runtime, watchdog, Flavor, WATCHDOG};

/// The veth end the test sends from and joins on; its peer is `corium-mc1`.
const LINK: &str = "corium-mc0";

fn ip(args: &[&str]) -> io::Result<()> {
    let status = Command::new("ip").args(args).status().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("running `ip` failed ({e}); install iproute2"),
        )
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "`ip {}` failed: {status}",
            args.join(" ")
        )))
    }
}

/// Runs `ip args` until it prints something, for at most 5 s: link state changes finish in
/// the kernel after `ip link set up` has returned.
fn wait_for(args: &[&str], what: &str) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let out = Command::new("ip").args(args).output()?;
        if out.status.success() && !out.stdout.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what} did not appear within 5 s (`ip {}`)", args.join(" ")),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Moves the calling thread into a new network namespace holding `lo` and a veth pair, both
/// up; returns the interface index of [`LINK`].
fn enter_private_netns() -> io::Result<u32> {
    // SAFETY: unshare takes no pointers; CLONE_NEWNET changes only the calling thread's
    // network namespace, which no other thread or Rust object depends on (no socket exists
    // in this thread yet).
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } == -1 {
        let err = io::Error::last_os_error();
        return Err(io::Error::new(
            err.kind(),
            format!("unshare(CLONE_NEWNET) failed ({err}); this test needs CAP_SYS_ADMIN (root)"),
        ));
    }
    // New interfaces skip duplicate address detection, so their link-local address is usable
    // as a source at once rather than after a second or so (while it is "tentative", a send
    // that needs it as its source fails with EADDRNOTAVAIL). (`/proc/sys/net` shows the
    // namespace of the thread that opens it.)
    std::fs::write("/proc/sys/net/ipv6/conf/default/accept_dad", "0")?;
    // The kernel runs DAD unless *both* the device's and `all`'s accept_dad are off, and a
    // new namespace's `all` is 0 or 1 depending on the kernel and
    // `net.core.devconf_inherit_init_net`.
    std::fs::write("/proc/sys/net/ipv6/conf/all/accept_dad", "0")?;
    // `ip` runs in a child process, which starts in this thread's namespace.
    ip(&["link", "set", "lo", "up"])?;
    ip(&[
        "link",
        "add",
        LINK,
        "type",
        "veth",
        "peer",
        "name",
        "corium-mc1",
    ])?;
    ip(&["link", "set", LINK, "up"])?;
    ip(&["link", "set", "corium-mc1", "up"])?;
    // Once the pair has carrier the kernel gives the link its multicast route and link-local
    // address; sending before that fails with ENETUNREACH.
    wait_for(
        &[
            "-6",
            "route",
            "show",
            "table",
            "local",
            "type",
            "multicast",
            "dev",
            LINK,
        ],
        "the multicast route",
    )?;
    // Not tentative: should DAD run after all, an address under detection is listed too but
    // cannot be a source yet.
    wait_for(
        &[
            "-6",
            "addr",
            "show",
            "dev",
            LINK,
            "scope",
            "link",
            "-tentative",
        ],
        "the usable (not tentative) link-local address",
    )?;
    let name = CString::new(LINK).expect("no NUL in the name");
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call, which only
    // reads it.
    match unsafe { libc::if_nametoindex(name.as_ptr()) } {
        0 => Err(io::Error::last_os_error()),
        index => Ok(index),
    }
}

fn in_private_netns(flavor: Flavor) {
    watchdog(WATCHDOG, move || {
        let link = enter_private_netns().expect("a private network namespace");
        runtime(flavor).block_on(datagrams_arrive_only_while_joined(link));
    });
}

#[test]
fn multicast_v6_current_thread() {
    in_private_netns(Flavor::CurrentThread);
}

#[test]
fn multicast_v6_multi_thread() {
    in_private_netns(Flavor::MultiThread);
}

/// The next datagram's bytes and its source.
async fn recv_from(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buf = [0; 64];
    let (n, from) = timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
        .await
        .expect("a datagram within 5 s")
        .unwrap();
    (buf[..n].to_vec(), from)
}

/// The next datagram's bytes and its source port.
async fn recv(socket: &UdpSocket) -> (Vec<u8>, u16) {
    let (bytes, from) = recv_from(socket).await;
    (bytes, from.port())
}

async fn datagrams_arrive_only_while_joined(link: u32) {
    // ff02::/16 is link-local scope (never routed off the link); group id 0x4c0 is unassigned,
    // and in a fresh namespace nothing else listens anyway.
    let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x4c0);
    let receiver = UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0)).await.unwrap();
    let port = receiver.local_addr().unwrap().port();
    // Unbound address, so each datagram's source is that of the interface it leaves by: the
    // veth's link-local address for the group, ::1 for the unicast markers.
    let sender = UdpSocket::bind((Ipv6Addr::UNSPECIFIED, 0)).await.unwrap();
    let sender_port = sender.local_addr().unwrap().port();
    sender.set_multicast_loop_v6(true).unwrap();
    assert!(sender.multicast_loop_v6().unwrap());
    // The scope id names the interface a link-local group is reached on.
    let to_group = SocketAddrV6::new(group, port, 0, link);
    let to_receiver = SocketAddr::from((Ipv6Addr::LOCALHOST, port));

    // Not yet a member: the group datagram is dropped, so the unicast marker sent after it
    // is the first thing received (loopback delivers in send order).
    sender.send_to(b"before joining", to_group).await.unwrap();
    sender.send_to(b"marker 1", to_receiver).await.unwrap();
    assert_eq!(recv(&receiver).await, (b"marker 1".to_vec(), sender_port));

    receiver.join_multicast_v6(&group, link).unwrap();
    assert_eq!(sender.send_to(b"to the group", to_group).await.unwrap(), 12);
    let (bytes, from) = recv_from(&receiver).await;
    assert_eq!(
        (bytes.as_slice(), from.port()),
        (&b"to the group"[..], sender_port)
    );
    // It came back over the veth, not lo: its source is the link's own link-local address.
    match from {
        SocketAddr::V6(from) => {
            assert_eq!(from.ip().segments()[0] & 0xffc0, 0xfe80, "{from}");
            assert_eq!(from.scope_id(), link, "{from}");
        }
        SocketAddr::V4(from) => panic!("an IPv4 source {from} for an IPv6 group"),
    }

    receiver.leave_multicast_v6(&group, link).unwrap();
    sender.send_to(b"after leaving", to_group).await.unwrap();
    sender.send_to(b"marker 2", to_receiver).await.unwrap();
    assert_eq!(
        recv(&receiver).await,
        (b"marker 2".to_vec(), sender_port),
        "a group datagram arrived after leave"
    );
    let mut buf = [0; 8];
    assert_eq!(
        receiver.try_recv_from(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}
