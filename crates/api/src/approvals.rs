//! What an account has allowed others to spend, and revoking it.

use serde::{Deserialize, Serialize};

/// The grants of one account on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalsRequest {
    /// The network.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
}

/// One grant still in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalView {
    /// What the revoke form names it by: "erc20:0xtoken:0xspender".
    pub id: String,
    /// "ERC-20 allowance", "NFT operator" or "Permit2 allowance".
    pub kind: String,
    /// The token or collection's symbol (its address when it has none).
    pub token: String,
    /// Its address.
    pub token_address: String,
    /// Who may spend.
    pub spender: String,
    /// The spender's name when it is a contract the network knows.
    pub spender_name: Option<String>,
    /// Whether the spender is a contract Vigil does not know (or has no code at all).
    pub spender_unknown: bool,
    /// Whole units, or "unlimited" (every NFT of the collection, for an operator).
    pub amount: String,
    /// What the grant could take now, in the user's currency, when the token is priced.
    pub value_at_risk: Option<f64>,
    /// The block of the latest event that set it.
    pub block: u64,
}

/// The approvals screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approvals {
    /// The account.
    pub account: String,
    /// Every grant still in force.
    pub grants: Vec<ApprovalView>,
    /// The user's currency.
    pub currency: String,
    /// The last block searched.
    pub scanned_to: u64,
}

/// Revoke grants, one transaction each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeForm {
    /// The network.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// The grants' ids from [`ApprovalView::id`].
    pub ids: Vec<String>,
}
