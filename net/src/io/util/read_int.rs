//! The [`ReadInt`] future behind `read_u8`, `read_u16_le`, `read_f64`, ...

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// Future of the `read_<number>` methods of [`AsyncReadExt`](crate::io::AsyncReadExt): reads
/// exactly `size_of::<T>()` bytes, then decodes them.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadInt<'a, R: ?Sized, T> {
    reader: &'a mut R,
    // Large enough for the widest number, `u128`.
    buf: [u8; 16],
    len: usize,
    filled: usize,
    decode: fn(&[u8]) -> T,
}

impl<'a, R: ?Sized, T> ReadInt<'a, R, T> {
    pub(crate) fn new(reader: &'a mut R, len: usize, decode: fn(&[u8]) -> T) -> Self {
        debug_assert!(len <= 16);
        ReadInt {
            reader,
            buf: [0; 16],
            len,
            filled: 0,
            decode,
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized, T> Future for ReadInt<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        while me.filled < me.len {
            let mut buf = ReadBuf::new(&mut me.buf[me.filled..me.len]);
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "reading a {}-byte number: stream ended after {} bytes",
                        me.len, me.filled
                    ),
                )));
            }
            me.filled += n;
        }
        Poll::Ready(Ok((me.decode)(&me.buf[..me.len])))
    }
}

impl<R: fmt::Debug + ?Sized, T> fmt::Debug for ReadInt<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadInt")
            .field("reader", &self.reader)
            .field("len", &self.len)
            .field("filled", &self.filled)
            .finish()
    }
}
