//! An account's Aave position (read by `accounts.rs`), and its health factor computed locally
//! with the pool's own formula and rounding. The risk figures built on it are in `risk.rs`.

use alloy::primitives::{Address, U256};
use serde::Serialize;

use super::{
    market::{Market, Reserve},
    math::{
        PERCENTAGE_FACTOR, mul_div_ceil, percent_mul, percent_mul_floor, ray_mul, ray_mul_ceil,
        ray_mul_floor, to_f64, wad_div,
    },
    risk::{PriceMove, StressRow},
};
use crate::abi::IAavePool;

/// An account's holdings in one reserve, as the pool stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReserve {
    /// aToken balance before the supply index is applied.
    pub scaled_supply: U256,
    /// Variable debt before the borrow index is applied.
    pub scaled_variable_debt: U256,
    /// Stable-rate debt (markets before V3.2).
    pub stable_debt: U256,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// Whether the account borrows this asset.
    pub borrowing: bool,
    /// The underlying token in the wallet.
    pub wallet: U256,
    /// What the pool may take from the wallet.
    pub allowance: U256,
}

/// The account's efficiency-mode category and its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EMode {
    /// The category.
    pub category: u8,
    /// Its LTV, bps.
    pub ltv_bps: u16,
    /// Its liquidation threshold, bps.
    pub liquidation_threshold_bps: u16,
    /// Its price, when the category has its own price source (else zero; V3.0 and V3.1).
    pub price: U256,
    /// V3.2+: the reserves (bit = reserve id) that count as its collateral. `None` on older
    /// markets, where a reserve belongs to the category its configuration names.
    pub collateral_bitmap: Option<u128>,
}

/// The pool's own `getUserAccountData`, read in the same call as everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountData {
    /// Collateral value, base currency.
    pub total_collateral_base: U256,
    /// Debt value, base currency.
    pub total_debt_base: U256,
    /// What may still be borrowed, base currency.
    pub available_borrows_base: U256,
    /// Weighted average liquidation threshold, bps.
    pub liquidation_threshold_bps: U256,
    /// Weighted average LTV, bps.
    pub ltv_bps: U256,
    /// Health factor, wad (`U256::MAX` without debt).
    pub health_factor: U256,
}

impl From<IAavePool::getUserAccountDataReturn> for AccountData {
    fn from(d: IAavePool::getUserAccountDataReturn) -> Self {
        Self {
            total_collateral_base: d.totalCollateralBase,
            total_debt_base: d.totalDebtBase,
            available_borrows_base: d.availableBorrowsBase,
            liquidation_threshold_bps: d.currentLiquidationThreshold,
            ltv_bps: d.ltv,
            health_factor: d.healthFactor,
        }
    }
}

/// An account's state in a market at one block: enough to compute its health factor and to
/// project any action's effect on it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountState {
    /// The account.
    pub account: Address,
    /// The market, refreshed at the same block.
    pub market: Market,
    /// The account's holdings, one per market reserve, in the same order.
    pub reserves: Vec<UserReserve>,
    /// The account's efficiency mode, if any.
    pub emode: Option<EMode>,
    /// What the pool itself reports for the account at that block.
    pub chain: AccountData,
    /// Each reserve's daily realized volatility (in the market's order), where the caller read
    /// it ([`super::VolatilityCache`]); empty otherwise.
    pub volatility: Vec<Option<f64>>,
}

/// What a position says when Vigil's health factor is not the pool's.
pub const UNMODELLED: &str = "this market has rules Vigil does not model (its health factor differs from the pool's), so the health factor shown is the pool's own and no liquidation price, distance or stress figure is shown";

/// A health factor as a number; `None` without debt (infinite).
pub fn health_factor_f64(wad: U256) -> Option<f64> {
    (wad != U256::MAX).then(|| to_f64(wad, 18))
}

