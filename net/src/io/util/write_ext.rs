//! [`AsyncWriteExt`]: the `.await`-able writing methods.

use std::io::IoSlice;

use super::{Flush, Shutdown, Write, WriteAll, WriteInt, WriteVectored};
use crate::io::AsyncWrite;

macro_rules! write_number {
    ($($(#[$doc:meta])* $name:ident($ty:ty), $to:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// `WriteZero` if the writer stops accepting bytes; otherwise whatever it reports.
        fn $name(&mut self, n: $ty) -> WriteInt<'_, Self>
        where
            Self: Unpin,
        {
            WriteInt::new(self, &n.$to())
        }
    )*};
}

/// Writing methods for every [`AsyncWrite`], each returning a future.
///
/// Porting from tokio: `write_buf` / `write_all_buf` (which take a `bytes::Buf`) come with
/// the `bytes` feature; without it, call [`write`](AsyncWriteExt::write) or
/// [`write_all`](AsyncWriteExt::write_all) on the buffer's bytes, then advance it by the count.
///
/// # Cancellation
///
/// Dropping [`write`](AsyncWriteExt::write), [`write_vectored`](AsyncWriteExt::write_vectored)
/// or [`flush`](AsyncWriteExt::flush) before completion writes nothing extra. A dropped
/// [`write_all`](AsyncWriteExt::write_all) or number writer may already have written a
/// prefix, and the caller cannot tell how long.
///
/// # Examples
///
/// ```
/// use corium_net::io::AsyncWriteExt;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let mut out = Vec::new();
/// out.write_u16(42).await?;
/// out.write_all(b"Hello").await?;
/// out.flush().await?;
/// assert_eq!(out, b"\x00\x2aHello");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`, returning how many bytes were accepted.
    ///
    /// # Errors
    ///
    /// Whatever the writer reports.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write::new(self, buf)
    }

    /// Writes some of `bufs`, in order, returning how many bytes were accepted.
    ///
    /// # Errors
    ///
    /// Whatever the writer reports.
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored::new(self, bufs)
    }

    /// Writes all of `buf`, as many calls as it takes.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer accepts 0 bytes before `buf` is done; otherwise whatever the
    /// writer reports.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll::new(self, buf)
    }

    /// Writes once from `buf` (all its chunks in one vectored write when the writer prefers
    /// vectored writes) and advances it by the bytes accepted; returns that count.
    ///
    /// # Errors
    ///
    /// Whatever the writer reports.
    #[cfg(feature = "bytes")]
    fn write_buf<'a, B>(&'a mut self, buf: &'a mut B) -> super::WriteBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::Buf + ?Sized,
    {
        super::WriteBuf::new(self, buf)
    }

    /// Writes all of `buf`, advancing it as bytes are accepted.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer accepts 0 bytes before `buf` is empty; otherwise whatever
    /// the writer reports (`buf` then holds what was not written).
    #[cfg(feature = "bytes")]
    fn write_all_buf<'a, B>(&'a mut self, buf: &'a mut B) -> super::WriteAllBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::Buf + ?Sized,
    {
        super::WriteAllBuf::new(self, buf)
    }

    /// Flushes buffered data to the underlying sink.
    ///
    /// # Errors
    ///
    /// Whatever the writer reports.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush::new(self)
    }

    /// Flushes, then closes the write direction (see
    /// [`AsyncWrite::poll_shutdown`](crate::io::AsyncWrite::poll_shutdown)).
    ///
    /// # Errors
    ///
    /// Whatever the writer reports.
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown::new(self)
    }

    write_number! {
        /// Writes a `u8`.
        write_u8(u8), to_be_bytes;
        /// Writes an `i8`.
        write_i8(i8), to_be_bytes;
        /// Writes a big-endian `u16`.
        write_u16(u16), to_be_bytes;
        /// Writes a big-endian `i16`.
        write_i16(i16), to_be_bytes;
        /// Writes a big-endian `u32`.
        write_u32(u32), to_be_bytes;
        /// Writes a big-endian `i32`.
        write_i32(i32), to_be_bytes;
        /// Writes a big-endian `u64`.
        write_u64(u64), to_be_bytes;
        /// Writes a big-endian `i64`.
        write_i64(i64), to_be_bytes;
        /// Writes a big-endian `u128`.
        write_u128(u128), to_be_bytes;
        /// Writes a big-endian `i128`.
        write_i128(i128), to_be_bytes;
        /// Writes a big-endian IEEE 754 `f32`.
        write_f32(f32), to_be_bytes;
        /// Writes a big-endian IEEE 754 `f64`.
        write_f64(f64), to_be_bytes;
        /// Writes a little-endian `u16`.
        write_u16_le(u16), to_le_bytes;
        /// Writes a little-endian `i16`.
        write_i16_le(i16), to_le_bytes;
        /// Writes a little-endian `u32`.
        write_u32_le(u32), to_le_bytes;
        /// Writes a little-endian `i32`.
        write_i32_le(i32), to_le_bytes;
        /// Writes a little-endian `u64`.
        write_u64_le(u64), to_le_bytes;
        /// Writes a little-endian `i64`.
        write_i64_le(i64), to_le_bytes;
        /// Writes a little-endian `u128`.
        write_u128_le(u128), to_le_bytes;
        /// Writes a little-endian `i128`.
        write_i128_le(i128), to_le_bytes;
        /// Writes a little-endian IEEE 754 `f32`.
        write_f32_le(f32), to_le_bytes;
        /// Writes a little-endian IEEE 754 `f64`.
        write_f64_le(f64), to_le_bytes;
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
