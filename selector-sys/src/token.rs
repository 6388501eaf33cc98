//! [`Token`]: the number that ties an event back to its source.

/// Associates readiness events with the [`Source`](crate::event::Source) that was registered.
///
/// The kernel stores the token's `usize` beside the registration (in `epoll_event.data` or
/// `kevent.udata`) and hands it back with every event. It is never a pointer here: the layer
/// above (the reactor) uses a slab index plus a generation, so an event for a slot that was
/// released and reused can be recognised and dropped.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

impl From<Token> for usize {
    fn from(token: Token) -> usize {
        token.0
    }
}
