//! Which wake-up mechanism each OS uses (see [`Waker`](crate::Waker) for the table).

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(corium_force_pipe_waker)
))]
mod eventfd;
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(corium_force_pipe_waker)
))]
pub(crate) use eventfd::Waker;

#[cfg(all(
    any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos",
        target_os = "freebsd"
    ),
    not(corium_force_pipe_waker)
))]
mod kqueue;
#[cfg(all(
    any(
        target_os = "macos",
        target_os = "ios",
        target_os = "tvos",
        target_os = "watchos",
        target_os = "visionos",
        target_os = "freebsd"
    ),
    not(corium_force_pipe_waker)
))]
pub(crate) use kqueue::Waker;

#[cfg(any(
    corium_force_pipe_waker,
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
mod pipe;
#[cfg(any(
    corium_force_pipe_waker,
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub(crate) use pipe::Waker;
