//! What a previewed action is, as data. Every service that previews returns an
//! [`ActionPreview`] and keeps what it will sign under its id; the front-ends word it (the app's
//! shell maps it to `vigil_api::Preview`, the command line prints it), so no wording is decided
//! here.

use alloy::primitives::Address;
use vigil_api::{Money, SignerKind};
use vigil_defi_adapters::{
    aave::{LendAction, LiquidationPriceChange},
    preview::{Finding, PlanReview},
};
use vigil_signer::Chain;

use crate::replace::Replacement;

/// A previewed action waiting for [`super::AppService::confirm`].
#[derive(Debug, Clone)]
pub struct ActionPreview {
    /// What confirm is called with.
    pub id: u64,
    /// The chain it is signed for.
    pub chain: Chain,
    /// The network (or Solana cluster) by its configured name.
    pub network: String,
    /// The acting account, as written on its chain.
    pub account: String,
    /// How that account signs.
    pub signer: SignerKind,
    /// What the action is, with the facts particular to it.
    pub action: Action,
    /// The account's balance changes, simulated.
    pub changes: Vec<AssetChange>,
    /// Allowances the plan grants.
    pub approvals: Vec<Approval>,
    /// The transactions, in order, by their labels.
    pub steps: Vec<String>,
    /// The network fee; `None` when the chain gave none to show.
    pub fee: Option<Fee>,
    /// Risk findings, most serious first.
    pub findings: Vec<Finding>,
    /// Whether a danger finding must be accepted before signing.
    pub needs_override: bool,
    /// Why the simulation says it would fail (it cannot be signed).
    pub would_fail: Option<String>,
    /// The user's currency on that network, for the values in USD.
    pub money: Money,
    /// The endpoint that simulated it, API key hidden.
    pub endpoint: String,
    /// The second endpoint that checked it, when the network has one and it answered.
    pub witness: Option<String>,
    /// For each step that calls a contract, the hash a Ledger shows when it blind-signs it:
    /// (step label, 0x… hash), to compare on the device.
    pub device_hashes: Vec<(String, String)>,
    /// The private submission endpoint's host the transactions go to instead of the public
    /// mempool, when the network has one.
    pub private_submission: Option<String>,
}

/// What a preview does.
#[derive(Debug, Clone)]
pub enum Action {
    /// A swap through the best route.
    Swap(Box<SwapSummary>),
    /// Wrapping or unwrapping the native coin (1:1, no pool).
    Wrap {
        /// The step's label ("Wrap 1 ETH").
        label: String,
        /// The wrapping contract, described.
        route: String,
    },
    /// A transfer.
    Send {
        /// Whole units, as typed.
        amount: String,
        /// The asset's symbol.
        symbol: String,
        /// The recipient.
        to: Address,
    },
    /// An Aave action.
    Lend(Box<LendSummary>),
    /// A plan back to a target health factor ("Reduce risk").
    Protect(Box<ProtectSummary>),
    /// Adding liquidity, removing it, or collecting fees.
    Liquidity(Box<LiquiditySummary>),
    /// A speed-up or cancel of a pending transaction.
    Replace {
        /// Which.
        kind: Replacement,
        /// The pending transaction.
        hash: String,
        /// Its journal label.
        label: String,
        /// Its nonce.
        nonce: u64,
    },
    /// A plan a front-end previewed with the adapters itself, under its own title.
    Plan {
        /// The front-end's title.
        title: String,
    },
    /// A Solana transaction.
    Solana {
        /// The plan's summary ("Send 1 SOL to …").
        summary: String,
        /// SOL set aside as rent for new accounts, when any.
        rent_sol: Option<String>,
        /// Compute units the simulation used.
        units: Option<u64>,
    },
}

/// A swap's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapSummary {
    /// Sold, whole units as typed.
    pub amount: String,
    /// Sold, as typed (symbol or address).
    pub from: String,
    /// Bought, as typed.
    pub to: String,
    /// The chosen route, described by the adapters ("Uniswap V3 0.05%").
    pub route: String,
    /// The runner-up with its amount.
    pub runner_up: Option<String>,
    /// The least that must arrive, whole units of what is bought.
    pub min_out: String,
    /// The slippage tolerance, percent.
    pub slippage_percent: f64,
    /// Price impact, bps, when the pool could be probed.
    pub price_impact_bps: Option<u32>,
}

