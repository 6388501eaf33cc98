//! `EnterGuard`s dropped out of order would leave the wrong runtime current: detected and
//! reported with a panic that says what to do (edge 5).

mod rt_common;

use corium_executor::runtime::{Handle, RuntimeFlavor};
use rt_common::panic_message;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn guards_dropped_out_of_order_panic() {
    rt_common::watchdog(|| {
        let a = rt_common::current_thread();
        let b = rt_common::multi_thread();
        let ga = a.enter();
        let gb = b.enter();
        let res = catch_unwind(AssertUnwindSafe(move || drop(ga)));
        let msg = panic_message(&*res.expect_err("dropping the outer guard first must panic"));
        assert!(msg.contains("out of order"), "{msg}");
        assert!(msg.contains("reverse order"), "{msg}");
        drop(gb);
    });
}

#[test]
fn guards_dropped_in_order_restore_each_runtime() {
    rt_common::watchdog(|| {
        let a = rt_common::current_thread();
        let b = rt_common::multi_thread();
        assert!(Handle::try_current().is_err());
        let ga = a.enter();
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::CurrentThread
        );
        let gb = b.enter();
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::MultiThread
        );
        drop(gb);
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::CurrentThread
        );
        drop(ga);
        assert!(Handle::try_current().is_err());
    });
}

#[test]
fn a_guard_dropped_inside_block_on_of_another_runtime_panics() {
    rt_common::watchdog(|| {
        let a = rt_common::current_thread();
        let b = rt_common::current_thread();
        let ga = a.enter();
        let res = b.block_on(async move { catch_unwind(AssertUnwindSafe(move || drop(ga))) });
        let msg = panic_message(&*res.expect_err("the guard is not the innermost one"));
        assert!(msg.contains("out of order"), "{msg}");
    });
}
