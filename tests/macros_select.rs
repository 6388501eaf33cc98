//! `select!`: the fair start, `biased;`, preconditions, patterns that do not match, `else`,
//! cancellation of the losers, use in a loop on a pinned future, 64 branches, and the panic
//! when nothing is left to wait on.

mod macros_common;

use std::future::{pending, ready, Future};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use corium::select;
use corium::task::yield_now;
use macros_common::{block_on, DropLog, NeverPoll};

#[test]
fn two_ready_branches_each_win_about_half_the_time() {
    const ROUNDS: u32 = 10_000;
    let wins = block_on(async {
        let mut wins = [0u32; 2];
        for _ in 0..ROUNDS {
            let winner = select! {
                () = ready(()) => 0,
                () = ready(()) => 1,
            };
            wins[winner] += 1;
        }
        wins
    });
    // Binomial(10,000, 0.5) has a standard deviation of 50: 40–60% is 20 of them.
    for (branch, &won) in wins.iter().enumerate() {
        assert!(
            (ROUNDS * 4 / 10..=ROUNDS * 6 / 10).contains(&won),
            "branch {branch} won {won} of {ROUNDS} rounds: {wins:?}"
        );
    }
}

#[test]
fn biased_polls_in_the_order_written() {
    let order = block_on(async {
        let mut order = Vec::new();
        for _ in 0..100 {
            order.push(select! {
                biased;
                v = ready(0) => v,
                v = ready(1) => v,
                v = ready(2) => v,
            });
        }
        order
    });
    assert_eq!(order, vec![0; 100]);
}

#[test]
fn a_false_precondition_disables_the_branch_but_still_evaluates_its_expression() {
    let evaluated = Arc::new(Mutex::new(0));
    let got = block_on(async {
        let count = || {
            *evaluated.lock().unwrap() += 1;
            NeverPoll
        };
        select! {
            biased;
            _ = count(), if false => unreachable!("a disabled branch ran"),
            v = ready(7), if true => v,
        }
    });
    assert_eq!(got, 7);
    assert_eq!(
        *evaluated.lock().unwrap(),
        1,
        "the expression was not evaluated"
    );
}

#[test]
fn a_pattern_that_does_not_match_disables_its_branch_and_the_rest_race_on() {
    let got = block_on(async {
        select! {
            biased;
            // Completes first, with a value the pattern refuses...
            Some(v) = ready(None::<u32>) => v,
            // ...so this one, two polls later, decides the select.
            v = async { yield_now().await; 9 } => v,
        }
    });
    assert_eq!(got, 9);
}

#[test]
fn mut_and_ref_bindings_work_in_branch_patterns() {
    let got = block_on(async {
        select! {
            Some(mut s) = ready(Some(String::from("a"))) => {
                s.push('b');
                s
            }
        }
    });
    assert_eq!(got, "ab");
    let got = block_on(async {
        select! {
            (ref a, Some(ref b)) = ready((1, Some(2))) => a + b,
        }
    });
    assert_eq!(got, 3);
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    let got = block_on(async {
        select! {
            _ = NeverPoll, if false => 1,
            Some(v) = ready(None) => v,
            else => 3,
        }
    });
    assert_eq!(got, 3);
}

#[test]
#[should_panic(expected = "all branches are disabled and there is no `else` branch")]
fn every_branch_disabled_and_no_else_panics() {
    block_on(async {
        select! {
            _ = NeverPoll, if false => {}
            Some(()) = ready(None) => {}
        }
    });
}

#[test]
fn the_losers_are_dropped_before_the_handler_runs() {
    let log = DropLog::default();
    block_on(async {
        select! {
            biased;
            () = log.guard("winner", ready(())) => log.push("handler"),
            () = log.guard("pending loser", pending::<()>()) => unreachable!(),
            () = log.guard("disabled loser", NeverPoll), if false => unreachable!(),
        }
    });
    // Every future is gone (in whatever order) before the handler starts.
    let mut entries = log.entries();
    assert_eq!(entries.pop().as_deref(), Some("handler"), "{entries:?}");
    entries.sort();
    assert_eq!(
        entries,
        [
            "dropped disabled loser",
            "dropped pending loser",
            "dropped winner"
        ]
    );
}

#[test]
fn a_pinned_future_keeps_its_progress_across_loop_iterations() {
    let (value, iterations) = block_on(async {
        // Needs four polls; one happens per iteration, so a select that restarted it each
        // time (or lost it) would loop forever.
        let slow = async {
            for _ in 0..3 {
                yield_now().await;
            }
            42
        };
        corium::pin!(slow);
        let mut iterations = 0;
        let value = loop {
            select! {
                biased;
                v = &mut slow => break v,
                () = ready(()) => iterations += 1,
            }
        };
        (value, iterations)
    });
    assert_eq!((value, iterations), (42, 3));
}

#[test]
fn handlers_can_break_continue_and_return_from_the_code_around() {
    fn first_even(items: &[u32]) -> Option<u32> {
        block_on(async {
            for &i in items {
                select! {
                    v = ready(i) => {
                        if v % 2 == 1 {
                            continue;
                        }
                        return Some(v);
                    }
                }
            }
            None
        })
    }
    assert_eq!(first_even(&[1, 3, 4, 5]), Some(4));
    assert_eq!(first_even(&[1, 3]), None);
}

/// A select of 64 branches where only the last is ready.
macro_rules! sixty_four {
    ($($i:literal)*) => {
        select! {
            $( v = async { if $i == 63 { $i } else { pending().await } } => v, )*
        }
    };
}

#[test]
fn sixty_four_branches() {
    let got = block_on(async {
        sixty_four!(
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63
        )
    });
    assert_eq!(got, 63);
}

#[test]
fn a_spent_coop_budget_makes_select_yield_before_polling() {
    use corium::reactor::coop;
    let (woken, waker) = macros_common::counting_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut select = Box::pin(async {
        select! { v = ready(1) => v }
    });
    let ((poll, woken_before), _) = coop::budget(|| {
        while let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
            unit.made_progress();
        }
        let woken_before = woken();
        (select.as_mut().poll(&mut cx), woken_before)
    });
    assert!(
        poll.is_pending(),
        "select! polled its branches with no budget left"
    );
    assert_eq!(
        woken(),
        woken_before + 1,
        "select! yielded without waking its task"
    );
    // With a fresh budget it completes.
    assert_eq!(
        coop::budget(|| select.as_mut().poll(&mut cx)).0,
        Poll::Ready(1)
    );
}

#[test]
fn select_and_join_futures_are_send_so_tasks_can_use_them() {
    let rt = corium::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let got = rt.block_on(async {
        // `spawn` demands `Send`: this compiles only if the expansions keep it.
        corium::spawn(async {
            let (a, b) = corium::join!(ready(1), async {
                yield_now().await;
                2
            });
            select! {
                v = ready(a + b) => v,
                () = pending() => unreachable!(),
            }
        })
        .await
        .unwrap()
    });
    assert_eq!(got, 3);
}
