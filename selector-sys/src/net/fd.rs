//! [`Fd`]: an owned descriptor and the calls that work on any fd (read, write, their vectored
//! forms, the `O_NONBLOCK` flag), plus the macros that give every public type the same fd
//! traits, [`Source`](crate::event::Source) impl and `Read`/`Write` impls.
//!
//! Sockets ([`Socket`](super::socket::Socket)) and pipes ([`crate::unix::pipe`]) both build on
//! this, so the `read`/`readv` and `fcntl` plumbing exists once.

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, OwnedFd};

use crate::syscall;

/// The most bytes one `read`/`write` asks for. The kernel's own limit is `ssize_t::MAX`, but
/// macOS rejects a length above `INT_MAX` with `EINVAL` instead of doing a short transfer, so
/// there the request is capped; a short transfer is always allowed by `Read`/`Write`.
#[cfg(target_vendor = "apple")]
const MAX_RW: usize = libc::c_int::MAX as usize - 1;
#[cfg(not(target_vendor = "apple"))]
const MAX_RW: usize = isize::MAX as usize;

/// The most buffers one `readv`/`writev`/`sendmsg` takes. `IOV_MAX` is 1024 on every supported
/// OS; passing more fails with `EINVAL`, while passing fewer is an allowed short transfer.
pub(crate) const MAX_IOV: usize = 1024;

/// Caps a buffer length to what one call accepts (see [`MAX_RW`]).
#[inline]
pub(crate) fn rw_len(len: usize) -> usize {
    len.min(MAX_RW)
}

