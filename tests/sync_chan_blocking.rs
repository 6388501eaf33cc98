//! `blocking_*` calls work from plain threads and refuse, with a message that says what to do,
//! inside asynchronous code.

use corium::runtime::Runtime;
use corium::sync::{broadcast, mpsc, oneshot};

#[test]
fn blocking_calls_work_outside_a_runtime() {
    let (tx, mut rx) = mpsc::channel(1);
    let t = std::thread::spawn(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
        }
    });
    for i in 0..100 {
        assert_eq!(rx.blocking_recv(), Some(i));
    }
    assert_eq!(rx.blocking_recv(), None);
    t.join().unwrap();

    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || tx.send(1).unwrap());
    assert_eq!(rx.blocking_recv(), Ok(1));

    let (tx, mut rx) = broadcast::channel(2);
    tx.send(5).unwrap();
    assert_eq!(rx.blocking_recv(), Ok(5));
}

#[track_caller]
fn assert_refused(f: impl FnOnce() + Send + 'static, what: &str) {
    let rt = Runtime::new().unwrap();
    let err = rt
        .block_on(async move { corium::spawn(async move { f() }).await })
        .expect_err("a blocking call inside a task must panic");
    let panic = err.into_panic();
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("blocks its thread, but this thread is running async tasks")
            && msg.contains(what),
        "unexpected message: {msg}"
    );
}

#[test]
fn blocking_calls_panic_inside_async_code() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    assert_refused(
        move || {
            let _ = rx.blocking_recv();
        },
        "Receiver::blocking_recv",
    );
    assert_refused(
        move || {
            let _ = tx.blocking_send(1);
        },
        "Sender::blocking_send",
    );
    let (_tx, rx) = oneshot::channel::<u8>();
    assert_refused(
        move || {
            let _ = rx.blocking_recv();
        },
        "oneshot::Receiver::blocking_recv",
    );
}
