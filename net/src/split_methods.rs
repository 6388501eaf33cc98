//! The methods every split half of a stream shares, written once for both TCP and Unix.
//!
//! A half (borrowed or owned) reaches its stream through one field, and each of these
//! methods only forwards to the stream's method of the same name: readiness is tracked for
//! the whole socket, so a half asks the stream rather than keeping any state of its own.
//! Writing the forwarding four times by hand (two transports, borrowed and owned) invites the
//! copies to drift apart, so `split_half_methods!` generates them instead.

/// Generates, inside an `impl` block of a split half, the methods shared by every half of a
/// stream in one direction.
///
/// ```ignore
/// impl OwnedReadHalf {
///     split_half_methods!(read, UnixStream, crate::unix::SocketAddr, inner);
/// }
/// ```
///
/// * `read` or `write` — which direction the half serves: a read half gets `readable`,
///   `try_read` and `try_read_vectored`, a write half gets `writable`, `try_write` and
///   `try_write_vectored`; both get `ready`, `peer_addr` and `local_addr`.
/// * the stream type, as a name re-exported at the crate root (the docs link to
///   `crate::<name>::<method>`, which then resolves wherever the macro is used);
/// * the address type its `peer_addr`/`local_addr` return;
/// * the field of `self` through which the stream is reached (`0` for a borrowed half, the
///   `Arc`'s field for an owned one; anything that derefs to the stream works).
macro_rules! split_half_methods {
    (read, $stream:ident, $addr:ty, $field:tt) => {
        split_half_methods!(@ready $stream, $field);

        #[doc = concat!(
            "Waits until the stream has something to read (data, end of stream or an error); ",
            "see [`", stringify!($stream), "::readable`](crate::", stringify!($stream),
            "::readable).\n\n",
            "# Errors\n\n",
            "As [`", stringify!($stream), "::readable`](crate::", stringify!($stream),
            "::readable).",
        )]
        pub async fn readable(&self) -> ::std::io::Result<()> {
            self.$field.readable().await
        }

        #[doc = concat!(
            "Reads into `buf` what the stream already holds, without waiting; returns how ",
            "many bytes were read (0 at end of stream). See [`", stringify!($stream),
            "::try_read`](crate::", stringify!($stream), "::try_read).\n\n",
            "# Errors\n\n",
            "`WouldBlock` if nothing is ready (await [`readable`](Self::readable) and try ",
            "again); otherwise as [`", stringify!($stream), "::try_read`](crate::",
            stringify!($stream), "::try_read).",
        )]
        pub fn try_read(&self, buf: &mut [u8]) -> ::std::io::Result<usize> {
            self.$field.try_read(buf)
        }

        #[doc = concat!(
            "Like [`try_read`](Self::try_read), filling several buffers in order. See [`",
            stringify!($stream), "::try_read_vectored`](crate::", stringify!($stream),
            "::try_read_vectored).\n\n",
            "# Errors\n\n",
            "As [`try_read`](Self::try_read).",
        )]
        pub fn try_read_vectored(
            &self,
            bufs: &mut [::std::io::IoSliceMut<'_>],
        ) -> ::std::io::Result<usize> {
            self.$field.try_read_vectored(bufs)
        }

        split_half_methods!(@addrs $stream, $addr, $field);
    };

    (write, $stream:ident, $addr:ty, $field:tt) => {
        split_half_methods!(@ready $stream, $field);

        #[doc = concat!(
            "Waits until the stream can take more bytes; see [`", stringify!($stream),
            "::writable`](crate::", stringify!($stream), "::writable).\n\n",
            "# Errors\n\n",
            "As [`", stringify!($stream), "::writable`](crate::", stringify!($stream),
            "::writable).",
        )]
        pub async fn writable(&self) -> ::std::io::Result<()> {
            self.$field.writable().await
        }

        #[doc = concat!(
            "Writes from `buf` as much as the stream takes now, without waiting; returns how ",
            "many bytes were written. See [`", stringify!($stream), "::try_write`](crate::",
            stringify!($stream), "::try_write).\n\n",
            "# Errors\n\n",
            "`WouldBlock` if the send buffer is full (await [`writable`](Self::writable) and ",
            "try again); otherwise as [`", stringify!($stream), "::try_write`](crate::",
            stringify!($stream), "::try_write).",
        )]
        pub fn try_write(&self, buf: &[u8]) -> ::std::io::Result<usize> {
            self.$field.try_write(buf)
        }

        #[doc = concat!(
            "Like [`try_write`](Self::try_write), sending several buffers in order. See [`",
            stringify!($stream), "::try_write_vectored`](crate::", stringify!($stream),
            "::try_write_vectored).\n\n",
            "# Errors\n\n",
            "As [`try_write`](Self::try_write).",
        )]
        pub fn try_write_vectored(
            &self,
            bufs: &[::std::io::IoSlice<'_>],
        ) -> ::std::io::Result<usize> {
            self.$field.try_write_vectored(bufs)
        }

        split_half_methods!(@addrs $stream, $addr, $field);
    };

    // The rest is shared by both directions, placed first and last so the generated docs list
    // the methods in the order tokio's do. Readiness belongs to the socket, not to a half, so
    // `ready` reports both directions whichever half asks.
    (@ready $stream:ident, $field:tt) => {
        #[doc = concat!(
            "Waits until the stream is ready for any of `interest` and returns what is ready. ",
            "Readiness belongs to the whole stream, so both halves see the same. See [`",
            stringify!($stream), "::ready`](crate::", stringify!($stream), "::ready).\n\n",
            "# Errors\n\n",
            "As [`", stringify!($stream), "::ready`](crate::", stringify!($stream), "::ready).",
        )]
        pub async fn ready(&self, interest: $crate::Interest) -> ::std::io::Result<$crate::Ready> {
            self.$field.ready(interest).await
        }
    };

    (@addrs $stream:ident, $addr:ty, $field:tt) => {
        #[doc = concat!(
            "The address of the stream's peer; see [`", stringify!($stream),
            "::peer_addr`](crate::", stringify!($stream), "::peer_addr).\n\n",
            "# Errors\n\n",
            "As [`", stringify!($stream), "::peer_addr`](crate::", stringify!($stream),
            "::peer_addr).",
        )]
        pub fn peer_addr(&self) -> ::std::io::Result<$addr> {
            self.$field.peer_addr()
        }

        #[doc = concat!(
            "The stream's own address; see [`", stringify!($stream), "::local_addr`](crate::",
            stringify!($stream), "::local_addr).\n\n",
            "# Errors\n\n",
            "As [`", stringify!($stream), "::local_addr`](crate::", stringify!($stream),
            "::local_addr).",
        )]
        pub fn local_addr(&self) -> ::std::io::Result<$addr> {
            self.$field.local_addr()
        }
    };
}
