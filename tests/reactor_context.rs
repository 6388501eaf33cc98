//! Behaviour: the thread's current reactor handle, and the errors for a missing or disabled
//! reactor.

mod reactor_common;

use std::io;
use std::panic;

use corium_reactor::{Config, Driver, Handle, Interest, PollEvented};
use reactor_common::pair;

const NO_REACTOR: &str = "there is no reactor running: this must be called from within a \
                          corium runtime (Runtime::block_on / spawn) or inside Handle::enter";

#[test]
fn current_panics_and_try_current_errs_outside_a_reactor() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert_eq!(err.to_string(), NO_REACTOR);

    let payload = panic::catch_unwind(Handle::current).unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    assert_eq!(message, NO_REACTOR);
}

#[test]
fn enter_guards_nest_and_restore() {
    let first = Driver::new(Config::default()).unwrap();
    let second = Driver::new(Config::default()).unwrap();
    // Tell the handles apart by state: only the second is shut down.
    second.handle().shutdown();
    {
        let _outer = first.handle().enter();
        assert!(!Handle::current().is_shutdown());
        {
            let _inner = second.handle().enter();
            assert!(Handle::current().is_shutdown());
        }
        assert!(
            !Handle::current().is_shutdown(),
            "the outer handle must be restored"
        );
    }
    assert!(Handle::try_current().is_err());
}

#[test]
fn poll_evented_new_uses_the_current_handle() {
    let (sock, _peer) = pair();
    let err = PollEvented::new(sock).unwrap_err();
    assert_eq!(err.to_string(), NO_REACTOR);

    let driver = Driver::new(Config::default()).unwrap();
    let _guard = driver.handle().enter();
    let (sock, _peer) = pair();
    let io = PollEvented::new(sock).unwrap();
    assert_eq!(driver.handle().metrics().registered_fds, 1);
    drop(io);
}

#[test]
fn bad_configuration_is_an_error_naming_the_fix() {
    let driver = Driver::new(Config {
        enable_io: false,
        ..Config::default()
    })
    .unwrap();
    let (sock, _peer) = pair();
    let err = PollEvented::new_with_interest_and_handle(sock, Interest::READABLE, driver.handle())
        .unwrap_err();
    assert!(err.to_string().contains("enable_io"), "{err}");

    let err = Driver::new(Config {
        event_capacity: 0,
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("event_capacity"), "{err}");
}

#[test]
fn registering_a_source_twice_is_the_selectors_error() {
    let driver = Driver::new(Config::default()).unwrap();
    let (mut sock, _peer) = pair();
    let first = corium_reactor::Registration::new_with_interest_and_handle(
        &mut sock,
        Interest::READABLE,
        driver.handle(),
    )
    .unwrap();
    let err = corium_reactor::Registration::new_with_interest_and_handle(
        &mut sock,
        Interest::READABLE,
        driver.handle(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    // The failed attempt's slot was given back at once.
    assert_eq!(driver.handle().metrics().registered_fds, 1);
    drop(first);
}

#[test]
fn thread_safety_of_the_public_types() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Handle>();
    send_sync::<corium_reactor::Registration>();
    send_sync::<corium_reactor::ScheduledIo>();
    send_sync::<PollEvented<reactor_common::Sock>>();
    send_sync::<corium_reactor::Readiness<'static>>();
    send_sync::<corium_reactor::ReadyEvent>();

    let driver = Driver::new(Config::default()).unwrap();
    let (mut sock, _peer) = pair();
    let reg = corium_reactor::Registration::new_with_interest_and_handle(
        &mut sock,
        Interest::READABLE,
        driver.handle(),
    )
    .unwrap();
    // The futures a task holds across an await must be Send for a work-stealing runtime.
    send(&reg.async_io(Interest::READABLE, || Ok(())));
    send(&reg.readiness(Interest::READABLE));
    send(&driver);
}
