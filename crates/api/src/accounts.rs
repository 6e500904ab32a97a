//! Accounts and how they sign.

use serde::{Deserialize, Serialize};

/// A chain family: what kind of address and key an account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chain {
    /// Ethereum and every EVM network.
    Ethereum,
    /// Solana.
    Solana,
}

impl Chain {
    /// The name serde gives it ("ethereum"), for CSS classes and ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ethereum => "ethereum",
            Self::Solana => "solana",
        }
    }
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account as shown in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The name shown.
    pub name: String,
    /// Its chain family.
    pub chain: Chain,
    /// The address as written on its chain.
    pub address: String,
    /// The derivation path.
    pub path: Option<String>,
    /// How it signs (a watch-only account cannot).
    pub signer: SignerKind,
    /// Hidden from the dashboard and the pickers.
    pub hidden: bool,
}

/// Add the next account of the wallet's recovery phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// Its name; `None`: "Ethereum 2" and so on.
    pub name: Option<String>,
}

/// Watch an address without a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The address.
    pub address: String,
    /// Its name; `None`: "Watched N".
    pub name: Option<String>,
}

/// Rename, hide or show an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditAccountRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The account.
    pub address: String,
    /// A new name.
    pub name: Option<String>,
    /// Hide (`true`) or show (`false`) it.
    pub hidden: Option<bool>,
}

/// How the account signs, so the UI can ask for the password or point at the Ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerKind {
    /// The vault in the keychain (unlock first).
    Software,
    /// A Ledger (confirm on the device).
    Ledger,
    /// Watch-only: cannot sign.
    Watch,
}
