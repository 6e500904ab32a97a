//! The typed contract between Vigil's UI (wasm) and its desktop shell.
//!
//! Job: the names of the shell's commands, their request and response types, and the error
//! shape every command returns. Both sides compile these same types, so a renamed field is a
//! compile error rather than a silent `undefined` in the UI. Boundaries: serde only, no
//! behaviour, nothing that does not compile to wasm32.

use serde::{Deserialize, Serialize};

/// Command names, as registered by the shell and invoked by the UI.
pub mod commands {
    /// [`crate::AppStatus`] with no arguments.
    pub const APP_STATUS: &str = "app_status";
    /// [`crate::GenerateWalletRequest`] -> [`crate::GeneratedWallet`].
    pub const GENERATE_WALLET: &str = "generate_wallet";
    /// [`crate::ConfirmWalletRequest`] -> [`crate::Home`].
    pub const CONFIRM_WALLET: &str = "confirm_wallet";
    /// [`crate::ImportWalletRequest`] -> [`crate::Home`].
    pub const IMPORT_WALLET: &str = "import_wallet";
    /// No arguments: forget a generated phrase that was not confirmed.
    pub const CANCEL_WALLET: &str = "cancel_wallet";
    /// No arguments -> [`crate::Home`].
    pub const HOME: &str = "home";
}

/// What the UI shows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    /// Whether a wallet exists (otherwise onboarding is shown).
    pub has_wallet: bool,
}

/// Ask the shell for a new recovery phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateWalletRequest {
    /// 12 or 24.
    pub words: u8,
}

/// The shortest vault password the shell accepts (the UI checks it early, the vault enforces it).
pub const MIN_PASSWORD_LEN: usize = 8;

/// Implements `Debug` without the secret fields.
macro_rules! redacted_debug {
    ($ty:ident) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { [redacted] }"))
            }
        }
    };
}

/// A new recovery phrase to write down; the shell keeps it until it is confirmed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedWallet {
    /// The words, in order.
    pub words: Vec<String>,
    /// 1-based positions of the words the user must type back.
    pub check_positions: Vec<usize>,
}

redacted_debug!(GeneratedWallet);

/// The words typed back at the asked positions, and the new password.
#[derive(Serialize, Deserialize)]
pub struct ConfirmWalletRequest {
    /// The words, in the order of `check_positions`.
    pub answers: Vec<String>,
    /// The vault password.
    pub password: String,
}

redacted_debug!(ConfirmWalletRequest);

/// An existing recovery phrase and the new password.
#[derive(Serialize, Deserialize)]
pub struct ImportWalletRequest {
    /// The recovery phrase.
    pub mnemonic: String,
    /// The vault password.
    pub password: String,
}

redacted_debug!(ImportWalletRequest);

/// One account as shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The name shown.
    pub name: String,
    /// "ethereum" or "solana".
    pub chain: String,
    /// The address as written on its chain.
    pub address: String,
    /// The derivation path.
    pub path: Option<String>,
}

/// The home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    /// The accounts.
    pub accounts: Vec<Account>,
}

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
    /// Anything else.
    Internal,
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_secrets_never_print_them() {
        let r = ImportWalletRequest { mnemonic: "test junk".into(), password: "hunter2".into() };
        let c = ConfirmWalletRequest { answers: vec!["junk".into()], password: "hunter2".into() };
        let g = GeneratedWallet { words: vec!["junk".into()], check_positions: vec![1] };
        let printed = format!("{r:?} {c:?} {g:?}");
        assert!(!printed.contains("junk") && !printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("ImportWalletRequest"));
    }

    #[test]
    fn errors_serialize_in_the_shape_the_ui_reads() {
        let e = CommandError { kind: ErrorKind::WrongPassword, message: "wrong".into() };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"wrong_password","message":"wrong"}"#
        );
    }
}
