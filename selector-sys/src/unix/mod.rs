//! Unix-specific sources: [`SourceFd`] for any raw fd, and [`pipe`].

pub use crate::source::SourceFd;

pub mod pipe;
