//! Creating or importing a wallet, and locking it.

use serde::{Deserialize, Serialize};

use crate::Account;

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

/// The home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Home {
    /// The accounts.
    pub accounts: Vec<Account>,
}

/// Whether signing needs the password first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Whether the vault is locked.
    pub locked: bool,
    /// Inactivity before it locks again, seconds.
    pub lock_after_secs: u64,
}

/// Unlock the vault for signing.
#[derive(Serialize, Deserialize)]
pub struct UnlockRequest {
    /// The vault password.
    pub password: String,
}

redacted_debug!(UnlockRequest);
