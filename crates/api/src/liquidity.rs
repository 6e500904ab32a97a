//! Liquidity: an account's positions, the pools between two tokens, and the form that adds,
//! removes and collects.

use serde::{Deserialize, Serialize};

/// The positions of one account (or every visible one) on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidityRequest {
    /// The network.
    pub network: String,
    /// The account (0x…); `None`: every visible Ethereum account.
    pub account: Option<String>,
}

/// One token of a position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionTokenView {
    /// Its symbol.
    pub symbol: String,
    /// What removing everything would pay of it, whole units.
    pub amount: String,
    /// Fees earned and not collected, whole units (V3 and V4).
    pub fees: Option<String>,
}

/// A position's price range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeView {
    /// The lower price.
    pub lower: String,
    /// The upper price.
    pub upper: String,
    /// The pool's price now.
    pub current: String,
    /// What the prices are in: "USDC per WETH".
    pub unit: String,
    /// Whether the price is inside the range (it earns fees).
    pub in_range: bool,
    /// Whether the range is every price.
    pub full: bool,
}

/// One liquidity position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidityPositionView {
    /// What the remove and collect forms name it by.
    pub key: String,
    /// The account that holds it.
    pub account: String,
    /// "Uniswap V3".
    pub protocol: String,
    /// "Uniswap V3 0.3% WETH/USDC".
    pub pool: String,
    /// Its tokens.
    pub tokens: Vec<PositionTokenView>,
    /// Its value with the uncollected fees, in the user's currency, when every token is priced.
    pub value: Option<f64>,
    /// The uncollected fees' value.
    pub fees_value: Option<f64>,
    /// The range (V3 and V4).
    pub range: Option<RangeView>,
    /// Its share of the pool, percent (V2 and Balancer).
    pub share_percent: Option<f64>,
    /// Its value less what the tokens put in would be worth if simply held, in the user's
    /// currency; `None` when Vigil did not see it opened.
    pub vs_hold: Option<f64>,
    /// The same, percent of the held value.
    pub vs_hold_percent: Option<f64>,
    /// Whether its fees can be collected on their own (V3 and V4).
    pub can_collect: bool,
}

/// The liquidity screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidityPositions {
    /// Every position.
    pub positions: Vec<LiquidityPositionView>,
    /// The user's currency.
    pub currency: String,
    /// Venues that could not be read, with why.
    pub errors: Vec<String>,
}

/// The pools between two tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidityPoolsRequest {
    /// The network.
    pub network: String,
    /// A token: symbol, address or the native symbol.
    pub token_a: String,
    /// The other.
    pub token_b: String,
}

/// A pool one can add to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidityPoolView {
    /// What the form names it by: "uniswap-v3:3000", "balancer:0x…".
    pub id: String,
    /// "Uniswap V3 0.3%".
    pub name: String,
    /// Its tokens' symbols, in the pool's order.
    pub tokens: Vec<String>,
    /// Its price: "2,000.12 USDC per WETH".
    pub price: Option<String>,
    /// Whether a deposit takes a price range.
    pub has_range: bool,
    /// What it holds, in the user's currency, when priced (V2 and Balancer).
    pub value: Option<f64>,
}

/// What a liquidity form does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiquidityActionKind {
    /// Add to a pool.
    Add,
    /// Remove part or all of a position.
    Remove,
    /// Collect a position's fees.
    Collect,
}

/// A liquidity action as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidityForm {
    /// The network.
    pub network: String,
    /// The account (0x…); `None`: the first Ethereum account.
    pub account: Option<String>,
    /// What to do.
    pub action: LiquidityActionKind,
    /// Add: the pool's tokens and its id from [`LiquidityPoolView`].
    pub token_a: String,
    /// The other token.
    pub token_b: String,
    /// The pool's id.
    pub pool: String,
    /// Add: the token the amount is of (one of the two).
    pub amount_token: String,
    /// Add: whole units.
    pub amount: String,
    /// Add to V3 and V4: "full", a width around the price ("10%"), or prices
    /// ("1800-2200", in the pool's displayed unit).
    pub range: String,
    /// Remove and collect: the position's key.
    pub position: String,
    /// Remove: how much, percent.
    pub percent: Option<f64>,
    /// Pay and be paid in the native coin where the pool holds its wrapped token.
    pub native: bool,
    /// Slippage tolerance, percent; `None`: the preference.
    pub slippage_percent: Option<f64>,
}

impl LiquidityForm {
    /// A form for `action` on `network` with nothing filled in, for a front-end to fill.
    pub fn new(network: String, action: LiquidityActionKind) -> Self {
        Self {
            network,
            account: None,
            action,
            token_a: String::new(),
            token_b: String::new(),
            pool: String::new(),
            amount_token: String::new(),
            amount: String::new(),
            range: String::new(),
            position: String::new(),
            percent: None,
            native: false,
            slippage_percent: None,
        }
    }
}
