//! Unit tests of the kqueue backend's pure parts (run on BSD and Apple only).
use super::*;

/// Turns each change of `batch` into a receipt carrying the matching errno (0 = applied).
fn receipts(batch: &mut Batch, errnos: &[i32]) {
    assert_eq!(batch.len, errnos.len(), "one errno per change");
    for (change, &errno) in batch.changes().iter_mut().zip(errnos) {
        change.flags = libc::EV_ERROR;
        change.data = errno as _;
    }
}

fn ev(filter: Filter, flags: Flags, fflags: u32) -> Event {
    let mut kev = change(5, filter, flags, 3);
    kev.fflags = fflags;
    kev.data = 12;
    Event(kev)
}

#[test]
fn event_is_a_transparent_kevent() {
    assert_eq!(
        std::mem::size_of::<Event>(),
        std::mem::size_of::<libc::kevent>()
    );
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Events>();
}

#[test]
fn timespec_keeps_precision_and_clamps_huge_waits() {
    let ts = timespec(Duration::ZERO);
    assert_eq!((ts.tv_sec, ts.tv_nsec), (0, 0));
    let ts = timespec(Duration::from_micros(1_500_250));
    assert_eq!((ts.tv_sec, ts.tv_nsec), (1, 500_250_000));
    let ts = timespec(Duration::from_nanos(1));
    assert_eq!(
        (ts.tv_sec, ts.tv_nsec),
        (0, 1),
        "sub-ms waits are not rounded"
    );
    for huge in [
        Duration::MAX,
        Duration::from_secs(u64::MAX),
        Duration::from_secs(MAX_WAIT_SECS),
    ] {
        let ts = timespec(huge);
        assert_eq!(
            (ts.tv_sec, ts.tv_nsec),
            (MAX_WAIT_SECS as libc::time_t, 0),
            "{huge:?}"
        );
    }
    let ts = timespec(Duration::from_secs(MAX_WAIT_SECS - 1));
    assert_eq!(ts.tv_sec, (MAX_WAIT_SECS - 1) as libc::time_t);
}

#[test]
fn change_sets_only_the_given_fields() {
    let kev = change(7, libc::EVFILT_WRITE, ADD, 42);
    let (ident, data) = (kev.ident, kev.data);
    assert_eq!((ident, data), (7, 0));
    assert_eq!(kev.filter, libc::EVFILT_WRITE);
    assert_eq!(kev.flags, libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT);
    assert_eq!(kev.fflags, 0);
    assert_eq!(kev.udata as usize, 42);
}

#[test]
fn registration_changes_one_kevent_per_filter() {
    let both = Interest::READABLE | Interest::WRITABLE;
    assert!(wants(both, libc::EVFILT_READ) && wants(both, libc::EVFILT_WRITE));
    assert!(!wants(Interest::WRITABLE, libc::EVFILT_READ));
    assert!(wants(Interest::WRITABLE, libc::EVFILT_WRITE));
    assert!(!wants(Interest::READABLE, libc::EVFILT_WRITE));
    let mut batch = Batch::new();
    batch.push(Role::Add, 9, libc::EVFILT_READ, Token(77));
    batch.push(Role::Delete, 9, libc::EVFILT_WRITE, Token(77));
    batch.push(Role::Probe, 9, libc::EVFILT_READ, Token(77));
    let c = batch.changes();
    assert_eq!(c.len(), 3);
    assert_eq!(c[0].flags, ADD);
    assert_eq!(c[1].flags, libc::EV_DELETE | libc::EV_RECEIPT);
    assert_ne!(c[2].flags & libc::EV_ENABLE, 0);
    assert_eq!(
        c[2].flags & libc::EV_ADD,
        0,
        "a probe must never create a knote"
    );
    assert!(c.iter().all(|c| c.ident == 9 && c.udata as usize == 77));
}

#[test]
fn deregister_is_not_found_only_when_both_filters_are_missing() {
    let two_deletes = || {
        let mut b = Batch::new();
        b.push(Role::Delete, 4, libc::EVFILT_READ, Token(0));
        b.push(Role::Delete, 4, libc::EVFILT_WRITE, Token(0));
        b
    };
    let mut b = two_deletes();
    receipts(&mut b, &[libc::ENOENT, libc::ENOENT]);
    assert_eq!(
        b.outcome(),
        Outcome {
            found: false,
            error: None
        }
    );
    let mut b = two_deletes();
    receipts(&mut b, &[libc::ENOENT, 0]);
    assert_eq!(
        b.outcome(),
        Outcome {
            found: true,
            error: None
        },
        "write-only registration"
    );
    let mut b = two_deletes();
    receipts(&mut b, &[libc::EBADF, libc::EBADF]);
    assert_eq!(b.outcome().error, Some(libc::EBADF));
}

