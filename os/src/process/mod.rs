//! Child processes (in progress).
