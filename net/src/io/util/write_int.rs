//! The [`WriteInt`] future behind `write_u8`, `write_u16_le`, `write_f64`, ...

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::write::poll_write_all;
use crate::io::AsyncWrite;

/// Future of the `write_<number>` methods of [`AsyncWriteExt`](crate::io::AsyncWriteExt):
/// writes all the bytes of an encoded number.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteInt<'a, W: ?Sized> {
    writer: &'a mut W,
    // Large enough for the widest number, `u128`.
    buf: [u8; 16],
    len: usize,
    written: usize,
}

impl<'a, W: ?Sized> WriteInt<'a, W> {
    pub(crate) fn new(writer: &'a mut W, bytes: &[u8]) -> Self {
        let mut buf = [0; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        WriteInt {
            writer,
            buf,
            len: bytes.len(),
            written: 0,
        }
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteInt<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let me = self.get_mut();
        let mut rest = &me.buf[me.written..me.len];
        let before = rest.len();
        let result = poll_write_all(Pin::new(&mut *me.writer), cx, &mut rest);
        me.written += before - rest.len();
        result
    }
}
