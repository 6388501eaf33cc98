//! [`AsyncReadExt`]: the `.await`-able reading methods.

use super::{Chain, Read, ReadExact, ReadInt, ReadToEnd, ReadToString, Take};
use crate::io::AsyncRead;

macro_rules! read_number {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty, $from:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the stream ends first; otherwise whatever the reader reports.
        fn $name(&mut self) -> ReadInt<'_, Self, $ty>
        where
            Self: Unpin,
        {
            ReadInt::new(self, size_of::<$ty>(), |bytes| {
                let mut raw = [0u8; size_of::<$ty>()];
                raw.copy_from_slice(bytes);
                <$ty>::$from(raw)
            })
        }
    )*};
}

/// Reading methods for every [`AsyncRead`], each returning a future.
///
/// Bring it into scope (`use corium_net::io::AsyncReadExt;`) and `.await` the methods. The
/// futures borrow the reader, so readers that are not `Unpin` must be pinned first
/// (`std::pin::pin!` or `Box::pin`).
///
/// # Cancellation
///
/// Dropping [`read`](AsyncReadExt::read) before it completes loses no data. The other
/// futures may have consumed bytes when dropped: `read_to_end` leaves them appended to the
/// vector; `read_exact` leaves them in the buffer but the count is gone; the number readers
/// and `read_to_string` discard them.
///
/// # Examples
///
/// ```
/// use corium_net::io::AsyncReadExt;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// let mut reader: &[u8] = b"\x00\x2aHello, world";
/// assert_eq!(reader.read_u16().await?, 42);
/// let mut hello = [0u8; 5];
/// reader.read_exact(&mut hello).await?;
/// assert_eq!(&hello, b"Hello");
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, ", world");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads some bytes into `buf`, returning how many; `Ok(0)` for a non-empty `buf` means
    /// end of stream.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        Read::new(self, buf)
    }

    /// Fills all of `buf`, reading as often as needed; returns `buf.len()`.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends before `buf` is full (the bytes read so far are in
    /// `buf` but the count is lost); otherwise whatever the reader reports.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact::new(self, buf)
    }

    /// Reads once into the spare capacity of `buf`, appending; returns the number of bytes
    /// appended (`0` at end of stream).
    ///
    /// If `buf` has no spare capacity, room for a small read is reserved first.
    ///
    /// Porting from tokio: tokio's `read_buf` accepts any `bytes::BufMut`; so does this one
    /// with the `bytes` feature. Without it corium does not depend on `bytes`, and this takes
    /// the most common such buffer, `Vec<u8>`.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports.
    #[cfg(not(feature = "bytes"))]
    fn read_buf<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> super::ReadBufVec<'a, Self>
    where
        Self: Unpin,
    {
        super::ReadBufVec::new(self, buf)
    }

    /// Reads once into `buf`'s next chunk, straight into its (possibly uninitialised) spare
    /// memory, and advances it by the bytes read; returns that count (`0` at end of stream,
    /// or when `buf` has no room left). A `Vec<u8>` or `BytesMut` reserves room when full.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports.
    #[cfg(feature = "bytes")]
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> super::ReadBufMut<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        super::ReadBufMut::new(self, buf)
    }

    /// Reads until end of stream, appending to `buf`; returns the number of bytes appended.
    ///
    /// # Errors
    ///
    /// Whatever the reader reports. The bytes read before an error stay appended to `buf`.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        ReadToEnd::new(self, buf)
    }

    /// Reads until end of stream, appending to `buf` as UTF-8 text; returns the number of
    /// bytes appended.
    ///
    /// The bytes are validated once, at the end, so a character split over several reads is
    /// fine. What `buf` holds afterwards:
    ///
    /// * success: its old content followed by the new text;
    /// * the data is not UTF-8: its old content, unchanged. The error (kind `InvalidData`)
    ///   carries every byte read: `err.into_inner()` downcasts to
    ///   [`std::string::FromUtf8Error`], whose `into_bytes()` returns them;
    /// * the reader fails: its old content followed by the valid UTF-8 prefix of what was
    ///   read before the failure (a trailing partial character cannot be kept in a `String`).
    ///
    /// # Errors
    ///
    /// `InvalidData` if the stream is not UTF-8; otherwise whatever the reader reports.
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString::new(self, buf)
    }

    /// A reader that yields at most `limit` bytes of this one, then end of stream.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, limit)
    }

    /// A reader that yields all of this one, then all of `next`.
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        Chain::new(self, next)
    }

    read_number! {
        /// Reads a `u8`.
        read_u8 -> u8, from_be_bytes;
        /// Reads an `i8`.
        read_i8 -> i8, from_be_bytes;
        /// Reads a big-endian `u16`.
        read_u16 -> u16, from_be_bytes;
        /// Reads a big-endian `i16`.
        read_i16 -> i16, from_be_bytes;
        /// Reads a big-endian `u32`.
        read_u32 -> u32, from_be_bytes;
        /// Reads a big-endian `i32`.
        read_i32 -> i32, from_be_bytes;
        /// Reads a big-endian `u64`.
        read_u64 -> u64, from_be_bytes;
        /// Reads a big-endian `i64`.
        read_i64 -> i64, from_be_bytes;
        /// Reads a big-endian `u128`.
        read_u128 -> u128, from_be_bytes;
        /// Reads a big-endian `i128`.
        read_i128 -> i128, from_be_bytes;
        /// Reads a big-endian IEEE 754 `f32`.
        read_f32 -> f32, from_be_bytes;
        /// Reads a big-endian IEEE 754 `f64`.
        read_f64 -> f64, from_be_bytes;
        /// Reads a little-endian `u16`.
        read_u16_le -> u16, from_le_bytes;
        /// Reads a little-endian `i16`.
        read_i16_le -> i16, from_le_bytes;
        /// Reads a little-endian `u32`.
        read_u32_le -> u32, from_le_bytes;
        /// Reads a little-endian `i32`.
        read_i32_le -> i32, from_le_bytes;
        /// Reads a little-endian `u64`.
        read_u64_le -> u64, from_le_bytes;
        /// Reads a little-endian `i64`.
        read_i64_le -> i64, from_le_bytes;
        /// Reads a little-endian `u128`.
        read_u128_le -> u128, from_le_bytes;
        /// Reads a little-endian `i128`.
        read_i128_le -> i128, from_le_bytes;
        /// Reads a little-endian IEEE 754 `f32`.
        read_f32_le -> f32, from_le_bytes;
        /// Reads a little-endian IEEE 754 `f64`.
        read_f64_le -> f64, from_le_bytes;
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