/// The bytes a read just stored: the first `n` of `buf`, now readable as `&mut [u8]`.
///
/// Every `*_uninit` read ends here, so the reads that fill uninitialised memory hand their
/// caller a slice whose existence proves those bytes initialised, and the layers above (a
/// `ReadBuf`) can record exactly them without `unsafe` of their own.
///
/// # Safety
///
/// The kernel must have written the first `n` bytes of `buf` (`n` is a successful read's
/// return value for this very buffer).
#[inline]
pub(crate) unsafe fn kernel_filled(buf: &mut [MaybeUninit<u8>], n: usize) -> &mut [u8] {
    // Bounds-checked: a count past the buffer would be a kernel bug, and must not become an
    // out-of-bounds slice.
    let written = &mut buf[..n];
    // SAFETY: `MaybeUninit<u8>` has `u8`'s layout, and the caller guarantees these `n` bytes
    // were written by the kernel, so each holds a valid `u8`.
    unsafe { &mut *(written as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

/// An initialised buffer seen as the `MaybeUninit` buffer the `*_uninit` reads take, so the
/// `&mut [u8]` forms of those reads share their code.
///
/// # Safety
///
/// The view must only be handed to a read that stores what the kernel wrote (never
/// `MaybeUninit::uninit()`), so that `buf` stays initialised for its owner.
#[inline]
pub(crate) unsafe fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: same layout; the caller's promise means no uninitialised value is written back
    // into bytes the owner of `buf` considers initialised.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// An owned file descriptor with the I/O calls that any fd accepts.
#[derive(Debug)]
pub(crate) struct Fd {
    inner: OwnedFd,
}

impl Fd {
    /// `read(2)`.
    #[inline]
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `read_uninit` stores only what the kernel wrote.
        let view = unsafe { as_uninit(buf) };
        self.read_uninit(view).map(|filled| filled.len())
    }

    /// `read(2)` into possibly uninitialised memory; returns the bytes it filled.
    #[inline]
    pub(crate) fn read_uninit<'a>(
        &self,
        buf: &'a mut [MaybeUninit<u8>],
    ) -> io::Result<&'a mut [u8]> {
        // SAFETY: `buf` is writable for `rw_len(buf.len()) <= buf.len()` bytes (the kernel
        // only stores into it, so its being uninitialised does not matter), and the fd is
        // open because `self` owns it.
        let n = syscall!(
            read(self.as_raw_fd(), buf.as_mut_ptr().cast(), rw_len(buf.len()));
            "Fd::read", "fd={}, len={}", self.as_raw_fd(), rw_len(buf.len())
        )?;
        // SAFETY: a successful `read` wrote its return value's worth of bytes at the start of
        // `buf`.
        Ok(unsafe { kernel_filled(buf, n as usize) })
    }

    /// `readv(2)`.
    pub(crate) fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        // SAFETY: `IoSliceMut` is ABI-compatible with `struct iovec` on Unix (documented by
        // std), each one points at a live writable buffer, and the count is at most
        // `bufs.len()`. The fd is open because `self` owns it.
        let n = syscall!(
            readv(
                self.as_raw_fd(),
                bufs.as_mut_ptr().cast::<libc::iovec>(),
                bufs.len().min(MAX_IOV) as libc::c_int,
            );
            "Fd::read_vectored", "fd={}, iovecs={}", self.as_raw_fd(), bufs.len().min(MAX_IOV)
        )?;
        Ok(n as usize)
    }

    /// `write(2)`. On a pipe whose readers are all gone this raises `SIGPIPE` (there is no
    /// per-call flag for pipes); Rust programs ignore `SIGPIPE` from startup, so the call
    /// returns `BrokenPipe` instead.
    #[inline]
    pub(crate) fn write(&self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is readable for `rw_len(buf.len()) <= buf.len()` bytes; the fd is open.
        let n = syscall!(
            write(self.as_raw_fd(), buf.as_ptr().cast(), rw_len(buf.len()));
            "Fd::write", "fd={}, len={}", self.as_raw_fd(), rw_len(buf.len())
        )?;
        Ok(n as usize)
    }

    /// `writev(2)`; see [`Fd::write`] about `SIGPIPE`.
    pub(crate) fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // SAFETY: `IoSlice` is ABI-compatible with `struct iovec` on Unix, each points at a
        // live readable buffer, and the count is at most `bufs.len()`; the fd is open.
        let n = syscall!(
            writev(
                self.as_raw_fd(),
                bufs.as_ptr().cast::<libc::iovec>(),
                bufs.len().min(MAX_IOV) as libc::c_int,
            );
            "Fd::write_vectored", "fd={}, iovecs={}", self.as_raw_fd(), bufs.len().min(MAX_IOV)
        )?;
        Ok(n as usize)
    }

    /// Sets or clears `O_NONBLOCK`, keeping the other status flags.
    pub(crate) fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        let fd = self.as_raw_fd();
        // SAFETY: F_GETFL takes no argument; the fd is open because `self` owns it.
        let flags = syscall!(
            fcntl(fd, libc::F_GETFL);
            "Fd::set_nonblocking", "fd={fd}, F_GETFL"
        )?;
        let wanted = if nonblocking {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        if wanted != flags {
            // SAFETY: F_SETFL takes an int of flags; the fd is open.
            syscall!(
                fcntl(fd, libc::F_SETFL, wanted);
                "Fd::set_nonblocking", "fd={fd}, F_SETFL, O_NONBLOCK {}",
                    if nonblocking { "on" } else { "off" }
            )?;
        }
        Ok(())
    }

    /// Sets `O_NONBLOCK` and `FD_CLOEXEC` on a descriptor that was created without them, for
    /// the platforms whose `socket`/`accept`/`pipe` cannot set them atomically.
    #[cfg(target_vendor = "apple")]
    pub(crate) fn set_nonblocking_cloexec(&self) -> io::Result<()> {
        // SAFETY: F_SETFD takes an int of descriptor flags; the fd is open.
        syscall!(
            fcntl(self.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
            "Fd::set_nonblocking_cloexec", "fd={}, F_SETFD, FD_CLOEXEC", self.as_raw_fd()
        )?;
        self.set_nonblocking(true)
    }
}

/// Implements `AsRawFd`, `AsFd`, `IntoRawFd`, `FromRawFd`, `From<OwnedFd>` and
/// `From<$ty> for OwnedFd` for a type whose only field `inner` already has them.
macro_rules! impl_fd_traits {
    ($ty:ty) => {
        impl ::std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> ::std::os::fd::RawFd {
                ::std::os::fd::AsRawFd::as_raw_fd(&self.inner)
            }
        }

        impl ::std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> ::std::os::fd::BorrowedFd<'_> {
                ::std::os::fd::AsFd::as_fd(&self.inner)
            }
        }

        impl ::std::os::fd::IntoRawFd for $ty {
            fn into_raw_fd(self) -> ::std::os::fd::RawFd {
                ::std::os::fd::IntoRawFd::into_raw_fd(self.inner)
            }
        }

        impl ::std::os::fd::FromRawFd for $ty {
            /// Takes ownership of `fd`. It should already be nonblocking: an event loop
            /// waiting on a blocking fd hangs in `read`/`accept` instead of seeing `WouldBlock`.
            unsafe fn from_raw_fd(fd: ::std::os::fd::RawFd) -> Self {
                Self {
                    // SAFETY: the caller upholds `from_raw_fd`'s contract (an open fd that
                    // nobody else owns), which is exactly what the inner type requires.
                    inner: unsafe { ::std::os::fd::FromRawFd::from_raw_fd(fd) },
                }
            }
        }

        impl ::std::convert::From<::std::os::fd::OwnedFd> for $ty {
            fn from(fd: ::std::os::fd::OwnedFd) -> Self {
                Self {
                    inner: ::std::convert::From::from(fd),
                }
            }
        }

        impl ::std::convert::From<$ty> for ::std::os::fd::OwnedFd {
            fn from(value: $ty) -> ::std::os::fd::OwnedFd {
                ::std::convert::From::from(value.inner)
            }
        }
    };
}
pub(crate) use impl_fd_traits;

