//! corium-executor: filled by its own issue.
