//! An `EventLog`: a `Poll` that remembers what each token has seen, for tests that wait for
//! one specific readiness while other sources may report in between.

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use corium::sys::event::Event;
use corium::sys::{Events, Poll, Registry, Token};

/// How long any wait for an expected event may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// Everything seen for one token so far: edges may arrive split over several events.
#[derive(Debug, Default, Clone, Copy)]
pub struct Seen {
    pub readable: bool,
    pub writable: bool,
    pub error: bool,
    pub read_closed: bool,
    pub write_closed: bool,
}

impl Seen {
    pub fn add(&mut self, e: &Event) {
        self.readable |= e.is_readable();
        self.writable |= e.is_writable();
        self.error |= e.is_error();
        self.read_closed |= e.is_read_closed();
        self.write_closed |= e.is_write_closed();
    }
}

/// A `Poll` plus what each token has seen and not yet been waited for. Events for other
/// tokens must be kept, not dropped: with edge-triggered registrations they come only once.
pub struct EventLog {
    poll: Poll,
    events: Events,
    seen: HashMap<Token, Seen>,
}

impl EventLog {
    pub fn new() -> EventLog {
        EventLog {
            poll: Poll::new().unwrap(),
            events: Events::with_capacity(16),
            seen: HashMap::new(),
        }
    }

    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// Polls until the events for `token` satisfy `done`, failing after [`DEADLINE`] with
    /// `what`; returns (and forgets) everything seen for `token`.
    #[track_caller]
    pub fn wait_for(&mut self, token: Token, what: &str, done: impl Fn(&Seen) -> bool) -> Seen {
        let start = Instant::now();
        loop {
            let seen = self.seen.entry(token).or_default();
            if done(seen) {
                return self.seen.remove(&token).unwrap_or_default();
            }
            let left = DEADLINE.saturating_sub(start.elapsed());
            assert!(
                !left.is_zero(),
                "no {what} for {token:?} within {DEADLINE:?}; saw {seen:?}"
            );
            match self.poll.poll(&mut self.events, Some(left)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => panic!("poll failed: {e}"),
            }
            for e in self.events.iter() {
                self.seen.entry(e.token()).or_default().add(e);
            }
        }
    }
}
