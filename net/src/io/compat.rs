//! Adapters between corium's io traits and those of the `futures-io` crate (feature
//! `futures-io`).
//!
//! Libraries of the `futures` ecosystem (async-compression, async-tungstenite, ...) speak
//! `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead}`. Wrapping a stream in [`Compat`] makes
//! it speak the other family:
//!
//! | `T` implements                        | `Compat<T>` implements                  |
//! |---------------------------------------|-----------------------------------------|
//! | `corium_net::io::AsyncRead`           | `futures_io::AsyncRead`                 |
//! | `corium_net::io::AsyncWrite`          | `futures_io::AsyncWrite`                |
//! | `corium_net::io::AsyncBufRead`        | `futures_io::AsyncBufRead`              |
//! | `corium_net::io::AsyncSeek`           | `futures_io::AsyncSeek`                 |
//! | `futures_io::AsyncRead`               | `corium_net::io::AsyncRead`             |
//! | `futures_io::AsyncWrite`              | `corium_net::io::AsyncWrite`            |
//! | `futures_io::AsyncBufRead`            | `corium_net::io::AsyncBufRead`          |
//! | `futures_io::AsyncSeek`               | `corium_net::io::AsyncSeek`             |
//!
//! The two families differ in three places, which the adapter bridges:
//!
//! * reads: futures-io reads into an initialised `&mut [u8]` and returns a count; corium
//!   reads into a [`ReadBuf`]. Going corium → futures wraps the slice in a `ReadBuf`; going
//!   futures → corium initialises the `ReadBuf`'s unfilled part (zeroing only the bytes not
//!   yet initialised) and advances it by the count. That zeroing is the one read path in
//!   corium that writes memory it did not read into: the futures-io trait has no way to
//!   accept uninitialised memory. `read_buf` remembers what it zeroed across polls, so a
//!   `Vec`'s spare capacity is zeroed once, not on every `Pending`.
//! * closing: futures-io's `poll_close` is corium's `poll_shutdown`.
//! * seeking: futures-io seeks in one call, `poll_seek(position)`, repeated until `Ready`;
//!   corium (like tokio) splits it into `start_seek(position)` and `poll_complete`. Going
//!   corium → futures, the first `poll_seek` starts the move and later calls only wait for it
//!   (so a position passed to a repeat call after `Pending` is not a new seek: finish one
//!   seek before asking for another, as every futures-io caller does). Going futures →
//!   corium, `start_seek` remembers the position and `poll_complete` hands it to `poll_seek`.
//!
//! # Why a wrapper, and not the futures-io traits on every corium type
//!
//! Only the crate owning a trait or a type may write an impl for the pair (Rust's orphan
//! rule), so corium could implement futures-io's traits for its own types, one type at a time
//! — but never for `T: AsyncRead` in general: a blanket impl of a foreign trait must be
//! written in the trait's crate, and would also conflict (coherence) with futures-io's own
//! impls for `&[u8]`, `Box<T>`, `Pin<P>`, ... once a type implements both families. A
//! wrapper owned by corium has none of these limits: one adapter works for every stream,
//! corium's or anyone's, in both directions, and a type never carries two same-named
//! `poll_read` methods that make every call ambiguous. (tokio-util's `Compat` takes the same
//! road for the same reasons.)
//!
//! Enabling the feature: `corium = { ..., features = ["futures-io"] }` (or `corium-net`'s
//! feature of the same name). The `futures-io` crate itself is re-exported as
//! [`compat::futures_io`](crate::io::compat::futures_io), so the traits can be named
//! without a second dependency whose version might not match.
//!
//! ```
//! use corium_net::io::compat::Compat;
//!
//! // A corium reader handed to code written against futures-io.
//! fn wants_futures_reader<R: futures_io::AsyncRead>(_reader: R) {}
//! let reader: &[u8] = b"data";
//! wants_futures_reader(Compat::new(reader));
//! ```

use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// The `futures-io` crate whose traits [`Compat`] adapts to (the version corium was built
/// with).
pub use futures_io;

pin_project! {
    /// Makes a corium stream usable as a futures-io stream, or the other way round (see the
    /// [module docs](self)).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Compat<T> {
        #[pin]
        inner: T,
        // The seek between its two halves. corium -> futures: started on the inner stream,
        // not yet complete. futures -> corium: asked for by `start_seek`, not yet complete.
        seek: Option<SeekFrom>,
    }
}

impl<T> Compat<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Compat { inner, seek: None }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The pinned wrapped stream.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

// corium -> futures-io

impl<T: AsyncRead> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: AsyncBufRead> futures_io::AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: AsyncWrite> futures_io::AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: AsyncSeek> futures_io::AsyncSeek for Compat<T> {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        position: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let mut me = self.project();
        if me.seek.is_none() {
            me.inner.as_mut().start_seek(position)?;
            *me.seek = Some(position);
        }
        let done = ready!(me.inner.poll_complete(cx));
        *me.seek = None;
        Poll::Ready(done)
    }
}

