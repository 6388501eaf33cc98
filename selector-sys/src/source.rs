//! [`Source`]: anything that can be registered with a [`Registry`], and [`SourceFd`].

use std::io;
use std::os::fd::RawFd;

use crate::{Interest, Registry, Token};

/// Something with a file descriptor that can be registered with a [`Registry`].
///
/// Users call [`Registry::register`] and friends; those call these methods, which in turn call
/// the registry's raw-fd methods. Implementations for a type that owns one fd are three lines
/// of delegation to [`SourceFd`].
pub trait Source {
    /// Registers `self` with `registry`. Called by [`Registry::register`].
    ///
    /// # Errors
    /// `AlreadyExists` if this fd is already registered with this registry, or the selector's
    /// own error.
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()>;

    /// Changes the token or interests of an existing registration. Called by
    /// [`Registry::reregister`].
    ///
    /// # Errors
    /// `NotFound` if this fd is not registered with this registry.
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()>;

    /// Removes the registration. Called by [`Registry::deregister`].
    ///
    /// # Errors
    /// `NotFound` if this fd is not registered with this registry.
    fn deregister(&mut self, registry: &Registry) -> io::Result<()>;
}

impl<T: Source + ?Sized> Source for &mut T {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).register(registry, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).reregister(registry, token, interests)
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        (**self).deregister(registry)
    }
}

impl<T: Source + ?Sized> Source for Box<T> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).register(registry, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        (**self).reregister(registry, token, interests)
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        (**self).deregister(registry)
    }
}

/// A borrowed raw file descriptor as a [`Source`], for fds corium does not wrap itself.
///
/// The caller keeps the fd open while it is registered and deregisters it before closing it
/// (closing a registered fd silently removes it: kqueue drops the registration when that
/// descriptor is closed, epoll only once every duplicate of the open file is closed).
///
/// # Examples
///
/// ```
/// use std::os::fd::AsRawFd;
/// use corium_selector_sys::{Interest, Poll, Token, unix::SourceFd};
///
/// let poll = Poll::new()?;
/// let (reader, _writer) = std::os::unix::net::UnixStream::pair()?;
/// reader.set_nonblocking(true)?;
/// let fd = reader.as_raw_fd();
/// poll.registry().register(&mut SourceFd(&fd), Token(0), Interest::READABLE)?;
/// poll.registry().deregister(&mut SourceFd(&fd))?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SourceFd<'a>(pub &'a RawFd);

impl Source for SourceFd<'_> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        registry.selector().register(*self.0, token, interests)
    }
    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        registry.selector().reregister(*self.0, token, interests)
    }
    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        registry.selector().deregister(*self.0)
    }
}
