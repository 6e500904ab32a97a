//! The journal, alert rules and history.

use serde::{Deserialize, Serialize};

use crate::Level;

/// Where a journaled transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxStatus {
    /// Sent, not yet final.
    Pending,
    /// Final and successful.
    Confirmed,
    /// Final and reverted.
    Failed,
    /// Gone from the network without a replacement.
    Dropped,
    /// Another transaction with its nonce took its place.
    Replaced,
}

impl TxStatus {
    /// The name serde gives it ("pending"), for CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
            Self::Replaced => "replaced",
        }
    }
}

/// One transaction of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    /// Its hash.
    pub hash: String,
    /// The network.
    pub network: String,
    /// The sender.
    pub account: String,
    /// Its nonce.
    pub nonce: u64,
    /// What it does.
    pub label: String,
    /// Where it stands.
    pub status: TxStatus,
    /// The transaction it replaces.
    pub replaces: Option<String>,
    /// The block.
    pub block: Option<u64>,
    /// When it was signed (unix seconds).
    pub sent_at: u64,
}

/// An alert of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    /// The position's key.
    pub key: String,
    /// The level it reported.
    pub level: Level,
    /// One line.
    pub title: String,
    /// The detail.
    pub body: String,
    /// When (unix seconds).
    pub at: u64,
}

/// What an alert is about: what its "Open" button opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertAbout {
    /// A lending or liquidity position, on the dashboard (its key is the alert's).
    Position,
    /// One of the wallet's transactions, in Activity.
    Transaction {
        /// Its hash.
        hash: String,
    },
    /// The watcher itself (no fresh data, or data again): nothing to open.
    Monitor,
}

/// What the watcher tells the window, on [`crate::events::MONITOR`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MonitorEvent {
    /// An alert fired: the window shows it until dismissed.
    Alert {
        /// The alert.
        alert: AlertView,
        /// What it is about.
        about: AlertAbout,
    },
    /// A block was read and every watched position evaluated: screens reload.
    Block {
        /// The network.
        network: String,
        /// The block.
        block: u64,
    },
}

/// Health-factor thresholds of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    /// The account it applies to; `None`: every position without a rule of its own.
    pub account: Option<String>,
    /// Warning below this health factor.
    pub warning: f64,
    /// Critical below this.
    pub critical: f64,
    /// Warning when the chance of liquidation within 24 hours passes this (0.05: 5%).
    #[serde(default = "default_chance")]
    pub liquidation_chance: f64,
}

fn default_chance() -> f64 {
    0.05
}

/// Set the thresholds of every position, or of one account's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleForm {
    /// The account (0x…); `None`: every position.
    pub account: Option<String>,
    /// Warning below this health factor.
    pub warning: f64,
    /// Critical below this.
    pub critical: f64,
    /// Warning when the chance of liquidation within 24 hours passes this (0.05: 5%).
    #[serde(default = "default_chance")]
    pub liquidation_chance: f64,
    /// Remove the account's own rule (it then follows every position's).
    pub remove: bool,
}

/// The alerts screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alerts {
    /// The rules.
    pub rules: Vec<RuleView>,
    /// The wallet's Ethereum accounts, which can have rules of their own.
    pub accounts: Vec<String>,
    /// The newest alerts first.
    pub history: Vec<AlertView>,
}