/// A health factor for messages: "1.375", or "∞" without debt.
pub(crate) fn describe(wad: U256) -> String {
    health_factor_f64(wad).map_or_else(|| "∞".into(), |h| format!("{h:.4}"))
}

impl AccountState {
    /// The reserves with the account's holdings.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Reserve, &UserReserve)> {
        self.market.reserves.iter().zip(&self.reserves).enumerate().map(|(i, (r, u))| (i, r, u))
    }

    /// The index of `asset` in the market.
    pub fn index(&self, asset: Address) -> Option<usize> {
        self.market.reserves.iter().position(|r| r.asset == asset)
    }

    /// The aToken balance (supply with interest) in reserve `i`.
    pub fn supplied(&self, i: usize) -> U256 {
        match (self.market.reserves.get(i), self.reserves.get(i)) {
            (Some(r), Some(u)) if self.market.directed_rounding() => {
                ray_mul_floor(u.scaled_supply, r.normalized_income)
            }
            (Some(r), Some(u)) => ray_mul(u.scaled_supply, r.normalized_income),
            _ => U256::ZERO,
        }
    }

    /// The variable-rate debt (with interest) in reserve `i`: what a variable-rate repay pays.
    pub fn variable_debt(&self, i: usize) -> U256 {
        match (self.market.reserves.get(i), self.reserves.get(i)) {
            (Some(r), Some(u)) if self.market.directed_rounding() => {
                ray_mul_ceil(u.scaled_variable_debt, r.normalized_debt)
            }
            (Some(r), Some(u)) => ray_mul(u.scaled_variable_debt, r.normalized_debt),
            _ => U256::ZERO,
        }
    }

    /// The debt (with interest) in reserve `i`.
    pub fn debt(&self, i: usize) -> U256 {
        match (self.market.reserves.get(i), self.reserves.get(i)) {
            (Some(_), Some(u)) => self.variable_debt(i).saturating_add(u.stable_debt),
            _ => U256::ZERO,
        }
    }

    /// The account's efficiency mode where it applies to reserve `r`: V3.2+ to the category's
    /// collateral, V3.0 and V3.1 to every reserve of the category.
    fn in_emode(&self, r: &Reserve) -> Option<EMode> {
        self.emode.filter(|e| match e.collateral_bitmap {
            Some(bitmap) => r.id < 128 && bitmap >> r.id & 1 == 1,
            None => e.category == r.config.emode_category,
        })
    }

    /// The liquidation threshold that applies to reserve `r` for this account, bps.
    pub fn liquidation_threshold_bps(&self, r: &Reserve) -> u16 {
        self.in_emode(r).map_or(r.config.liquidation_threshold_bps, |e| e.liquidation_threshold_bps)
    }

    /// The price the pool uses for reserve `r` for this account (its eMode's, if it has one).
    pub(crate) fn price(&self, r: &Reserve) -> U256 {
        match self.in_emode(r) {
            Some(e) if !e.price.is_zero() => e.price,
            _ => r.price,
        }
    }

    /// The account data computed locally: Aave's `GenericLogic.calculateUserAccountData` and
    /// `calculateAvailableBorrows`, with the same integer arithmetic and rounding.
    pub fn account_data(&self) -> AccountData {
        self.account_data_with(&|_, price| price)
    }

    /// [`Self::account_data`] with each reserve's price passed through `price_of(index, price)`.
    pub fn account_data_with(&self, price_of: &dyn Fn(usize, U256) -> U256) -> AccountData {
        let directed = self.market.directed_rounding();
        let mut total_collateral = U256::ZERO;
        let mut total_debt = U256::ZERO;
        let mut weighted_ltv = U256::ZERO;
        let mut weighted_threshold = U256::ZERO;
        let mut used = false;
        for (i, r, u) in self.iter() {
            if !u.collateral && !u.borrowing {
                continue;
            }
            used = true;
            let price = price_of(i, self.price(r));
            let unit = r.unit();
            let emode = self.in_emode(r);
            // V3.0 skips collateral without a threshold; V3.5+ counts what the user enabled.
            if u.collateral && (directed || r.config.liquidation_threshold_bps != 0) {
                let value = self.supplied(i).saturating_mul(price) / unit;
                total_collateral += value;
                let ltv = emode.map_or(r.config.ltv_bps, |e| e.ltv_bps);
                // V3.2+: a category's collateral takes the category's LTV even where its own is 0.
                if r.config.ltv_bps != 0 || (self.market.emode_bitmaps() && emode.is_some()) {
                    weighted_ltv += value * U256::from(ltv);
                }
                weighted_threshold += value * U256::from(self.liquidation_threshold_bps(r));
            }
            if u.borrowing {
                total_debt += if directed {
                    mul_div_ceil(self.debt(i), price, unit)
                } else {
                    self.debt(i).saturating_mul(price) / unit
                };
            }
        }
        if !used {
            return AccountData { health_factor: U256::MAX, ..Default::default() };
        }
        let (ltv, threshold) = if total_collateral.is_zero() {
            (U256::ZERO, U256::ZERO)
        } else {
            (weighted_ltv / total_collateral, weighted_threshold / total_collateral)
        };
        let health_factor = if total_debt.is_zero() {
            U256::MAX
        } else if directed {
            // V3.5+: the weighted sum over the debt, without rounding the average first.
            wad_div(weighted_threshold, total_debt) / U256::from(PERCENTAGE_FACTOR)
        } else {
            wad_div(percent_mul(total_collateral, threshold.saturating_to()), total_debt)
        };
        let borrowable = if directed {
            percent_mul_floor(total_collateral, ltv.saturating_to())
        } else {
            percent_mul(total_collateral, ltv.saturating_to())
        };
        AccountData {
            total_collateral_base: total_collateral,
            total_debt_base: total_debt,
            available_borrows_base: borrowable.saturating_sub(total_debt),
            liquidation_threshold_bps: threshold,
            ltv_bps: ltv,
            health_factor,
        }
    }

    /// The position as the user reads it.
    pub fn position(&self) -> Position {
        let data = self.account_data();
        let m = &self.market;
        // Figures built on Vigil's model are shown only where the model is the pool's.
        let modelled = self.is_modelled();
        let liquidation = |i: usize| self.liquidation_price(i).filter(|_| modelled);
        let assets = self
            .iter()
            .filter(|(i, _, u)| {
                !u.scaled_supply.is_zero() || !self.debt(*i).is_zero() || u.borrowing
            })
            .map(|(i, r, u)| {
                let supplied = self.supplied(i);
                let debt = self.debt(i);
                let dec = r.config.decimals;
                PositionAsset {
                    symbol: r.symbol.clone(),
                    asset: r.asset,
                    supplied: super::whole(supplied, dec),
                    supplied_usd: to_f64(supplied, dec) * r.price_usd,
                    debt: super::whole(debt, dec),
                    debt_usd: to_f64(debt, dec) * r.price_usd,
                    collateral: u.collateral && r.can_be_collateral(),
                    wallet: super::whole(u.wallet, dec),
                    price_usd: r.price_usd,
                    liquidation_price_usd: liquidation(i).map(|l| l.usd),
                    liquidates_on: liquidation(i).map(|l| l.on),
                    supply_apy: r.supply_apy,
                    borrow_apy: r.borrow_apy,
                    daily_volatility: self.volatility.get(i).copied().flatten(),
                }
            })
            .collect();
        Position {
            network: m.network.clone(),
            account: self.account,
            // Where the model is not the pool's, the pool's own figure is the one shown.
            health_factor: health_factor_f64(if modelled {
                data.health_factor
            } else {
                self.chain.health_factor
            }),
            health_factor_wad: data.health_factor,
            pool_health_factor: health_factor_f64(self.chain.health_factor),
            matches_pool: modelled,
            unmodelled: (!modelled).then(|| UNMODELLED.to_owned()),
            total_collateral_usd: m.usd(data.total_collateral_base),
            total_debt_usd: m.usd(data.total_debt_base),
            available_borrows_usd: m.usd(data.available_borrows_base),
            ltv_bps: data.ltv_bps.saturating_to(),
            liquidation_threshold_bps: data.liquidation_threshold_bps.saturating_to(),
            emode_category: self.emode.map_or(0, |e| e.category),
            distance_to_liquidation: self.distance_to_liquidation().filter(|_| modelled),
            assets,
            stress: if modelled { self.stress() } else { Vec::new() },
            liquidation_probability_24h: self.liquidation_probability(1.0).filter(|_| modelled),
            feeds: self.feeds(),
            rules: self.rules(),
        }
    }
}

