//! End-to-end tests of the desktop app live in `e2e.rs`; this package has no library code.
