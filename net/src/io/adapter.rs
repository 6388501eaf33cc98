//! What the io-trait adapters ([`TokioCompat`](super::tokio_compat::TokioCompat),
//! [`HyperIo`](crate::hyper_rt::HyperIo)) have in common, written once: the wrapper's
//! accessors, and write traits forwarded call for call (tokio's, hyper's and corium's write
//! traits share their five method names and meanings).

/// `new`, `get_ref`, `get_mut`, `get_pin_mut` and `into_inner` for a pin-projected
/// `$ty<T> { #[pin] inner: T }`.
macro_rules! adapter_accessors {
    ($ty:ident) => {
        impl<T> $ty<T> {
            /// Wraps `inner`.
            pub fn new(inner: T) -> Self {
                $ty { inner }
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
            pub fn get_pin_mut(self: ::std::pin::Pin<&mut Self>) -> ::std::pin::Pin<&mut T> {
                self.project().inner
            }

            /// Unwraps the stream.
            pub fn into_inner(self) -> T {
                self.inner
            }
        }
    };
}
pub(crate) use adapter_accessors;

/// `impl<T: $bound> $trait for $ty<T>`: every write call forwarded to the wrapped stream,
/// vectored writes included (passed through as one gathered write, never split).
macro_rules! forward_write {
    ($ty:ident: $bound:path => $trait:path) => {
        impl<T: $bound> $trait for $ty<T> {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.project().inner.poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.project().inner.poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.inner.is_write_vectored()
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                self.project().inner.poll_flush(cx)
            }

            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                self.project().inner.poll_shutdown(cx)
            }
        }
    };
}
pub(crate) use forward_write;
