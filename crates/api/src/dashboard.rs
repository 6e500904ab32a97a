//! The dashboard: balances, positions and their levels, markets.

use serde::{Deserialize, Serialize};

use crate::Account;

/// What the dashboard shows: one EVM network and one Solana cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardRequest {
    /// The EVM network.
    pub network: String,
    /// The Solana cluster.
    pub solana_network: String,
}

/// One asset held, as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldingView {
    /// The symbol.
    pub symbol: String,
    /// The amount in whole units, exact.
    pub amount: String,
    /// Its value in the user's currency, when a price is known.
    pub value: Option<f64>,
}

/// One account's balances on one network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBalances {
    /// The account.
    pub account: Account,
    /// The network.
    pub network: String,
    /// What it holds (empty when `error` is set).
    pub holdings: Vec<HoldingView>,
    /// The total value of the holdings that have a price.
    pub value: Option<f64>,
    /// Why the balances could not be read, and what to do.
    pub error: Option<String>,
}

/// One asset of a lending position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionAssetView {
    /// The symbol.
    pub symbol: String,
    /// Supplied, whole units.
    pub supplied: String,
    /// Owed, whole units.
    pub debt: String,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// The oracle price, in the dashboard's currency.
    pub price: f64,
    /// The price at which this asset's move alone liquidates the position, in the
    /// dashboard's currency.
    pub liquidation_price: Option<f64>,
    /// Whether that price is reached by a rise (a debt) rather than a fall (a collateral).
    #[serde(default)]
    pub liquidates_on_rise: bool,
}

/// A health-factor reading for the history chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthPointView {
    /// The block.
    pub block: u64,
    /// When (unix seconds).
    pub at: u64,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
}

/// How close a position is to liquidation, by the alert rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Healthy.
    Ok,
    /// Below the warning threshold.
    Warning,
    /// Below the critical threshold, or close to liquidation.
    Critical,
    /// Anyone can liquidate it now.
    Liquidatable,
}

impl Level {
    /// The name serde gives it ("critical"), for CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Critical => "critical",
            Self::Liquidatable => "liquidatable",
        }
    }
}

/// A probability as people read it: "12%", "0.4%", "under 0.1%" (never a misleading "0.0%").
pub fn describe_chance(p: f64) -> String {
    match p * 100.0 {
        x if x < 0.1 => "under 0.1%".into(),
        x if x < 10.0 => format!("{x:.1}%"),
        x => format!("{x:.0}%"),
    }
}

/// A lending position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    /// The key alerts use (`network/aave/0x…`): what "Open position" opens.
    pub key: String,
    /// The protocol ("Aave V3").
    pub protocol: String,
    /// The network.
    pub network: String,
    /// The account.
    pub account: String,
    /// The health factor (`None`: no debt).
    pub health_factor: Option<f64>,
    /// Its level by the alert rules (the account's own, with the watcher's hysteresis).
    pub level: Level,
    /// Collateral, in the dashboard's currency.
    pub collateral: f64,
    /// Debt, in the dashboard's currency.
    pub debt: f64,
    /// What may still be borrowed, in the dashboard's currency.
    pub available: f64,
    /// The fall of all collateral that liquidates (0.25: 25%).
    pub distance_to_liquidation: Option<f64>,
    /// Why the risk figures are missing, when Vigil's model of the market is not the pool's.
    #[serde(default)]
    pub unmodelled: Option<String>,
    /// The chance of liquidation within 24 hours at today's volatility (0.05: 5%).
    #[serde(default)]
    pub liquidation_probability: Option<f64>,
    /// The feeds pricing it that are stale, in sentences.
    #[serde(default)]
    pub stale_feeds: Vec<String>,
    /// The market's rules that apply to it (efficiency mode, isolation, grace periods…).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The assets supplied or borrowed.
    pub assets: Vec<PositionAssetView>,
    /// Health factor per block, oldest first.
    pub history: Vec<HealthPointView>,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The user's currency (values are in it).
    pub currency: String,
    /// The total value of every priced holding and position (collateral minus debt).
    pub total_value: Option<f64>,
    /// Balances per account and network.
    pub balances: Vec<AccountBalances>,
    /// Lending positions.
    pub positions: Vec<PositionView>,
    /// Networks that could not be read, and why.
    pub errors: Vec<String>,
}

/// An Aave reserve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketRow {
    /// The symbol.
    pub symbol: String,
    /// Supply APY (0.03: 3%).
    pub supply_apy: f64,
    /// Borrow APY.
    pub borrow_apy: f64,
    /// The oracle price, in `currency`.
    pub price: f64,
    /// The user's currency.
    pub currency: String,
    /// Whether it can be collateral.
    pub collateral: bool,
    /// Whether it can be borrowed.
    pub borrowable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chances_read_as_people_say_them() {
        assert_eq!(describe_chance(0.00004), "under 0.1%");
        assert_eq!(describe_chance(0.004), "0.4%");
        assert_eq!(describe_chance(0.1234), "12%");
        assert_eq!(describe_chance(1.0), "100%");
    }
}
