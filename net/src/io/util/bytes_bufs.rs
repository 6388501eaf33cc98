//! Feature `bytes`: reading into any `bytes::BufMut` and writing from any `bytes::Buf` — the
//! [`ReadBufMut`], [`WriteBuf`] and [`WriteAllBuf`] futures, `ReadBuf` as a `BufMut`, and the
//! helper every `*_buf` socket call reads through.
//!
//! Zero-copy as everywhere in corium: a read goes straight into the `BufMut`'s next chunk,
//! possibly uninitialised (a `BytesMut`'s or `Vec`'s spare capacity), and the `BufMut` is
//! advanced by exactly the bytes the reader filled; nothing is zeroed first.

use std::future::Future;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::buf::UninitSlice;
use bytes::{Buf, BufMut};

use super::read_to_end::swapped_read_buf;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Lends `buf`'s next chunk, possibly uninitialised, to `read` as a [`ReadBuf`], then
/// advances `buf` by what `read` filled (also when `read` reports an error or `Pending`:
/// then it filled nothing). Returns the count and `read`'s own result.
///
/// # Errors
///
/// `Other` if `read` replaced the `ReadBuf` it was lent with another buffer.
pub(crate) fn fill_buf_mut<B: BufMut + ?Sized, R>(
    buf: &mut B,
    read: impl FnOnce(&mut ReadBuf<'_>) -> R,
) -> io::Result<(usize, R)> {
    let chunk = buf.chunk_mut();
    // SAFETY: the slice is only lent to a `ReadBuf`, whose methods never store
    // `MaybeUninit::uninit()` (the contract of `as_uninit_slice_mut`).
    let chunk = unsafe { chunk.as_uninit_slice_mut() };
    let (start, room) = (chunk.as_ptr().cast::<u8>(), chunk.len());
    let mut read_buf = ReadBuf::uninit(chunk);
    let out = read(&mut read_buf);
    if read_buf.start_ptr() != start || read_buf.capacity() != room {
        return Err(swapped_read_buf());
    }
    let (n, _) = read_buf.cursors();
    // SAFETY: `read_buf` still views `buf`'s chunk (checked above), and its invariant says
    // its first `n` bytes — the chunk's first `n` — are initialised; `n <= chunk.len()`.
    unsafe { buf.advance_mut(n) };
    Ok((n, out))
}

/// [`fill_buf_mut`] for a read into uninitialised memory such as the `*_uninit` socket
/// calls: `read` gets the chunk and returns the bytes it stored (see
/// [`ReadBuf::fill_uninit`]) and a value, passed back with the count.
///
/// # Errors
///
/// `read`'s error (nothing is advanced then).
pub(crate) fn recv_into_buf_mut<B: BufMut + ?Sized, A>(
    buf: &mut B,
    read: impl for<'x> FnOnce(&'x mut [MaybeUninit<u8>]) -> io::Result<(&'x mut [u8], A)>,
) -> io::Result<(usize, A)> {
    let (n, value) = fill_buf_mut(buf, |read_buf| read_buf.fill_uninit_with(read))?;
    Ok((n, value?))
}

/// `ReadBuf` as a `bytes::BufMut` over its unfilled part: `put_slice`, `put_u8`, ... append
/// to the filled part, and `chunk_mut` hands out the unfilled memory without zeroing it.
// SAFETY: `remaining_mut` is the unfilled length and `chunk_mut` returns exactly
// that unfilled memory, so it is never shorter than promised; `advance_mut` moves the filled
// cursor by at most `remaining_mut` (ReadBuf's assertions enforce it).
unsafe impl BufMut for ReadBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: `advance_mut`'s caller guarantees the next `cnt` unfilled bytes were
        // initialised (through `chunk_mut`), and `assume_init` checks `cnt <= remaining()`.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    fn chunk_mut(&mut self) -> &mut UninitSlice {
        // SAFETY: `UninitSlice` only lets its user write initialised bytes, never
        // `MaybeUninit::uninit()` (the contract of `unfilled_mut`).
        UninitSlice::uninit(unsafe { self.unfilled_mut() })
    }

    fn put_slice(&mut self, src: &[u8]) {
        ReadBuf::put_slice(self, src);
    }
}

/// Future of [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf) with the `bytes`
/// feature: one read into any `BufMut`.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufMut<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

impl<'a, R: ?Sized, B: ?Sized> ReadBufMut<'a, R, B> {
    pub(crate) fn new(reader: &'a mut R, buf: &'a mut B) -> Self {
        ReadBufMut { reader, buf }
    }
}

impl<R: AsyncRead + Unpin + ?Sized, B: BufMut + ?Sized> Future for ReadBufMut<'_, R, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if !me.buf.has_remaining_mut() {
            // A full fixed-size buffer: nothing can be read (tokio's answer too).
            return Poll::Ready(Ok(0));
        }
        let reader = Pin::new(&mut *me.reader);
        let (n, polled) = fill_buf_mut(me.buf, |read_buf| reader.poll_read(cx, read_buf))?;
        ready!(polled)?;
        Poll::Ready(Ok(n))
    }
}

/// Most slices gathered for one vectored write of a `Buf`.
const MAX_SLICES: usize = 64;

/// One write of `buf`'s bytes (gathered into one vectored write when the writer prefers it),
/// advancing `buf` by what was written.
fn poll_write_buf<W: AsyncWrite + ?Sized, B: Buf + ?Sized>(
    writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>> {
    let n = if writer.is_write_vectored() {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = buf.chunks_vectored(&mut slices);
        ready!(writer.poll_write_vectored(cx, &slices[..count]))?
    } else {
        ready!(writer.poll_write(cx, buf.chunk()))?
    };
    buf.advance(n);
    Poll::Ready(Ok(n))
}

/// Future of [`AsyncWriteExt::write_buf`](crate::io::AsyncWriteExt::write_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<'a, W: ?Sized, B: ?Sized> WriteBuf<'a, W, B> {
    pub(crate) fn new(writer: &'a mut W, buf: &'a mut B) -> Self {
        WriteBuf { writer, buf }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteBuf<'_, W, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        if !me.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        poll_write_buf(Pin::new(&mut *me.writer), cx, me.buf)
    }
}

/// Future of [`AsyncWriteExt::write_all_buf`](crate::io::AsyncWriteExt::write_all_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

impl<'a, W: ?Sized, B: ?Sized> WriteAllBuf<'a, W, B> {
    pub(crate) fn new(writer: &'a mut W, buf: &'a mut B) -> Self {
        WriteAllBuf { writer, buf }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while me.buf.has_remaining() {
            let n = ready!(poll_write_buf(Pin::new(&mut *me.writer), cx, me.buf))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!(
                        "write_all_buf: the writer accepted 0 bytes with {} left to write",
                        me.buf.remaining()
                    ),
                )));
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_buf_is_a_buf_mut_over_its_unfilled_part() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = ReadBuf::uninit(&mut storage);
        BufMut::put_slice(&mut buf, b"ab");
        buf.put_u8(b'c');
        assert_eq!(buf.remaining_mut(), 5);
        let chunk = buf.chunk_mut();
        assert_eq!(chunk.len(), 5);
        chunk[..2].copy_from_slice(b"de");
        // SAFETY: the two bytes were just written through the chunk.
        unsafe { buf.advance_mut(2) };
        assert_eq!(buf.filled(), b"abcde");
        assert_eq!(buf.initialized().len(), 5, "nothing past the written bytes");
    }

    #[test]
    #[should_panic(expected = "do not fit")]
    fn put_past_the_end_panics_as_buf_mut_requires() {
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        BufMut::put_slice(&mut buf, b"abc");
    }
}
