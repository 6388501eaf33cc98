//! The kqueue backend (being written).
