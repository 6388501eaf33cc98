//! `join!` and `try_join!`: outputs in argument order whatever the completion order, the
//! round-robin start and `biased;`, the short circuit on the first `Err`, and `pin!`'s forms.

mod macros_common;

use std::future::{pending, poll_fn, ready};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use corium::task::yield_now;
use corium::time::timeout;
use corium::{join, try_join};
use macros_common::{block_on, DropLog};

/// A future that yields `yields` times, then returns `value`.
async fn after(yields: usize, value: &'static str) -> &'static str {
    for _ in 0..yields {
        yield_now().await;
    }
    value
}

#[test]
fn join_returns_outputs_in_argument_order() {
    let got = block_on(async { join!(after(3, "a"), after(0, "b"), after(1, "c"),) });
    assert_eq!(got, ("a", "b", "c"));
    assert_eq!(block_on(async { join!() }), ());
    assert_eq!(block_on(async { join!(ready(1)) }), (1,));
}

/// Polls three never-ready futures `rounds` times under `join!` (or its biased form) and
/// returns, per round, which future was polled first.
fn first_polled(biased: bool, rounds: usize) -> Vec<usize> {
    let log = Arc::new(Mutex::new(Vec::<usize>::new()));
    let probe = |id: usize| {
        let log = log.clone();
        poll_fn(move |cx| {
            log.lock().unwrap().push(id);
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        })
    };
    block_on(async {
        let mut polls = 0;
        // The join never finishes; a counting future beside it in a select ends the test.
        let counter = poll_fn(|cx| {
            polls += 1;
            if polls > rounds {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        });
        if biased {
            corium::select! {
                biased;
                () = counter => {}
                _ = async { join!(biased; probe(0), probe(1), probe(2)) } => unreachable!(),
            }
        } else {
            corium::select! {
                biased;
                () = counter => {}
                _ = async { join!(probe(0), probe(1), probe(2)) } => unreachable!(),
            }
        }
    });
    let log = log.lock().unwrap();
    log.chunks(3).map(|round| round[0]).collect()
}

#[test]
fn join_starts_each_poll_with_the_next_future() {
    assert_eq!(first_polled(false, 6), [0, 1, 2, 0, 1, 2]);
}

#[test]
fn biased_join_always_starts_with_the_first_future() {
    assert_eq!(first_polled(true, 4), [0, 0, 0, 0]);
}

#[test]
fn try_join_collects_every_ok_in_order() {
    let got: Result<_, ()> = block_on(async {
        try_join!(async { Ok(after(2, "a").await) }, async {
            Ok(after(0, "b").await)
        },)
    });
    assert_eq!(got, Ok(("a", "b")));
}

#[test]
fn the_first_err_returns_at_once_and_drops_the_unfinished_futures() {
    let log = DropLog::default();
    let got: Result<((), u8, ()), &str> = block_on(async {
        // Bounded, so a try_join! that waited for every future fails instead of hanging.
        let got = timeout(Duration::from_secs(10), async {
            try_join!(
                async {
                    log.guard("never ready", pending::<()>()).await;
                    Ok(())
                },
                async { Ok(1) },
                async {
                    yield_now().await;
                    Err("second poll")
                },
            )
        })
        .await
        .expect("try_join! kept waiting after an Err");
        log.push("try_join returned");
        got
    });
    assert_eq!(got, Err("second poll"));
    assert_eq!(log.entries(), ["dropped never ready", "try_join returned"]);
}

#[test]
fn biased_try_join_stops_at_the_first_err_in_argument_order() {
    let polled_after_err = Arc::new(Mutex::new(false));
    let got: Result<((), ()), u8> = block_on(async {
        try_join!(
            biased;
            ready(Err(1)),
            poll_fn(|_| {
                *polled_after_err.lock().unwrap() = true;
                Poll::Ready(Ok(()))
            }),
        )
    });
    assert_eq!(got, Err(1));
    assert!(
        !*polled_after_err.lock().unwrap(),
        "polled a future after the Err"
    );
}

#[test]
fn pin_shadows_variables_declares_new_ones_and_works_as_an_expression() {
    let got = block_on(async {
        // Async blocks are `!Unpin`: awaiting one through `&mut` needs it pinned.
        let a = after(1, "a");
        let b = after(2, "b");
        corium::pin!(a, b);
        let first = (&mut a).await;
        corium::pin! {
            let c = after(0, "c");
        }
        let second = c.as_mut().await;
        let third = corium::pin!(after(1, "d")).await;
        (first, b.await, second, third)
    });
    assert_eq!(got, ("a", "b", "c", "d"));
}
