//! hyper 1.x on corium (feature `hyper`): what hyper needs from a runtime, for corium.
//!
//! * [`HyperIo<T>`]: hyper's io traits (`hyper::rt::Read`/`Write`) for any corium
//!   [`AsyncRead`]/[`AsyncWrite`] stream — a [`TcpStream`](crate::TcpStream), a
//!   [`UnixStream`](crate::UnixStream), a TLS stream — and corium's io traits for any hyper
//!   stream (an upgraded connection, say), both zero-copy: reads go straight into hyper's
//!   uninitialised read cursor, vectored writes pass through as one `writev`.
//! * [`CoriumExecutor`]: `hyper::rt::Executor`, spawning hyper's background futures (HTTP/2
//!   streams, client connections) as corium tasks.
//! * [`CoriumTimer`]: `hyper::rt::Timer` on corium's timers, for header-read timeouts,
//!   keep-alive pings and the like; hyper resets its sleeps in place, with no allocation.
//!
//! hyper itself is a dependency of this feature *without any feature*: only `hyper::rt`
//! compiles into corium; an application picks hyper's `server`/`client`/`http1`/`http2`
//! features itself. The `unsafe` here is what hyper's cursor demands of every runtime (it
//! hands out uninitialised memory and must be told how much was filled); each block says why
//! it holds.
//!
//! ```
//! use corium_net::hyper_rt::{CoriumExecutor, CoriumTimer, HyperIo};
//!
//! // The three pieces satisfy hyper's bounds.
//! fn io<T: hyper::rt::Read + hyper::rt::Write + Unpin>(_: T) {}
//! fn exec<E: hyper::rt::Executor<std::future::Ready<()>>>(_: E) {}
//! fn timer<T: hyper::rt::Timer + Send + Sync + 'static>(_: T) {}
//! io(HyperIo::new(corium_net::io::empty()));
//! exec(CoriumExecutor::new());
//! timer(CoriumTimer::new());
//! ```

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::io::util::swapped_read_buf;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The `hyper` crate whose traits this module implements (compiled without features here).
pub use hyper;

pin_project! {
    /// A stream seen through the other family's io traits: a corium stream as a hyper one
    /// (`hyper::rt::Read`/`Write`), or a hyper stream as a corium one
    /// ([`AsyncRead`]/[`AsyncWrite`]). See the [module docs](self).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct HyperIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> HyperIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        HyperIo { inner }
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
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

// corium -> hyper

impl<T: AsyncRead> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let filled = {
            // SAFETY: the memory is only lent to corium's `ReadBuf`, which never stores
            // `MaybeUninit::uninit()` (the contract of `as_mut`).
            let unfilled = unsafe { buf.as_mut() };
            let (start, room) = (unfilled.as_ptr().cast::<u8>(), unfilled.len());
            let mut inner = ReadBuf::uninit(unfilled);
            ready!(self.project().inner.poll_read(cx, &mut inner))?;
            if inner.start_ptr() != start || inner.capacity() != room {
                return Poll::Ready(Err(swapped_read_buf()));
            }
            inner.cursors().0
        };
        // SAFETY: `inner` viewed this very memory (checked above) and its invariant says its
        // first `filled` bytes, the cursor's first `filled` unfilled bytes, are initialised.
        unsafe { buf.advance(filled) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite> hyper::rt::Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

// hyper -> corium

impl<T: hyper::rt::Read> AsyncRead for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: the memory is only lent to hyper's `ReadBuf`, which never stores
        // `MaybeUninit::uninit()`.
        let unfilled = unsafe { buf.unfilled_mut() };
        let mut inner = hyper::rt::ReadBuf::uninit(unfilled);
        ready!(self.project().inner.poll_read(cx, inner.unfilled()))?;
        let filled = inner.filled().len();
        // SAFETY: hyper's `ReadBuf` over this memory (it cannot be swapped: the cursor is
        // lent by value) counts its first `filled` bytes as written, so they are initialised.
        unsafe { buf.assume_init(filled) };
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: hyper::rt::Write> AsyncWrite for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// hyper's `Executor` for corium: each future becomes a corium task (`corium::spawn`), whose
/// output is dropped. Must be used inside a corium runtime, where `spawn` works.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct CoriumExecutor;

impl CoriumExecutor {
    /// The executor (it holds nothing: tasks go to the current runtime).
    pub fn new() -> Self {
        CoriumExecutor
    }
}

impl<F> hyper::rt::Executor<F> for CoriumExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        drop(corium_executor::spawn(future));
    }
}

