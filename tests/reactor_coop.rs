//! Behaviour: readiness polls spend the task's cooperative budget, so a task whose socket is
//! always ready still yields.

mod reactor_common;

use std::future::Future;
use std::io::Write;
use std::task::{Context, Poll};

use corium_reactor::coop;
use corium_reactor::{Config, Driver, Interest, PollEvented};
use reactor_common::{counting_waker, pair, read_ready_now, turn_until};

#[test]
fn an_always_ready_source_yields_after_the_budget() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let (sock, mut peer) = pair();
    let io = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap();
    let reg = io.registration();
    peer.write_all(b"x").unwrap();
    turn_until(&mut driver, || read_ready_now(reg).is_some());

    let (count, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let (ready_polls, exhausted) = coop::budget(|| {
        let mut n = 0;
        while let Poll::Ready(ev) = reg.poll_read_ready(&mut cx) {
            ev.unwrap();
            n += 1;
            assert!(n <= coop::BUDGET, "the budget did not stop the loop");
        }
        n
    });
    assert_eq!(ready_polls, coop::BUDGET);
    assert!(exhausted);
    assert_eq!(
        count.get(),
        1,
        "a yielding operation must wake its task to run again"
    );

    // The Readiness future spends budget too.
    let ((), exhausted) = coop::budget(|| {
        for _ in 0..coop::BUDGET {
            let mut fut = Box::pin(reg.readiness(Interest::READABLE));
            assert!(fut.as_mut().poll(&mut cx).is_ready());
        }
        let mut fut = Box::pin(reg.readiness(Interest::READABLE));
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    });
    assert!(exhausted);

    // Outside a budget nothing is limited.
    for _ in 0..coop::BUDGET * 2 {
        assert!(reg.poll_read_ready(&mut cx).is_ready());
    }
}
