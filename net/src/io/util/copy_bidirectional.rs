//! [`copy_bidirectional`]: two copies at once, as a proxy does.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::copy::CopyBuffer;
use crate::io::{AsyncRead, AsyncWrite};

/// Copies `a` to `b` and `b` to `a` at the same time, until both directions reach end of
/// stream; returns `(bytes a→b, bytes b→a)`.
///
/// When one side's reader reaches end of stream, the other side's writer is flushed and shut
/// down, so the peer on that side sees end of stream too (half-close), while the other
/// direction keeps flowing.
///
/// # Errors
///
/// The first error in either direction, which ends both; `WriteZero` if a writer accepts no
/// bytes.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    relay(a, b, CopyBuffer::new(), CopyBuffer::new()).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_buf_size` bytes for the copy from `a` to
/// `b` and one of `b_to_a_buf_size` bytes for the other way (the default is 8 KiB each): large
/// buffers for bulk transfers, small ones for many idle connections.
///
/// # Errors
///
/// `InvalidInput` if either size is 0 (nothing could ever be read), before any I/O; otherwise
/// as [`copy_bidirectional`].
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    if a_to_b_buf_size == 0 || b_to_a_buf_size == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "copy_bidirectional_with_sizes: buffer sizes must be at least 1 byte \
                 (got a_to_b_buf_size {a_to_b_buf_size}, b_to_a_buf_size {b_to_a_buf_size})"
            ),
        ));
    }
    relay(
        a,
        b,
        CopyBuffer::with_capacity(a_to_b_buf_size),
        CopyBuffer::with_capacity(b_to_a_buf_size),
    )
    .await
}

async fn relay<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b: CopyBuffer,
    b_to_a: CopyBuffer,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Direction::Running(a_to_b);
    let mut b_to_a = Direction::Running(b_to_a);
    poll_fn(|cx| {
        let a_to_b = a_to_b.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let b_to_a = b_to_a.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
        let (Poll::Ready(there), Poll::Ready(back)) = (a_to_b, b_to_a) else {
            return Poll::Pending;
        };
        Poll::Ready(Ok((there, back)))
    })
    .await
}

enum Direction {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

impl Direction {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            match self {
                Direction::Running(buf) => {
                    let amt = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                    *self = Direction::ShuttingDown(amt);
                }
                Direction::ShuttingDown(amt) => {
                    let amt = *amt;
                    ready!(writer.as_mut().poll_shutdown(cx))?;
                    *self = Direction::Done(amt);
                }
                Direction::Done(amt) => return Poll::Ready(Ok(*amt)),
            }
        }
    }
}
