//! corium-net: filled by its own issue.