impl_fd_traits!(Fd);

/// Implements [`Source`](crate::event::Source) for a type that owns one fd, by handing that
/// fd to [`SourceFd`](crate::unix::SourceFd).
macro_rules! impl_source {
    ($ty:ty) => {
        impl $crate::event::Source for $ty {
            fn register(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interests: $crate::Interest,
            ) -> ::std::io::Result<()> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                $crate::event::Source::register(
                    &mut $crate::unix::SourceFd(&fd),
                    registry,
                    token,
                    interests,
                )
            }

            fn reregister(
                &mut self,
                registry: &$crate::Registry,
                token: $crate::Token,
                interests: $crate::Interest,
            ) -> ::std::io::Result<()> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                $crate::event::Source::reregister(
                    &mut $crate::unix::SourceFd(&fd),
                    registry,
                    token,
                    interests,
                )
            }

            fn deregister(&mut self, registry: &$crate::Registry) -> ::std::io::Result<()> {
                let fd = ::std::os::fd::AsRawFd::as_raw_fd(self);
                $crate::event::Source::deregister(&mut $crate::unix::SourceFd(&fd), registry)
            }
        }
    };
}
pub(crate) use impl_source;

/// Implements `io::Read` for `&$ty` through `self.inner.read` and `self.inner.read_vectored`
/// (which take `&self`: reading through a shared reference is what lets one thread read while
/// another writes the same socket), and for `$ty` by forwarding to `&$ty`.
macro_rules! impl_read {
    ($ty:ty) => {
        impl $ty {
            /// Reads into possibly uninitialised memory (no zeroing first) and returns the
            /// bytes the kernel filled: the start of `buf`, now initialised. Otherwise as
            /// `io::Read::read`: `Ok` of an empty slice is end of stream (or an empty `buf`).
            ///
            /// # Errors
            /// `WouldBlock` when nothing is there yet; other OS errors of the read.
            #[inline]
            pub fn read_uninit<'a>(
                &self,
                buf: &'a mut [::std::mem::MaybeUninit<u8>],
            ) -> ::std::io::Result<&'a mut [u8]> {
                self.inner.read_uninit(buf)
            }
        }

        impl ::std::io::Read for $ty {
            #[inline]
            fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                ::std::io::Read::read(&mut &*self, buf)
            }
            fn read_vectored(
                &mut self,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::io::Result<usize> {
                ::std::io::Read::read_vectored(&mut &*self, bufs)
            }
        }

        impl ::std::io::Read for &$ty {
            #[inline]
            fn read(&mut self, buf: &mut [u8]) -> ::std::io::Result<usize> {
                self.inner.read(buf)
            }
            fn read_vectored(
                &mut self,
                bufs: &mut [::std::io::IoSliceMut<'_>],
            ) -> ::std::io::Result<usize> {
                self.inner.read_vectored(bufs)
            }
        }
    };
}
pub(crate) use impl_read;

/// Implements `io::Write` for `&$ty` through `self.inner.write` and
/// `self.inner.write_vectored`, and for `$ty` by forwarding to `&$ty`. `flush` has nothing to
/// do: nothing is buffered in user space.
macro_rules! impl_write {
    ($ty:ty) => {
        impl ::std::io::Write for $ty {
            #[inline]
            fn write(&mut self, buf: &[u8]) -> ::std::io::Result<usize> {
                ::std::io::Write::write(&mut &*self, buf)
            }
            fn write_vectored(
                &mut self,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::io::Result<usize> {
                ::std::io::Write::write_vectored(&mut &*self, bufs)
            }
            fn flush(&mut self) -> ::std::io::Result<()> {
                ::std::io::Write::flush(&mut &*self)
            }
        }

        impl ::std::io::Write for &$ty {
            #[inline]
            fn write(&mut self, buf: &[u8]) -> ::std::io::Result<usize> {
                self.inner.write(buf)
            }
            fn write_vectored(
                &mut self,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::io::Result<usize> {
                self.inner.write_vectored(bufs)
            }
            fn flush(&mut self) -> ::std::io::Result<()> {
                Ok(())
            }
        }
    };
}
pub(crate) use impl_write;
