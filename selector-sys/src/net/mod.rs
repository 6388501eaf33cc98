//! Nonblocking sockets (placeholder, filled next).
