//! The [`Seek`] future.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncSeek;

/// Future of [`AsyncSeekExt::seek`](crate::io::AsyncSeekExt::seek) (and of `rewind` and
/// `stream_position`).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seeker: &'a mut S,
    // `Some` until `start_seek` has been called; afterwards the future only waits.
    position: Option<SeekFrom>,
}

impl<'a, S: ?Sized> Seek<'a, S> {
    pub(crate) fn new(seeker: &'a mut S, position: SeekFrom) -> Self {
        Seek {
            seeker,
            position: Some(position),
        }
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if let Some(position) = me.position {
            // A seek dropped half-way (its future cancelled) may still be in progress; one
            // seek at a time, so let it finish before starting ours.
            ready!(Pin::new(&mut *me.seeker).poll_complete(cx))?;
            me.position = None;
            Pin::new(&mut *me.seeker).start_seek(position)?;
        }
        Pin::new(&mut *me.seeker).poll_complete(cx)
    }
}