/// A lending action's facts: the position before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct LendSummary {
    /// The action.
    pub action: LendAction,
    /// Whole units (for `max`, the amount as of now).
    pub amount: String,
    /// The reserve's symbol.
    pub symbol: String,
    /// The health factor before and after (`None`: no debt).
    pub health_factor: (Option<f64>, Option<f64>),
    /// Supplied of this reserve before and after, whole units.
    pub supplied: (String, String),
    /// Owed of this reserve before and after, whole units.
    pub debt: (String, String),
    /// Each collateral's liquidation price before and after, USD.
    pub liquidation_prices: Vec<LiquidationPriceChange>,
}

/// A liquidity action's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquiditySummary {
    /// Add, remove or collect.
    pub kind: vigil_api::LiquidityActionKind,
    /// The pool with its tokens: "Uniswap V3 0.3% WETH/USDC".
    pub pool: String,
    /// What goes in (add) or, at least before slippage, comes out (remove, collect): symbol
    /// and whole units.
    pub amounts: Vec<(String, String)>,
    /// The price range (V3 and V4).
    pub range: Option<vigil_api::RangeView>,
    /// How much of the position is removed, percent.
    pub percent: Option<f64>,
}

/// A protect plan's facts: the path, the target, and the health factor along the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectSummary {
    /// The path chosen (repay, supply, or sell collateral in rounds).
    pub path: vigil_defi_adapters::aave::ProtectPath,
    /// The target health factor.
    pub target: f64,
    /// The health factor before and after the plan.
    pub health_factor: (Option<f64>, Option<f64>),
    /// Each transaction with the health factor after it.
    pub steps: Vec<vigil_defi_adapters::aave::ProtectStep>,
}

/// One balance change of the acting account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetChange {
    /// Signed whole units ("-1", "+2480.12").
    pub amount: String,
    /// The asset's symbol.
    pub symbol: String,
}

/// An allowance a plan grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The token's symbol.
    pub symbol: String,
    /// Who may spend it.
    pub spender: Address,
    /// Whole units, or "unlimited".
    pub amount: String,
}

/// A network fee.
#[derive(Debug, Clone, PartialEq)]
pub struct Fee {
    /// What it is expected to be, whole units of the native coin.
    pub amount: String,
    /// The native coin's symbol.
    pub symbol: String,
    /// In USD, when an oracle prices the native coin.
    pub usd: Option<f64>,
    /// The most it can be under the signed fee cap and gas limits, when that differs from
    /// the expected fee: what the user agrees to at most.
    pub max: Option<(String, Option<f64>)>,
}

impl ActionPreview {
    /// The data of an EVM plan's review, under `action`; `id` 0 until it is kept.
    pub(super) fn of_plan(
        action: Action,
        network: &vigil_defi_adapters::Network,
        account: Address,
        signer: SignerKind,
        review: &PlanReview,
        money: Money,
    ) -> Self {
        Self {
            id: 0,
            chain: Chain::Ethereum,
            network: network.name.clone(),
            account: account.to_checksum(None),
            signer,
            action,
            changes: review
                .changes
                .iter()
                .map(|c| AssetChange { amount: c.amount.clone(), symbol: c.symbol.clone() })
                .collect(),
            approvals: review
                .approvals
                .iter()
                .map(|(symbol, spender, amount)| Approval {
                    symbol: symbol.clone(),
                    spender: *spender,
                    amount: amount.clone(),
                })
                .collect(),
            steps: review.plan.steps.iter().map(|s| s.label.clone()).collect(),
            fee: Some(Fee {
                amount: review.fee_native.clone(),
                symbol: network.native_symbol.clone(),
                usd: review.fee_usd,
                max: Some((review.max_fee_native.clone(), review.max_fee_usd)),
            }),
            findings: review.findings.clone(),
            needs_override: review.needs_override(),
            would_fail: review.simulation.revert_reason().map(str::to_owned),
            money,
            endpoint: review.endpoint.clone(),
            witness: review.witness.clone(),
            device_hashes: review
                .blind_signing_hashes()
                .into_iter()
                .map(|(label, hash)| (label, format!("{hash:#x}")))
                .collect(),
            private_submission: network
                .private_tx_url
                .as_ref()
                .and_then(|u| u.host_str())
                .map(str::to_owned),
        }
    }
}
