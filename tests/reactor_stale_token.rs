//! Behaviour: a token names a slab slot *and* a generation, so an event for a source whose
//! registration was released — even when the slot already holds a new source — is dropped.

mod reactor_common;

use std::io::Write;
use std::time::Duration;

use corium_reactor::{Config, Driver, Interest, Registration};
use reactor_common::{pair, read_ready_now, turn_until};

/// Every target has at least 20 index bits (see the crate docs on tokens).
const LOW_INDEX_MASK: usize = (1 << 20) - 1;

#[test]
fn event_with_a_released_token_does_not_reach_the_slots_new_owner() {
    let mut driver = Driver::new(Config::default()).unwrap();
    let handle = driver.handle();

    // `old` stays registered in the kernel (a Registration does not deregister on drop; only
    // its owner can), so its events keep carrying the released token.
    let (mut old, mut old_peer) = pair();
    let reg =
        Registration::new_with_interest_and_handle(&mut old, Interest::READABLE, handle.clone())
            .unwrap();
    let old_token = reg.token();
    drop(reg);
    assert_eq!(
        handle.metrics().registered_fds,
        1,
        "freed only at the next turn"
    );
    driver.turn(Some(Duration::ZERO)).unwrap();
    assert_eq!(handle.metrics().registered_fds, 0);

    let (mut new, _new_peer) = pair();
    let new_reg =
        Registration::new_with_interest_and_handle(&mut new, Interest::READABLE, handle.clone())
            .unwrap();
    assert_ne!(new_reg.token(), old_token);
    assert_eq!(
        new_reg.token().0 & LOW_INDEX_MASK,
        old_token.0 & LOW_INDEX_MASK,
        "the freed slot should be reused, or this test proves nothing"
    );

    // A control source, made ready after the stale one: once the control's event is in, the
    // stale event (queued first by the kernel) has been processed too.
    let (mut control, mut control_peer) = pair();
    let control_reg = Registration::new_with_interest_and_handle(
        &mut control,
        Interest::READABLE,
        handle.clone(),
    )
    .unwrap();
    let events = handle.metrics().events;
    old_peer.write_all(b"stale").unwrap();
    control_peer.write_all(b"fresh").unwrap();
    turn_until(&mut driver, || read_ready_now(&control_reg).is_some());

    assert!(
        read_ready_now(&new_reg).is_none(),
        "a stale token's event set readiness on the slot's new owner"
    );
    assert_eq!(
        handle.metrics().events - events,
        1,
        "only the control's event is delivered"
    );
}
