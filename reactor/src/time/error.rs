//! Timer errors, where tokio keeps them: [`Elapsed`] (a [`Timeout`](super::Timeout)'s deadline
//! passed) and [`Error`] (the timer itself could not do its job).
//!
//! corium's timers never fail at run time — a `Sleep` on a shut-down runtime completes, a
//! deadline too far away saturates to thirty years, and the wheel's slab grows as needed — so
//! nothing in corium returns an [`Error`] today. It exists so code written against tokio's
//! `time::error::Error` (matching on `is_shutdown`, say) compiles unchanged.

use std::error;
use std::fmt;

pub use super::timeout::Elapsed;

/// A timer failure: the runtime's timers were shut down, are at capacity, or were given an
/// invalid deadline. See the [module docs](self) for when corium produces one (never, today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The timers were shut down with their runtime.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether this is [`shutdown`](Error::shutdown).
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// No room for another timer.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether this is [`at_capacity`](Error::at_capacity).
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// A deadline the timers cannot represent.
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether this is [`invalid`](Error::invalid).
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => "the timers were shut down with their runtime",
            Kind::AtCapacity => "the timers are at capacity: no room for another timer",
            Kind::Invalid => "the timer's deadline is beyond what the timers can represent",
        })
    }
}

impl error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_answers_only_its_own_question() {
        let all = [Error::shutdown(), Error::at_capacity(), Error::invalid()];
        for (i, e) in all.iter().enumerate() {
            assert_eq!(
                [e.is_shutdown(), e.is_at_capacity(), e.is_invalid()],
                [i == 0, i == 1, i == 2]
            );
        }
        assert!(Error::shutdown().to_string().contains("shut down"));
        assert_eq!(Elapsed::new().to_string(), "deadline has elapsed");
    }
}
