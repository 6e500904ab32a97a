//! The forms that end in a preview, the preview, and its confirmation.

use serde::{Deserialize, Serialize};

use crate::SignerKind;

/// The stake accounts of one Solana account on one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaStakesRequest {
    /// The cluster.
    pub network: String,
    /// The account; `None`: the first Solana account.
    pub account: Option<String>,
}

/// A swap as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapForm {
    /// The network it happens on.
    pub network: String,
    /// The account that swaps (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// Sold: a symbol or a token address.
    pub from: String,
    /// Bought.
    pub to: String,
    /// The amount sold, whole units.
    pub amount: String,
    /// Slippage tolerance, percent; `None`: the preference.
    pub slippage_percent: Option<f64>,
}

/// A swap's live quote, shown under the form before any preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapQuote {
    /// What is bought, with separators and the symbol: "2,002.560707 USDC".
    pub receive: String,
    /// The rate: "1 ETH = 2,002.56 USDC".
    pub rate: String,
    /// The route: "Uniswap V3 0.05%".
    pub route: String,
    /// The runner-up route with its amount: "Uniswap V2 (1990.03 USDC)".
    pub runner_up: Option<String>,
    /// The least that arrives at the slippage tolerance.
    pub min_receive: String,
    /// Price impact: "0.02%".
    pub price_impact: Option<String>,
    /// Set when the account holds too little: "holds 0.5 ETH, needs 1".
    pub shortfall: Option<String>,
}

/// A lending action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LendAction {
    /// Supply an asset (it earns interest and can be collateral).
    Supply,
    /// Withdraw what was supplied.
    Withdraw,
    /// Borrow against collateral.
    Borrow,
    /// Repay a debt.
    Repay,
}

impl LendAction {
    /// Every action, in the order a form offers them.
    pub const ALL: [LendAction; 4] = [Self::Supply, Self::Withdraw, Self::Borrow, Self::Repay];

    /// The name serde gives it ("supply").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supply => "supply",
            Self::Withdraw => "withdraw",
            Self::Borrow => "borrow",
            Self::Repay => "repay",
        }
    }
}

/// A lending action as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LendForm {
    /// The network it happens on.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// What to do.
    pub action: LendAction,
    /// The reserve's symbol.
    pub asset: String,
    /// Whole units, or "max".
    pub amount: String,
}

/// "Reduce risk" on a lending position: the plan back to a target health factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtectForm {
    /// The network of the position.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// The health factor to reach; `None`: 1.6.
    pub target: Option<f64>,
}

/// A transfer as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendForm {
    /// The network it happens on.
    pub network: String,
    /// The sender (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// The recipient (0x…).
    pub to: String,
    /// The native symbol, a known token's symbol, or a token address.
    pub asset: String,
    /// Whole units.
    pub amount: String,
}

/// A Solana action as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaForm {
    /// The cluster it happens on.
    pub network: String,
    /// The account (base58); `None`: the first Solana account.
    pub account: Option<String>,
    /// "send", "stake", "unstake" or "withdraw".
    pub action: String,
    /// The recipient (send), the validator's vote account (stake) or the stake account.
    pub target: String,
    /// "SOL", a known token's symbol or a mint (send).
    pub asset: String,
    /// Whole units; empty withdraws everything.
    pub amount: String,
}

/// A stake account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeView {
    /// Its address.
    pub address: String,
    /// Its balance, SOL.
    pub sol: String,
    /// "activating", "active", "deactivating" or "inactive".
    pub state: String,
    /// The validator's vote account.
    pub validator: Option<String>,
}

/// The staking screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaStaking {
    /// The account's stake accounts.
    pub stakes: Vec<StakeView>,
    /// Vote accounts of the validators voting now, to delegate to.
    pub validators: Vec<String>,
}

/// Speed up or cancel a pending transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceForm {
    /// The pending transaction.
    pub hash: String,
    /// Cancel it (a zero-value transfer to oneself) rather than speed it up.
    pub cancel: bool,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Read before signing.
    Warning,
    /// Needs an explicit tick to sign.
    Danger,
}

/// One finding of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingView {
    /// How serious.
    pub severity: Severity,
    /// What it means.
    pub message: String,
}

/// A previewed action, kept by the shell until it is confirmed or replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// What `confirm` is called with.
    pub id: u64,
    /// One line ("Swap 1 ETH for USDC").
    pub title: String,
    /// The network.
    pub network: String,
    /// The account.
    pub account: String,
    /// How it signs.
    pub signer: SignerKind,
    /// Facts about the action (route, minimum received, health factor, …) as label and value.
    pub details: Vec<(String, String)>,
    /// The account's balance changes ("-1 ETH", "+2,480.12 USDC").
    pub changes: Vec<String>,
    /// The transactions, in order.
    pub steps: Vec<String>,
    /// The network fee.
    pub fee: String,
    /// The health factor before and after, for lending.
    pub health_factor: Option<(Option<f64>, Option<f64>)>,
    /// Risk findings, most serious first.
    pub findings: Vec<FindingView>,
    /// Whether a danger finding must be ticked before signing.
    pub needs_override: bool,
    /// Why it would fail, when the simulation says so (it cannot be signed).
    pub would_fail: Option<String>,
}

/// Sign and send preview `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmRequest {
    /// The preview.
    pub id: u64,
    /// The user ticked "I understand the risk" for a danger finding.
    pub accept_risk: bool,
}

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executed {
    /// The transactions, in order, final.
    pub hashes: Vec<String>,
}

/// Progress of a confirmed preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxProgress {
    /// The preview.
    pub id: u64,
    /// The step's label.
    pub step: String,
    /// "signing", "sent" or "confirmed".
    pub stage: String,
    /// The transaction, once sent.
    pub hash: Option<String>,
}
