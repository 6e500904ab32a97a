//! What the monitor tells the user: an [`Alert`], and the events the app's UI listens to.

use serde::{Deserialize, Serialize};

use crate::rules::{Level, Observation};

/// What an alert is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// An Aave V3 account.
    Lending {
        /// The account.
        account: String,
    },
    /// A Uniswap V3 or V4 liquidity position.
    Liquidity {
        /// Who holds it.
        owner: String,
        /// The position NFT's id.
        token_id: String,
        /// The pool (V3: its address; V4: its id).
        pool: String,
        /// "Uniswap V3" or "Uniswap V4" (alerts kept before V4 were V3's).
        #[serde(default = "uniswap_v3")]
        protocol: String,
    },
    /// One of the wallet's own transactions.
    Transaction {
        /// Its hash.
        hash: String,
        /// What became of it.
        outcome: TxOutcome,
    },
    /// The monitor itself: no fresh data (blind), or data again.
    Monitor {
        /// Whether it is blind now.
        blind: bool,
    },
}

fn uniswap_v3() -> String {
    "Uniswap V3".into()
}

/// The final state of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxOutcome {
    /// Included and succeeded.
    Confirmed,
    /// Included and reverted: the fee was paid, nothing else happened.
    Failed,
    /// Will never be included: its nonce went to another transaction, or the network forgot it.
    Dropped,
    /// Its nonce went to another transaction of the same account that was being followed too:
    /// the wallet's own speed-up or cancel took its place.
    Replaced,
}

/// One alert, as every sink receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The position's key, `network/kind/id`: what "Open position" opens and "Snooze" snoozes.
    pub key: String,
    /// The network.
    pub network: String,
    /// What it is about.
    pub subject: Subject,
    /// How bad (transaction confirmations and "monitor back" are [`Level::Ok`]).
    pub level: Level,
    /// One line.
    pub title: String,
    /// The detail: figures, the block, and what to do.
    pub body: String,
    /// The block the data came from.
    pub block: Option<u64>,
    /// How old that block was when the alert was raised, in seconds.
    pub data_age_secs: Option<u64>,
    /// Whether the data is older than the network's freshness limit (the body says so too).
    pub stale: bool,
    /// The observation behind it, for lending and liquidity positions.
    pub observation: Option<Observation>,
    /// When it was raised (unix seconds).
    pub at: u64,
}

impl Alert {
    /// Whether the alert is about a position the user can open and snooze.
    pub fn has_actions(&self) -> bool {
        matches!(self.subject, Subject::Lending { .. } | Subject::Liquidity { .. })
    }
}

/// What the user did with a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// "Open position": the app shows it.
    Open,
    /// "Snooze 1 h": no alerts below liquidatable for an hour.
    Snooze,
    /// "Reduce risk": the app previews the plan back to a safe health factor.
    Protect,
}

/// The event stream the app's UI (and `vigil watch --json`) listens to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MonitorEvent {
    /// An alert fired (it went to every sink too).
    Alert(Box<Alert>),
    /// The user acted on a desktop notification.
    Action {
        /// The position's key.
        key: String,
        /// What they chose.
        action: UserAction,
    },
    /// A block was read and every watched position evaluated.
    Tick {
        /// The network.
        network: String,
        /// The block.
        block: u64,
        /// How many positions were evaluated.
        positions: usize,
        /// The lowest health factor among the watched lending positions.
        worst_health_factor: Option<f64>,
        /// Each watched lending position's health factor at this block (for its history).
        lending: Vec<LendingReading>,
    },
}

/// One lending position's health factor at a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LendingReading {
    /// The position's key (`network/aave/0x…`).
    pub key: String,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A short form of an address or hash for titles: `0x1234…abcd`.
pub(crate) fn short(s: &str) -> String {
    if s.len() > 12 { format!("{}…{}", &s[..6], &s[s.len() - 4..]) } else { s.to_owned() }
}
