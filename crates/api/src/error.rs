//! The error every command returns.

use serde::{Deserialize, Serialize};

/// Every command's error: a category the UI can branch on and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened and what to do, for the user.
    pub message: String,
}

/// Categories of [`CommandError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The user's input is invalid (a bad recovery phrase, a short password).
    InvalidInput,
    /// The password is wrong.
    WrongPassword,
    /// The OS keychain is unavailable or locked.
    Keychain,
    /// The vault is locked: unlock it, then try again.
    Locked,
    /// A network could not be reached.
    Network,
    /// The Ledger needs attention (locked, wrong app, rejected).
    Ledger,
    /// Anything else.
    Internal,
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