// futures-io -> corium

impl<T: futures_io::AsyncRead> AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // futures-io reads need initialised memory (see the module docs): zero what is not.
        let unfilled = buf.initialize_unfilled();
        let len = unfilled.len();
        let n = ready!(self.project().inner.poll_read(cx, unfilled))?;
        if n > len {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "futures_io::AsyncRead::poll_read reported {n} bytes read into a \
                     {len}-byte buffer; the wrapped reader is broken"
                ),
            )));
        }
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncBufRead> AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: futures_io::AsyncWrite> AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        // futures-io has no way to ask; its default `poll_write_vectored` writes one slice.
        false
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }
}

impl<T: futures_io::AsyncSeek> AsyncSeek for Compat<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let me = self.project();
        if me.seek.is_some() {
            return Err(io::Error::other(
                "Compat: a seek is already in progress; call poll_complete until it returns \
                 Ready before starting another",
            ));
        }
        *me.seek = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.project();
        // With no seek asked for, a zero move reports the position, as corium's contract says.
        let position = me.seek.unwrap_or(SeekFrom::Current(0));
        let done = ready!(me.inner.poll_seek(cx, position));
        *me.seek = None;
        Poll::Ready(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    use std::future::Future;
    use std::io::Cursor;
    use std::pin::pin;
    use std::task::Waker;

    /// Polls a future whose sources are always ready; a `Pending` here is a bug.
    fn now<F: Future>(f: F) -> F::Output {
        let mut cx = Context::from_waker(Waker::noop());
        match pin!(f).poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("an always-ready future returned Pending"),
        }
    }

    /// A futures-io reader and writer with no corium impls, to drive the reverse direction.
    #[derive(Default)]
    struct FuturesSide {
        data: Vec<u8>,
        pos: usize,
        written: Vec<u8>,
        closed: bool,
        seeks: Vec<SeekFrom>,
    }

    impl futures_io::AsyncRead for FuturesSide {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            // Three bytes at a time, so callers have to loop.
            let n = buf.len().min(3).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Poll::Ready(Ok(n))
        }
    }

    impl futures_io::AsyncBufRead for FuturesSide {
        fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            let me = self.get_mut();
            Poll::Ready(Ok(&me.data[me.pos..]))
        }

        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            self.pos += amt;
        }
    }

    impl futures_io::AsyncSeek for FuturesSide {
        fn poll_seek(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            position: SeekFrom,
        ) -> Poll<io::Result<u64>> {
            self.seeks.push(position);
            let (base, offset) = match position {
                SeekFrom::Start(at) => (0, at as i64),
                SeekFrom::Current(by) => (self.pos as i64, by),
                SeekFrom::End(by) => (self.data.len() as i64, by),
            };
            match usize::try_from(base + offset) {
                Ok(at) => {
                    self.pos = at;
                    Poll::Ready(Ok(at as u64))
                }
                Err(_) => Poll::Ready(Err(io::Error::from(io::ErrorKind::InvalidInput))),
            }
        }
    }

    impl futures_io::AsyncWrite for FuturesSide {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = buf.len().min(2);
            self.written.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.closed = true;
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn futures_reader_read_through_corium_traits() {
        let side = FuturesSide {
            data: b"hello\nworld".to_vec(),
            ..FuturesSide::default()
        };
        let mut reader = Compat::new(side);
        let mut all = String::new();
        now(reader.read_to_string(&mut all)).unwrap();
        assert_eq!(all, "hello\nworld");
    }

    #[test]
    fn futures_buf_reader_gives_lines() {
        let side = FuturesSide {
            data: b"a\nbc\n".to_vec(),
            ..FuturesSide::default()
        };
        let mut lines = Compat::new(side).lines();
        assert_eq!(now(lines.next_line()).unwrap().as_deref(), Some("a"));
        assert_eq!(now(lines.next_line()).unwrap().as_deref(), Some("bc"));
        assert_eq!(now(lines.next_line()).unwrap(), None);
    }

    #[test]
    fn futures_writer_written_and_closed_through_corium_traits() {
        let mut writer = Compat::new(FuturesSide::default());
        now(writer.write_all(b"12345")).unwrap();
        now(writer.shutdown()).unwrap();
        assert_eq!(writer.get_ref().written, b"12345");
        assert!(writer.get_ref().closed);
    }

    #[test]
    fn corium_reader_read_through_futures_traits() {
        let reader: &[u8] = b"xyz";
        let mut compat = pin!(Compat::new(reader));
        let mut cx = Context::from_waker(Waker::noop());
        let mut buf = [0u8; 2];
        let first = futures_io::AsyncRead::poll_read(compat.as_mut(), &mut cx, &mut buf);
        assert!(matches!(first, Poll::Ready(Ok(2))));
        assert_eq!(&buf, b"xy");
        let fill = futures_io::AsyncBufRead::poll_fill_buf(compat.as_mut(), &mut cx);
        assert!(matches!(fill, Poll::Ready(Ok(b"z"))));
    }

    #[test]
    fn corium_writer_written_and_closed_through_futures_traits() {
        let (mut near, far) = crate::io::duplex(16);
        let mut compat = pin!(Compat::new(far));
        let mut cx = Context::from_waker(Waker::noop());
        let wrote = futures_io::AsyncWrite::poll_write(compat.as_mut(), &mut cx, b"hi");
        assert!(matches!(wrote, Poll::Ready(Ok(2))));
        let closed = futures_io::AsyncWrite::poll_close(compat.as_mut(), &mut cx);
        assert!(matches!(closed, Poll::Ready(Ok(()))));
        let mut got = Vec::new();
        now(near.read_to_end(&mut got)).unwrap();
        assert_eq!(got, b"hi");
    }

    #[test]
    fn futures_seeker_moved_through_corium_traits() {
        let side = FuturesSide {
            data: b"0123456789".to_vec(),
            ..FuturesSide::default()
        };
        let mut compat = Compat::new(side);
        assert_eq!(now(compat.seek(SeekFrom::Start(6))).unwrap(), 6);
        assert_eq!(now(compat.read_u8()).unwrap(), b'6');
        assert_eq!(now(compat.seek(SeekFrom::Current(-3))).unwrap(), 4);
        assert_eq!(now(compat.stream_position()).unwrap(), 4);
        let err = now(compat.seek(SeekFrom::End(-11))).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // The refused seek is not left in progress: the next one goes through.
        assert_eq!(now(compat.rewind()).unwrap(), 0);
        // `AsyncSeekExt::seek` first completes any earlier seek (`poll_complete` with none
        // started: a zero move that reads the position), then makes its own move.
        let zero = SeekFrom::Current(0);
        assert_eq!(
            compat.get_ref().seeks,
            [
                zero,
                SeekFrom::Start(6),
                zero,
                SeekFrom::Current(-3),
                zero,
                zero,
                zero,
                SeekFrom::End(-11),
                zero,
                SeekFrom::Start(0),
            ],
            "each corium seek is one futures-io seek, after the zero move that settles the last"
        );
    }

    #[test]
    fn futures_seeker_refuses_a_second_start_before_completion() {
        let mut compat = pin!(Compat::new(FuturesSide::default()));
        compat.as_mut().start_seek(SeekFrom::Start(1)).unwrap();
        let err = compat.as_mut().start_seek(SeekFrom::Start(2)).unwrap_err();
        assert!(err.to_string().contains("poll_complete"), "{err}");
        let mut cx = Context::from_waker(Waker::noop());
        let done = compat.as_mut().poll_complete(&mut cx);
        assert!(matches!(done, Poll::Ready(Ok(1))), "the first seek stands");
    }

    /// A corium seeker whose every seek completes after one `Pending`, counting its starts.
    struct PendOnce {
        cursor: Cursor<Vec<u8>>,
        starts: usize,
        pend: bool,
    }

    impl AsyncSeek for PendOnce {
        fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
            self.starts += 1;
            self.pend = true;
            Pin::new(&mut self.cursor).start_seek(position)
        }

        fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            if std::mem::take(&mut self.pend) {
                return Poll::Pending;
            }
            Pin::new(&mut self.cursor).poll_complete(cx)
        }
    }

    #[test]
    fn corium_seeker_moved_through_futures_traits() {
        let seeker = PendOnce {
            cursor: Cursor::new(b"abcdef".to_vec()),
            starts: 0,
            pend: false,
        };
        let mut compat = pin!(Compat::new(seeker));
        let mut cx = Context::from_waker(Waker::noop());
        let seek = |c: Pin<&mut Compat<PendOnce>>, cx: &mut Context<'_>, to| {
            futures_io::AsyncSeek::poll_seek(c, cx, to)
        };
        assert!(seek(compat.as_mut(), &mut cx, SeekFrom::End(-2)).is_pending());
        // futures-io callers repeat the call after `Pending`: that waits, it does not restart.
        let done = seek(compat.as_mut(), &mut cx, SeekFrom::End(-2));
        assert!(matches!(done, Poll::Ready(Ok(4))), "{done:?}");
        assert_eq!(compat.get_ref().starts, 1);
        assert_eq!(compat.get_ref().cursor.position(), 4);
        // A refused start leaves nothing in progress.
        let refused = seek(compat.as_mut(), &mut cx, SeekFrom::Current(-10));
        assert!(
            matches!(refused, Poll::Ready(Err(ref e)) if e.kind() == io::ErrorKind::InvalidInput)
        );
        assert!(seek(compat.as_mut(), &mut cx, SeekFrom::Start(1)).is_pending());
        let done = seek(compat.as_mut(), &mut cx, SeekFrom::Start(1));
        assert!(matches!(done, Poll::Ready(Ok(1))), "{done:?}");
        assert_eq!(compat.get_ref().starts, 3);
    }
}
