//! The `EVFILT_USER` waker (macOS, iOS, tvOS, watchOS, visionOS, FreeBSD): no fd to write,
//! only a user event inside the kqueue itself.
//!
//! `new` adds the event with `EV_CLEAR`, so after the poll reports it the kernel un-triggers
//! it: wakes before a poll coalesce into one event, and the next wake makes a new one. `wake`
//! triggers it with `NOTE_TRIGGER`. Nothing is ever full, so there is no drain path.

use std::io;

use crate::sys::kqueue::{change, receipt_errno};
use crate::sys::Selector;
use crate::trace::Layer;
use crate::Token;

/// The user event's ident. User events live in their own namespace (not fds), and there is
/// one waker per kqueue (the waker slot enforces it), so a fixed ident cannot collide; a
/// later waker for the same poll reuses — and so replaces — the event of a dropped one.
const IDENT: libc::uintptr_t = 0;

#[derive(Debug)]
pub(crate) struct Waker {
    /// A handle of its own on the kqueue, so `wake` stays valid (and harmless) after the
    /// `Poll` is dropped, and never reaches another kqueue that reused the fd number.
    selector: Selector,
    token: Token,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        let selector = selector.try_clone()?;
        let flags = libc::EV_ADD | libc::EV_CLEAR | libc::EV_RECEIPT;
        let mut changes = [change(IDENT, libc::EVFILT_USER, flags, token.0)];
        selector.apply(&mut changes)?;
        check(&changes[0])?;
        Ok(Waker { selector, token })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        crate::trace!(
            Layer::Selector,
            "Waker::wake: EVFILT_USER NOTE_TRIGGER, token={}",
            self.token.0
        );
        // EV_ADD so that the change also re-creates the event if it were ever deleted, with
        // the token as udata because any EV_ADD on an existing knote rewrites udata. No
        // EV_CLEAR here: on FreeBSD, EV_CLEAR in a change to a user event resets its trigger,
        // so it would cancel the NOTE_TRIGGER in the same change.
        let flags = libc::EV_ADD | libc::EV_RECEIPT;
        let mut changes = [change(IDENT, libc::EVFILT_USER, flags, self.token.0)];
        changes[0].fflags = libc::NOTE_TRIGGER;
        self.selector.apply(&mut changes)?;
        check(&changes[0])
    }
}

/// The receipt's errno as an error.
fn check(receipt: &libc::kevent) -> io::Result<()> {
    match receipt_errno(receipt) {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sys::event;

    #[test]
    fn wakes_coalesce_and_rearm() {
        let selector = Selector::new().unwrap();
        let waker = Waker::new(&selector, Token(7)).unwrap();
        let mut events = Vec::with_capacity(4);
        selector.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(events.is_empty(), "a new waker is not triggered");

        waker.wake().unwrap();
        waker.wake().unwrap();
        selector
            .select(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(events.len(), 1, "two wakes before a poll are one event");
        assert_eq!(event::token(&events[0]), Token(7));
        assert!(event::is_readable(&events[0]));

        // EV_CLEAR: reported once, then quiet until the next wake.
        selector.select(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(events.is_empty(), "the wake was reported twice");
        waker.wake().unwrap();
        selector
            .select(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(events.len(), 1, "a wake after a reported one is lost");
    }

    #[test]
    fn wake_after_the_poll_is_dropped_is_harmless() {
        let selector = Selector::new().unwrap();
        let waker = Waker::new(&selector, Token(1)).unwrap();
        drop(selector);
        waker.wake().unwrap();
    }
}