#[test]
fn reregister_finds_a_registration_through_its_probe_or_delete() {
    // reregister(READABLE) of an fd registered for WRITABLE only.
    let mut b = Batch::new();
    b.push(Role::Probe, 4, libc::EVFILT_READ, Token(1));
    b.push(Role::Add, 4, libc::EVFILT_READ, Token(1));
    b.push(Role::Delete, 4, libc::EVFILT_WRITE, Token(1));
    receipts(&mut b, &[libc::ENOENT, 0, 0]);
    assert_eq!(
        b.outcome(),
        Outcome {
            found: true,
            error: None
        }
    );

    // reregister(READABLE) of an unregistered fd: nothing found, and the add is undone.
    receipts(&mut b, &[libc::ENOENT, 0, libc::ENOENT]);
    assert!(!b.outcome().found);
    let undone: Vec<_> = b
        .entries()
        .filter(|&(c, r)| r == Role::Add && verdict(r, c) == Verdict::Done)
        .map(|(c, _)| c.filter)
        .collect();
    assert_eq!(undone, [libc::EVFILT_READ]);
}

#[test]
fn epipe_is_tolerated_only_when_adding_the_write_filter() {
    let mut b = Batch::new();
    b.push(Role::Add, 4, libc::EVFILT_READ, Token(1));
    b.push(Role::Add, 4, libc::EVFILT_WRITE, Token(1));
    receipts(&mut b, &[0, libc::EPIPE]);
    assert_eq!(b.outcome().error, None);
    receipts(&mut b, &[libc::EPIPE, 0]);
    assert_eq!(b.outcome().error, Some(libc::EPIPE));
    // A probe that meets something other than ENOENT is a real error too.
    let mut p = Batch::new();
    p.push(Role::Probe, 4, libc::EVFILT_WRITE, Token(1));
    receipts(&mut p, &[libc::EPIPE]);
    assert_eq!(p.outcome().error, Some(libc::EPIPE));
}

#[test]
fn receipt_errno_reads_data() {
    let mut kev = change(1, libc::EVFILT_USER, libc::EV_ERROR, 0);
    assert_eq!(receipt_errno(&kev), 0);
    kev.data = libc::EBADF as _;
    assert_eq!(receipt_errno(&kev), libc::EBADF);
}

#[test]
fn event_mapping() {
    let read = ev(libc::EVFILT_READ, libc::EV_CLEAR, 0);
    assert!(event::is_readable(&read) && !event::is_writable(&read));
    assert!(!event::is_read_closed(&read) && !event::is_error(&read));
    assert_eq!(event::token(&read), Token(3));

    let read_eof = ev(libc::EVFILT_READ, libc::EV_EOF, 0);
    assert!(event::is_read_closed(&read_eof));
    assert!(!event::is_write_closed(&read_eof), "EOF on the read filter");
    assert!(!event::is_error(&read_eof), "a clean EOF is not an error");

    let reset = ev(libc::EVFILT_WRITE, libc::EV_EOF, libc::ECONNRESET as u32);
    assert!(event::is_writable(&reset) && event::is_write_closed(&reset));
    assert!(event::is_error(&reset) && !event::is_read_closed(&reset));

    let user = ev(libc::EVFILT_USER, libc::EV_CLEAR, 0);
    assert!(event::is_readable(&user) && !event::is_writable(&user));

    let error = ev(libc::EVFILT_READ, libc::EV_ERROR, 0);
    assert!(event::is_error(&error));
    assert!(!event::is_priority(&read_eof) && !event::is_priority(&error));
}

#[test]
fn debug_details_names_filter_and_flags() {
    let shown = format!(
        "{:?}",
        event::DebugDetails(&ev(libc::EVFILT_READ, libc::EV_CLEAR | libc::EV_EOF, 0))
    );
    assert_eq!(
        shown,
        "kevent { ident: 5, filter: EVFILT_READ, flags: EV_CLEAR | EV_EOF, fflags: 0x0, data: 12, udata: 3 }"
    );
    let shown = format!("{:?}", event::DebugDetails(&ev(libc::EVFILT_USER, 0, 0)));
    assert!(shown.contains("filter: EVFILT_USER, flags: 0,"), "{shown}");
}
