//! Dapps and programs using Vigil as their wallet (the provider): what they ask the user, the
//! user's answer, and the connections kept.

use serde::{Deserialize, Serialize};

use crate::{FindingView, Preview};

/// A request from a dapp that waits for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DappRequest {
    /// What the answer names.
    pub id: u64,
    /// Who asks: a page's origin, or "local program".
    pub caller: String,
    /// The network it is on.
    pub network: String,
    /// What it asks.
    pub ask: DappAsk,
}

/// What a dapp asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DappAsk {
    /// To see accounts: the wallet's, the selected one first; the user picks.
    Connect {
        /// The accounts offered.
        accounts: Vec<String>,
    },
    /// To send transactions: previewed like Vigil's own actions.
    Transaction {
        /// The preview, kept for the answer.
        preview: Preview,
    },
    /// To sign a message (`personal_sign`).
    Message {
        /// The signing account.
        account: String,
        /// The message, as text (or hex when it is not text).
        text: String,
    },
    /// To sign typed data (EIP-712), decoded.
    TypedData {
        /// The signing account.
        account: String,
        /// The primary type ("PermitSingle").
        primary_type: String,
        /// The domain, as `name: value`.
        domain: Vec<String>,
        /// Every field, as `path: value`.
        fields: Vec<String>,
        /// What it grants or trades, in sentences.
        summary: Vec<String>,
        /// What could go wrong, most serious first.
        findings: Vec<FindingView>,
        /// Whether a danger must be ticked before signing.
        needs_override: bool,
    },
    /// To add a network (`wallet_addEthereumChain`); its endpoint answered with its chain id.
    AddChain {
        /// The chain id.
        chain_id: u64,
        /// What the dapp calls it.
        name: String,
        /// Its endpoint.
        rpc_url: String,
        /// Its coin.
        symbol: String,
        /// Its explorer.
        explorer: Option<String>,
    },
    /// A browser extension (the caller) asks to relay web pages to Vigil; each page still
    /// asks to connect on its own.
    Relay,
    /// To add a token to the network's list (`wallet_watchAsset`).
    WatchAsset {
        /// The token contract.
        token: String,
        /// What the dapp calls it (Vigil reads the contract's own).
        symbol: Option<String>,
    },
}

/// The user's answer to a [`DappRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DappAnswer {
    /// The request.
    pub id: u64,
    /// Yes or no.
    pub approve: bool,
    /// For a connection: the accounts the dapp may see.
    pub accounts: Vec<String>,
    /// The user ticked "I understand the risk" for a danger finding.
    pub accept_risk: bool,
}

impl DappAnswer {
    /// No.
    pub fn refuse(id: u64) -> Self {
        Self { id, approve: false, accounts: vec![], accept_risk: false }
    }
}

/// A dapp or program the user connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DappConnection {
    /// Its origin, or "local program".
    pub caller: String,
    /// The accounts it may see.
    pub accounts: Vec<String>,
    /// When it was connected (unix seconds).
    pub connected_at: u64,
}

/// Where the provider listens, and who is connected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderStatus {
    /// Its address (`http://127.0.0.1:1248`), or `None` when it is off.
    pub url: Option<String>,
    /// Why it is not running, when it is not.
    pub problem: Option<String>,
    /// The connections.
    pub connections: Vec<DappConnection>,
    /// Requests waiting for the user, oldest first (a window opened after they came shows
    /// them).
    pub waiting: Vec<DappRequest>,
}

/// Disconnect a dapp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeDappRequest {
    /// Its origin, or "local program".
    pub caller: String,
}
