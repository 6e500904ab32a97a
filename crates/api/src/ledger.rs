//! The Ledger screen.

use serde::{Deserialize, Serialize};

use crate::{Account, Chain};

/// Show a Ledger account's address on the device to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerVerifyRequest {
    /// The account's address.
    pub address: String,
}

/// The Ledger as the app sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerStatus {
    /// The device state, for people ("Ready: Ethereum 1.10.4", "Locked: enter your PIN").
    pub state: String,
    /// Whether an app is open and answering.
    pub ready: bool,
    /// Where it is reached ("USB" or a Speculos address).
    pub endpoint: String,
    /// The doctor's findings about USB access on this machine, each with "ok", "note" or
    /// "problem".
    pub doctor: Vec<(String, String)>,
    /// The wallet's Ledger accounts.
    pub accounts: Vec<Account>,
}

/// Add a Ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAddRequest {
    /// Its chain family.
    pub chain: Chain,
    /// The account index (0 is the first).
    pub index: u32,
}
