//! Reading into a `Vec<u8>`'s spare capacity: the [`ReadToEnd`] and [`ReadBufVec`] futures.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future of [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    state: VecReadState,
}

impl<'a, R: ?Sized> ReadToEnd<'a, R> {
    pub(crate) fn new(reader: &'a mut R, buf: &'a mut Vec<u8>) -> Self {
        ReadToEnd {
            reader,
            buf,
            state: VecReadState::default(),
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        me.state
            .poll_to_end(Pin::new(&mut *me.reader), cx, me.buf)
            .map_ok(|()| mem::take(&mut me.state.read))
    }
}

/// Future of [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufVec<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    /// Kept across polls so a reader that initialises memory (one behind the futures-io
    /// adapter, say) zeroes the spare capacity once, not again after every `Pending`.
    state: VecReadState,
}

impl<'a, R: ?Sized> ReadBufVec<'a, R> {
    // With the `bytes` feature, `read_buf` takes any `BufMut` and uses `ReadBufMut` instead.
    #[cfg_attr(feature = "bytes", allow(dead_code))]
    pub(crate) fn new(reader: &'a mut R, buf: &'a mut Vec<u8>) -> Self {
        ReadBufVec {
            reader,
            buf,
            state: VecReadState::default(),
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadBufVec<'_, R> {
    type Output = io::Result<usize>;

    // Inlined into the caller's future: this is every `read_buf`'s hot path.
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if me.buf.len() == me.buf.capacity() {
            me.buf.reserve(READ_BUF_GROWTH);
            // The allocation may have moved: what was initialised is unknown again.
            me.state.spare_init = 0;
        }
        // Done after `Ready`: what the read left initialised need not be recorded.
        me.state
            .poll_once::<R, false>(Pin::new(&mut *me.reader), cx, me.buf)
    }
}

/// How much `read_buf` makes room for when the vector is full, like `bytes`' `BufMut for Vec`.
const READ_BUF_GROWTH: usize = 64;

/// Size of the stack probe used when the vector is exactly full, so reading to the end of a
/// stream whose length the caller guessed right does not double the allocation.
const PROBE_LEN: usize = 32;

/// Progress of a read-to-end over polls.
#[derive(Debug, Default)]
pub(crate) struct VecReadState {
    /// Bytes appended so far.
    pub(crate) read: usize,
    /// How many bytes at the start of the vector's spare capacity a previous read left
    /// initialised. Reset whenever the allocation may have moved.
    spare_init: usize,
}

impl VecReadState {
    /// Reads until end of stream, appending to `vec`. On error, the bytes read before it stay
    /// appended.
    pub(crate) fn poll_to_end<R: AsyncRead + ?Sized>(
        &mut self,
        mut reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        vec: &mut Vec<u8>,
    ) -> Poll<io::Result<()>> {
        loop {
            let n = if vec.len() == vec.capacity() {
                let mut probe = [0u8; PROBE_LEN];
                let mut buf = ReadBuf::new(&mut probe);
                ready!(reader.as_mut().poll_read(cx, &mut buf))?;
                // May reallocate, which is why the spare-capacity bookkeeping restarts.
                vec.extend_from_slice(buf.filled());
                self.spare_init = 0;
                buf.filled().len()
            } else {
                ready!(self.poll_once::<R, true>(reader.as_mut(), cx, vec))?
            };
            if n == 0 {
                return Poll::Ready(Ok(()));
            }
            self.read += n;
        }
    }

