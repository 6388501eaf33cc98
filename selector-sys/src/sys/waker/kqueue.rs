//! The EVFILT_USER waker (being written).
