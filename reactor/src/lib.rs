//! corium-reactor: filled by its own issue.
