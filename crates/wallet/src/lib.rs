//! Vigil's application core.
