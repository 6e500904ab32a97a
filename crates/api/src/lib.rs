//! The typed contract between Vigil's UI and its desktop shell.
