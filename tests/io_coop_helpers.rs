//! Every io helper that can be ready forever spends the task's coop budget: a task looping on
//! one yields, so another task on the same (single) worker makes progress, and a `timeout`
//! around the loop fires.
//!
//! Each spinner stops by itself after `SPIN_LIMIT` rounds, far more than one budget (128), so
//! a helper that never yields fails the test instead of hanging it.

mod rt_common;

use corium::io::{
    self, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter, ReadBuf,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

const SPIN_LIMIT: u32 = 100_000;

/// A reader that is always ready and knows nothing of budgets: what a user-written in-memory
/// reader looks like. Only the helper around it can make a loop over it yield.
struct Unbudgeted;

impl AsyncRead for Unbudgeted {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = buf.remaining().min(64);
        buf.put_slice(&[7; 64][..n]);
        Poll::Ready(Ok(()))
    }
}

/// Runs `round` in a loop on one task while a second task, spawned after it on the same single
/// worker, tries to stop it. Fails if the loop ran `SPIN_LIMIT` rounds without being stopped:
/// it never yielded, so the second task never ran.
fn assert_yields<F, Fut>(what: &str, round: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let round = Arc::new(round);
    for (name, rt) in rt_common::single_threaded_flavours() {
        let stop = Arc::new(AtomicBool::new(false));
        let round = round.clone();
        let stopped = rt.block_on(async {
            let s = stop.clone();
            let spinner = corium::spawn(async move {
                for _ in 0..SPIN_LIMIT {
                    if s.load(SeqCst) {
                        return true;
                    }
                    round().await;
                }
                false
            });
            let s = stop.clone();
            corium::spawn(async move { s.store(true, SeqCst) });
            spinner.await.unwrap()
        });
        assert!(
            stopped,
            "{what} on {name}: the loop never yielded to the other task"
        );
    }
}

#[test]
fn copy_yields() {
    rt_common::watchdog(|| {
        assert_yields("copy(repeat.take, sink)", || async {
            io::copy(&mut io::repeat(1).take(256), &mut io::sink())
                .await
                .unwrap();
        });
        assert_yields("copy(unbudgeted.take, Vec)", || async {
            let mut out = Vec::new();
            io::copy(&mut Unbudgeted.take(256), &mut out).await.unwrap();
        });
    });
}

#[test]
fn copy_bidirectional_yields() {
    rt_common::watchdog(|| {
        assert_yields("copy_bidirectional", || async {
            let mut a = io::join(Unbudgeted.take(128), Vec::new());
            let mut b = io::join(Unbudgeted.take(128), Vec::new());
            io::copy_bidirectional(&mut a, &mut b).await.unwrap();
        });
    });
}

#[test]
fn duplex_yields() {
    rt_common::watchdog(|| {
        assert_yields("duplex write+read", || async {
            let (mut a, mut b) = io::duplex(64);
            let mut byte = [0u8; 1];
            a.write_all(b"x").await.unwrap();
            b.read_exact(&mut byte).await.unwrap();
        });
    });
}

#[test]
fn repeat_sink_and_empty_yield() {
    rt_common::watchdog(|| {
        assert_yields("repeat", || async {
            let mut buf = [0u8; 8];
            io::repeat(3).read(&mut buf).await.unwrap();
        });
        assert_yields("sink", || async {
            io::sink().write(b"x").await.unwrap();
        });
        assert_yields("empty", || async {
            let mut buf = [0u8; 8];
            io::empty().read(&mut buf).await.unwrap();
        });
    });
}

#[test]
fn buffered_wrappers_over_them_yield() {
    rt_common::watchdog(|| {
        assert_yields("BufReader<Repeat>", || async {
            let mut r = BufReader::with_capacity(16, io::repeat(5));
            let mut line = Vec::new();
            r.read_until(5, &mut line).await.unwrap();
        });
        assert_yields("BufWriter<Sink>", || async {
            let mut w = BufWriter::with_capacity(16, io::sink());
            w.write_all(&[0; 64]).await.unwrap();
            w.flush().await.unwrap();
        });
    });
}

#[test]
fn read_to_end_on_memory_and_take_chain_yield() {
    rt_common::watchdog(|| {
        assert_yields("read_to_end(&[u8])", || async {
            let mut out = Vec::new();
            (&b"in memory"[..]).read_to_end(&mut out).await.unwrap();
        });
        assert_yields("read_to_end(Cursor)", || async {
            let mut out = Vec::new();
            std::io::Cursor::new(b"cursor".to_vec())
                .read_to_end(&mut out)
                .await
                .unwrap();
        });
        assert_yields("Chain", || async {
            let mut out = String::new();
            (&b"a"[..])
                .chain(&b"b"[..])
                .read_to_string(&mut out)
                .await
                .unwrap();
        });
        assert_yields("Take", || async {
            let mut out = Vec::new();
            io::repeat(0).take(4).read_to_end(&mut out).await.unwrap();
        });
    });
}

#[test]
fn a_timeout_around_an_always_ready_loop_fires() {
    rt_common::watchdog(|| {
        for (name, rt) in rt_common::single_threaded_flavours() {
            let res = rt.block_on(corium::time::timeout(Duration::from_millis(20), async {
                loop {
                    io::copy(&mut io::repeat(0).take(1024), &mut io::sink())
                        .await
                        .unwrap();
                }
            }));
            assert!(res.is_err(), "{name}: the timeout never fired");
        }
    });
}
