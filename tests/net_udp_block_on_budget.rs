//! A loop of UDP sends and receives inside `block_on` returns to the scheduler about once per
//! budget (128 units), not once per operation: counted by how often a background task on the
//! same thread gets to run.

use corium::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Arc;

const ROUNDS: u64 = 1_000;

#[test]
fn a_udp_loop_in_block_on_yields_per_budget_not_per_operation() {
    let rt = corium::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runs = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        let r = runs.clone();
        let background = corium::spawn(async move {
            loop {
                r.fetch_add(1, SeqCst);
                corium::task::yield_now().await;
            }
        });
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 64];
        for i in 0..ROUNDS {
            a.send(&i.to_le_bytes()).await.unwrap();
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&i.to_le_bytes()[..], a.local_addr().unwrap())
            );
        }
        background.abort();
    });
    let runs = runs.load(SeqCst);
    eprintln!("background task runs in {ROUNDS} rounds: {runs}");
    // Two budget units per round: about 2 * ROUNDS / 128 = 16 forced yields (tokio: 16). A
    // few more for the first readiness of each socket.
    assert!(
        runs <= 2 * ROUNDS / 128 + 8,
        "the background task ran {runs} times in {ROUNDS} rounds: block_on gave up the thread \
         far more often than once per budget"
    );
    assert!(runs >= 1, "the budget never made block_on yield");
}