/// One asset of a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionAsset {
    /// Its symbol.
    pub symbol: String,
    /// The underlying token.
    pub asset: Address,
    /// Supplied, whole units, interest included.
    pub supplied: String,
    /// Supplied, USD.
    pub supplied_usd: f64,
    /// Owed, whole units, interest included.
    pub debt: String,
    /// Owed, USD.
    pub debt_usd: f64,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// Held in the wallet, whole units.
    pub wallet: String,
    /// The oracle price, USD.
    pub price_usd: f64,
    /// The price at which this asset's move alone brings the health factor to 1.
    pub liquidation_price_usd: Option<f64>,
    /// Whether that is a fall (collateral) or a rise (debt).
    pub liquidates_on: Option<PriceMove>,
    /// Supply APY.
    pub supply_apy: f64,
    /// Variable borrow APY.
    pub borrow_apy: f64,
    /// Daily realized volatility of its price feed (0.03: 3% a day), where read.
    pub daily_volatility: Option<f64>,
}

/// An account's Aave position, as shown and as `vigil lend position --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// The network.
    pub network: String,
    /// The account.
    pub account: Address,
    /// The health factor (`None`: no debt, infinite).
    pub health_factor: Option<f64>,
    /// The health factor, wad, exactly as the pool computes it.
    #[serde(serialize_with = "super::decimal")]
    pub health_factor_wad: U256,
    /// The health factor the pool itself reports at the same block.
    pub pool_health_factor: Option<f64>,
    /// Whether Vigil's computation equals the pool's to the unit (if not, the market has rules
    /// Vigil does not model, and its projections are not to be trusted).
    pub matches_pool: bool,
    /// When the model is not the pool's: why liquidation prices, the distance and the stress
    /// table are not shown.
    pub unmodelled: Option<String>,
    /// Collateral, USD.
    pub total_collateral_usd: f64,
    /// Debt, USD.
    pub total_debt_usd: f64,
    /// What may still be borrowed, USD.
    pub available_borrows_usd: f64,
    /// Weighted LTV, bps.
    pub ltv_bps: u64,
    /// Weighted liquidation threshold, bps.
    pub liquidation_threshold_bps: u64,
    /// The efficiency-mode category (0: none).
    pub emode_category: u8,
    /// The combined adverse move (every collateral down, every debt up, by the same fraction)
    /// that reaches a health factor of 1 (0.25: 25%).
    pub distance_to_liquidation: Option<f64>,
    /// The assets supplied or borrowed.
    pub assets: Vec<PositionAsset>,
    /// The health factor under price moves, depegs and correlated moves.
    pub stress: Vec<StressRow>,
    /// The chance of reaching liquidation within 24 hours at today's volatility (an upper
    /// bound; see [`AccountState::liquidation_probability`]).
    pub liquidation_probability_24h: Option<f64>,
    /// The price feeds the position depends on, and whether each is stale.
    pub feeds: Vec<super::FeedStatus>,
    /// The market's rules that apply to this position, said in words (efficiency mode,
    /// isolation, siloed borrowing, frozen or paused reserves, liquidation grace periods).
    pub rules: Vec<String>,
}