    /// One read into the spare capacity of `vec` (which may be empty; then this reads zero
    /// bytes). Returns how many bytes were appended.
    ///
    /// `KEEP` says whether the caller reads again into the same vector after a `Ready` (the
    /// read-to-end loop does; a single `read_buf` does not, so it need not work out what is
    /// left initialised: this runs on every poll of every `read_buf`).
    #[inline]
    pub(crate) fn poll_once<R: AsyncRead + ?Sized, const KEEP: bool>(
        &mut self,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
        vec: &mut Vec<u8>,
    ) -> Poll<io::Result<usize>> {
        let old_len = vec.len();
        let spare = vec.spare_capacity_mut();
        let (spare_ptr, spare_len) = (spare.as_ptr().cast::<u8>(), spare.len());
        // SAFETY: `spare_init` counts spare bytes an earlier read into this same allocation
        // initialised, so it is within the spare capacity: it is reset to 0 whenever the
        // vector may have reallocated; after `Pending` it is the cursor of a `ReadBuf` over
        // this same spare part (the length cannot change between polls while we hold
        // `&mut Vec`); after `Ready(n)` it drops by the `n` bytes the length grew (`KEEP`) or
        // is 0. Nobody else writes the vector while we hold `&mut Vec`.
        let mut buf = unsafe { ReadBuf::uninit_with_init(spare, self.spare_init) };
        let polled = reader.poll_read(cx, &mut buf);
        if buf.start_ptr() != spare_ptr || buf.capacity() != spare_len {
            self.spare_init = 0;
            return Poll::Ready(Err(swapped_read_buf()));
        }
        let (n, init) = buf.cursors();
        // Remembered even on `Pending` (when nothing counts as read), so the next poll does
        // not make the reader initialise the same bytes again.
        if polled.is_pending() {
            self.spare_init = init;
            return Poll::Pending;
        }
        ready!(polled)?;
        // Without `KEEP` the future is done, and 0 (a plain store) keeps the invariant below
        // should it be polled again anyway.
        self.spare_init = if KEEP { init - n } else { 0 };
        // SAFETY: the check above proves `buf` still views this vector's spare capacity, and
        // its invariant (filled <= initialized) says its first `n` bytes — the spare bytes at
        // `old_len..old_len + n` — are initialised. `n <= spare_len`, so the new length stays
        // within the capacity.
        unsafe { vec.set_len(old_len + n) };
        Poll::Ready(Ok(n))
    }
}

/// The error for an `AsyncRead` that assigned a different `ReadBuf` to the one it was lent,
/// which would leave the caller unable to tell which of its bytes were written.
#[cold]
pub(crate) fn swapped_read_buf() -> io::Error {
    io::Error::other(
        "AsyncRead::poll_read replaced the ReadBuf it was given with another buffer; \
         the reader implementation must only write into the buffer it receives",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::AsyncReadExt;
    use std::pin::pin;
    use std::task::Waker;

    fn now<F: Future>(f: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(f).poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("an always-ready future returned Pending"),
        }
    }

    /// Writes through `initialize_unfilled`, `chunk` bytes per call, and records how much of
    /// the unfilled part was already initialised when each call began.
    struct Zeroing<'d> {
        data: &'d [u8],
        chunk: usize,
        seen_init: Vec<usize>,
    }

    impl AsyncRead for Zeroing<'_> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let pre_init = buf.initialized().len() - buf.filled().len();
            self.seen_init.push(pre_init);
            let n = self.chunk.min(self.data.len()).min(buf.remaining());
            buf.initialize_unfilled()[..n].copy_from_slice(&self.data[..n]);
            buf.advance(n);
            self.data = &self.data[n..];
            Poll::Ready(Ok(()))
        }
    }

    /// Initialises the whole unfilled part (as a reader needing `&mut [u8]` must), then
    /// returns `Pending` once before reading; records the initialised spare seen each call.
    #[cfg(not(feature = "bytes"))]
    struct PendingOnce {
        pended: bool,
        seen_init: Vec<usize>,
    }

    #[cfg(not(feature = "bytes"))]
    impl AsyncRead for PendingOnce {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let pre_init = buf.initialized().len() - buf.filled().len();
            self.seen_init.push(pre_init);
            buf.initialize_unfilled();
            if !self.pended {
                self.pended = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            buf.put_slice(b"x");
            Poll::Ready(Ok(()))
        }
    }

    // With `bytes`, `read_buf` takes any `BufMut`, whose chunk may move between polls, so
    // there is nothing it can safely remember (tokio's does not either).
    #[cfg(not(feature = "bytes"))]
    #[test]
    fn read_buf_remembers_initialisation_across_pending() {
        let mut reader = PendingOnce {
            pended: false,
            seen_init: Vec::new(),
        };
        let mut out = Vec::with_capacity(64);
        let mut fut = pin!(reader.read_buf(&mut out));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Ready(Ok(1))));
        assert_eq!(out, b"x");
        assert_eq!(
            reader.seen_init,
            [0, 64],
            "the poll after Pending must see the spare bytes the first one initialised"
        );
    }

    #[test]
    fn spare_capacity_initialisation_is_remembered_between_reads() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut reader = Zeroing {
            data: &data,
            chunk: 10,
            seen_init: Vec::new(),
        };
        let mut out = Vec::with_capacity(4096);
        let n = now(reader.read_to_end(&mut out)).unwrap();
        assert_eq!((n, &out[..]), (1000, &data[..]));
        assert_eq!(
            reader.seen_init[0], 0,
            "a fresh allocation is uninitialised"
        );
        assert!(
            reader.seen_init[1..].iter().all(|&init| init > 0),
            "later reads must see the spare bytes the first read zeroed: {:?}",
            &reader.seen_init[..5]
        );
    }

    #[test]
    fn growth_from_empty_is_byte_exact() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut reader = Zeroing {
            data: &data,
            chunk: 333,
            seen_init: Vec::new(),
        };
        let mut out = Vec::new();
        now(reader.read_to_end(&mut out)).unwrap();
        assert_eq!(out, data);
    }

    /// Replaces the lent buffer with an unrelated (empty) one and claims success.
    struct Swapper;

    impl AsyncRead for Swapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            *buf = ReadBuf::new(&mut []);
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_reader_that_swaps_the_buffer_gets_an_error_not_ub() {
        let mut out = Vec::with_capacity(16);
        let err = now(Swapper.read_to_end(&mut out)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(out.is_empty());
        let err = now(Swapper.read_buf(&mut out)).unwrap_err();
        assert!(err.to_string().contains("replaced the ReadBuf"));
    }
}