/// hyper's `Timer` on corium's timers (the current runtime's time driver, which must be
/// enabled). Its sleeps are [`CoriumSleep`]s, which hyper resets in place: `reset` moves the
/// existing timer entry, no new allocation.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct CoriumTimer;

impl CoriumTimer {
    /// The timer (it holds nothing: sleeps go to the current runtime).
    pub fn new() -> Self {
        CoriumTimer
    }
}

impl hyper::rt::Timer for CoriumTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(CoriumSleep {
            inner: corium_reactor::time::sleep(duration),
        })
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(CoriumSleep {
            inner: corium_reactor::time::sleep_until(deadline.into()),
        })
    }

    fn now(&self) -> Instant {
        // corium's clock, so a paused test clock is seen by hyper too.
        corium_reactor::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<CoriumSleep>() {
            Some(ours) => ours.reset(new_deadline),
            // Someone else's sleep: the only way to move it is a new one.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

pin_project! {
    /// A corium [`Sleep`](corium_reactor::time::Sleep) as hyper's `Sleep`, made by
    /// [`CoriumTimer`].
    #[derive(Debug)]
    pub struct CoriumSleep {
        #[pin]
        inner: corium_reactor::time::Sleep,
    }
}

impl CoriumSleep {
    /// Moves the deadline, reusing the timer entry.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.project().inner.reset(deadline.into());
    }
}

impl Future for CoriumSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl hyper::rt::Sleep for CoriumSleep {}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    /// The allocation behind a boxed sleep, to tell whether `reset` replaced it.
    fn address(sleep: &Pin<Box<dyn hyper::rt::Sleep>>) -> *const () {
        let sleep: &dyn hyper::rt::Sleep = &**sleep;
        std::ptr::from_ref(sleep).cast()
    }

    #[test]
    fn timer_resets_in_place_and_the_sleep_fires_at_the_new_deadline() {
        let rt = corium_executor::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let timer = CoriumTimer::new();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before = address(&sleep);
            let start = timer.now();
            timer.reset(&mut sleep, start + Duration::from_millis(20));
            assert_eq!(address(&sleep), before, "reset allocated a new sleep");
            sleep.as_mut().await;
            let waited = start.elapsed();
            assert!(
                waited >= Duration::from_millis(20),
                "fired early: {waited:?}"
            );
            assert!(
                waited < Duration::from_secs(60),
                "the old deadline was kept"
            );
        });
    }

    /// A sleep from some other timer: `reset` must replace it, not ignore it.
    struct Foreign;

    impl Future for Foreign {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Pending
        }
    }

    impl hyper::rt::Sleep for Foreign {}

    #[test]
    fn timer_replaces_a_foreign_sleep_on_reset() {
        let rt = corium_executor::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let timer = CoriumTimer::new();
            let mut sleep: Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(Foreign);
            timer.reset(&mut sleep, timer.now() + Duration::from_millis(1));
            assert!(sleep.is::<CoriumSleep>());
            sleep.as_mut().await;
        });
    }

    #[test]
    fn executor_runs_futures_as_corium_tasks() {
        let rt = corium_executor::runtime::Runtime::new().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        rt.block_on(async {
            hyper::rt::Executor::execute(&CoriumExecutor::new(), async move {
                tx.send(7).unwrap();
            });
            corium_reactor::time::sleep(Duration::from_millis(10)).await;
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 7);
    }
}
