//! `Blocking` over real blocking descriptors (a std `UnixStream` pair, blocking by default)
//! and over scripted readers/writers, on both runtime flavours.

use super::*;
use crate::io::{AsyncReadExt, AsyncWriteExt};
use corium_executor::runtime::{Builder, Runtime};
use std::future::{poll_fn, Future};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::sync::mpsc;
use std::task::Waker;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn runtimes() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// Deterministic bytes, different at every offset within a period far longer than MAX_BUF.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Polls `fut` once: `Some(output)` if it was ready.
async fn poll_once<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        Poll::Ready(match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

#[test]
fn reads_everything_a_blocking_socket_delivers() {
    for rt in runtimes() {
        let data = pattern(3 * MAX_BUF + 123);
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let expected = data.clone();
        let writer = std::thread::spawn(move || {
            // Uneven chunks, so reads see partial data.
            for chunk in data.chunks(10_007) {
                theirs.write_all(chunk).unwrap();
            }
        });
        let got = rt.block_on(async {
            let mut reader = Blocking::new("test socket", ours);
            let mut got = Vec::new();
            reader.read_to_end(&mut got).await.unwrap();
            got
        });
        writer.join().unwrap();
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "bytes differ");
    }
}

#[test]
fn writes_everything_in_order_and_flush_waits_for_it() {
    for rt in runtimes() {
        let data = pattern(2 * MAX_BUF + 999);
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.set_read_timeout(Some(LIMIT)).unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            theirs.read_to_end(&mut got).map(|_| got)
        });
        rt.block_on(async {
            let mut writer = Blocking::new("test socket", ours);
            // One poll_write accepts at most MAX_BUF, all of it at once.
            assert_eq!(writer.write(&data).await.unwrap(), MAX_BUF);
            writer.write_all(&data[MAX_BUF..]).await.unwrap();
            writer.flush().await.unwrap();
            // Dropping the writer closes our end: the reader sees end of stream.
        });
        let got = reader.join().unwrap().expect("read what was written");
        assert_eq!(got.len(), data.len());
        assert!(got == data, "bytes differ");
    }
}

/// A reader whose one read waits for the test to hand it the bytes to return.
struct Gated {
    input: mpsc::Receiver<Vec<u8>>,
    reads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Read for Gated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let bytes = self.input.recv_timeout(LIMIT).unwrap_or_default();
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }
}

#[test]
fn bytes_of_a_cancelled_read_go_to_the_next_reads() {
    for rt in runtimes() {
        let (tx, rx) = mpsc::channel();
        let reads = std::sync::Arc::default();
        let mut reader = Blocking::new(
            "gated",
            Gated {
                input: rx,
                reads: std::sync::Arc::clone(&reads),
            },
        );
        rt.block_on(async {
            let mut big = [0u8; 64];
            // The inner read waits for `tx`, so this first poll must be Pending; dropping
            // the future leaves the read in flight.
            assert!(poll_once(reader.read(&mut big)).await.is_none());
            tx.send(b"abcdefgh".to_vec()).unwrap();
            let mut small = [0u8; 3];
            assert_eq!(reader.read(&mut small).await.unwrap(), 3);
            assert_eq!(&small, b"abc");
            let n = reader.read(&mut big).await.unwrap();
            assert_eq!(&big[..n], b"defgh");
        });
        assert_eq!(
            reads.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "the leftover bytes must not cost a second inner read"
        );
    }
}

/// A writer that fails every write and counts flushes.
struct Broken {
    flushes: usize,
}

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::BrokenPipe,
            "scripted failure",
        ))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushes += 1;
        Ok(())
    }
}

#[test]
fn a_failed_queued_write_surfaces_on_flush() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut writer = Blocking::new("broken", Broken { flushes: 0 });
            // Accepted when queued: the failure is not known yet.
            assert_eq!(writer.write(b"doomed").await.unwrap(), 6);
            let err = writer.flush().await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
            // The failure was reported once; nothing is left to flush but the dirty mark,
            // so the next flush reaches the inner writer and succeeds.
            writer.flush().await.unwrap();
            let State::Idle(parts) = &writer.state else {
                panic!("idle after a completed flush");
            };
            assert_eq!(parts.inner.flushes, 1);
        });
    }
}

#[test]
fn outside_a_runtime_operations_fail_and_queue_nothing() {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let mut stream = Blocking::new("test socket", ours);
    let mut cx = Context::from_waker(Waker::noop());

    let mut space = [0u8; 8];
    let mut buf = ReadBuf::new(&mut space);
    let Poll::Ready(Err(err)) = Pin::new(&mut stream).poll_read(&mut cx, &mut buf) else {
        panic!("a read outside a runtime must fail at once");
    };
    assert!(err.to_string().contains("runtime"), "{err}");
    let Poll::Ready(Err(err)) = Pin::new(&mut stream).poll_write(&mut cx, b"lost") else {
        panic!("a write outside a runtime must fail at once");
    };
    assert!(err.to_string().contains("test socket"), "{err}");

    // The same stream works inside a runtime, and the refused bytes were not kept.
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        stream.write_all(b"kept").await.unwrap();
        stream.flush().await.unwrap();
    });
    drop(stream);
    theirs.set_read_timeout(Some(LIMIT)).unwrap();
    let mut got = Vec::new();
    theirs.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"kept");
}

/// A reader that panics, as a buggy `Read` impl might.
struct Panics;

impl Read for Panics {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        panic!("scripted panic inside a blocking read");
    }
}

#[test]
fn a_panicking_inner_stream_becomes_an_error_not_a_panic() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut reader = Blocking::new("panicky", Panics);
            let mut buf = [0u8; 4];
            let first = reader.read(&mut buf).await.unwrap_err();
            assert!(first.to_string().contains("did not complete"), "{first}");
            let second = reader.read(&mut buf).await.unwrap_err();
            assert!(second.to_string().contains("create a new one"), "{second}");
        });
    }
}
