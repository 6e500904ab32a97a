//! The risk model of an Aave position, both sides of it: the price of each asset whose move
//! alone liquidates (a collateral's fall, a debt's rise), the distance to liquidation over the
//! combined adverse move, and the stress table (falls, rises, stablecoin depegs, and an
//! efficiency-mode category's assets moving as one). Every figure comes from the same state
//! and prices as the health factor; the stress table uses the pool's integer arithmetic, so
//! setting the oracle to a scenario's prices gives the pool's own health factor.

use alloy::primitives::U256;
use serde::Serialize;

use super::{
    math::{WAD, to_f64},
    position::{AccountState, health_factor_f64},
};

/// Moves of one price (or of a group) the stress table applies, in percent.
pub const STRESS_MOVES: [u8; 4] = [10, 20, 30, 50];
/// The USD prices a stablecoin supplied as collateral is depegged to.
pub const DEPEG_COLLATERAL: [f64; 2] = [0.90, 0.80];
/// The USD price a borrowed stablecoin is depegged to.
pub const DEPEG_DEBT: [f64; 1] = [1.10];

/// USD stablecoins by symbol (case-insensitive): the assets the depeg rows apply to.
const USD_STABLECOINS: &[&str] = &[
    "USDC", "USDT", "DAI", "USDS", "GHO", "FRAX", "LUSD", "PYUSD", "USDE", "USDC.E", "USDBC",
    "CRVUSD", "RLUSD", "USDT0", "SUSDE", "USDTB",
];

/// Whether `symbol` is a USD stablecoin.
pub fn is_usd_stablecoin(symbol: &str) -> bool {
    USD_STABLECOINS.iter().any(|s| s.eq_ignore_ascii_case(symbol))
}

/// Which way a price must move to liquidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceMove {
    /// A fall (the asset backs more than it owes).
    Fall,
    /// A rise (the asset is owed more than it backs).
    Rise,
}

/// The price at which one asset's move alone brings the health factor to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LiquidationPrice {
    /// The price, USD (today's when the account is liquidatable already).
    pub usd: f64,
    /// Whether it is reached by a fall or a rise.
    pub on: PriceMove,
}

/// What a stress row moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StressKind {
    /// One asset's price falls.
    Fall,
    /// One asset's price rises.
    Rise,
    /// Every collateral falls and every debt rises, by the same fraction.
    Combined,
    /// A stablecoin loses its peg (its price set to a USD figure).
    Depeg,
    /// The assets of one efficiency-mode category fall together.
    Correlated,
}

/// The health factor under one scenario of the stress table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressPoint {
    /// The move, percent of today's price: -10 is a 10% fall, +10 a 10% rise.
    pub change_pct: i16,
    /// For a depeg, the USD price the stablecoin is set to.
    pub price_usd: Option<f64>,
    /// The health factor after it (`None`: no debt).
    pub health_factor: Option<f64>,
}

/// One row of the stress table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressRow {
    /// What moves: an asset's symbol, "collateral down, debt up", or an eMode group.
    pub asset: String,
    /// How it moves.
    pub kind: StressKind,
    /// The scenarios.
    pub points: Vec<StressPoint>,
}

/// `price` scaled by `(100 + change_pct) / 100`, in the pool's integer arithmetic.
fn moved(price: U256, change_pct: i16) -> U256 {
    let factor = U256::from(u64::try_from(100 + i64::from(change_pct)).unwrap_or(0));
    price.saturating_mul(factor) / U256::from(100)
}

impl AccountState {
    /// Whether Vigil's model of this account is the pool's: its health factor and totals,
    /// computed locally, equal what the pool reports at the same block to the unit. Where not,
    /// the market has rules Vigil does not model, and figures built on the model may be wrong.
    pub fn is_modelled(&self) -> bool {
        self.account_data() == self.chain
    }

    /// Each asset's net exposure, in token units: supplied collateral weighted by its
    /// liquidation threshold, less debt. Positive backs the position, negative weighs on it.
    fn exposures(&self) -> Vec<f64> {
        self.iter()
            .map(|(i, r, u)| {
                let backs = if u.collateral && r.can_be_collateral() {
                    to_f64(self.supplied(i), r.config.decimals)
                        * f64::from(self.liquidation_threshold_bps(r))
                        / 10_000.0
                } else {
                    0.0
                };
                let owes = if u.borrowing { to_f64(self.debt(i), r.config.decimals) } else { 0.0 };
                backs - owes
            })
            .collect()
    }

    /// The USD prices the pool uses for this account (its eMode's where it has one).
    fn prices_usd(&self) -> Vec<f64> {
        self.market.reserves.iter().map(|r| self.market.usd(self.price(r))).collect()
    }

    /// The USD price of asset `i` at which the health factor reaches 1, every other price held
    /// constant: a fall for an asset that backs more than it owes, a rise for one owed more
    /// than it backs. `None` when no move of that price alone liquidates.
    pub fn liquidation_price(&self, i: usize) -> Option<LiquidationPrice> {
        let exposures = self.exposures();
        let e = *exposures.get(i)?;
        if e == 0.0 {
            return None;
        }
        let on = if e > 0.0 { PriceMove::Fall } else { PriceMove::Rise };
        if self.account_data().health_factor < WAD {
            // Liquidatable already: at today's price.
            return Some(LiquidationPrice { usd: self.market.reserves.get(i)?.price_usd, on });
        }
        let prices = self.prices_usd();
        let others: f64 = exposures
            .iter()
            .zip(&prices)
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (e, p))| e * p)
            .sum();
        // others + e · p = 0 at a health factor of 1.
        let usd = -others / e;
        (usd > 0.0 && usd.is_finite()).then_some(LiquidationPrice { usd, on })
    }

    /// The fraction (0.25 is 25%) by which every collateral may fall while every debt rises
    /// by the same fraction before the health factor reaches 1; `None` without debt.
    pub fn distance_to_liquidation(&self) -> Option<f64> {
        let (mut backing, mut weighing) = (0.0, 0.0);
        for (e, p) in self.exposures().iter().zip(self.prices_usd()) {
            if *e > 0.0 {
                backing += e * p;
            } else {
                weighing -= e * p;
            }
        }
        if weighing <= 0.0 {
            return None;
        }
        // backing · (1 - x) = weighing · (1 + x)
        Some(((backing - weighing) / (backing + weighing)).max(0.0))
    }

    /// The health factor with the prices of the reserves in `moved_by` changed by their
    /// percent (negative falls), and those in `set_to` set to a USD price.
    pub fn health_factor_with(&self, moved_by: &[(usize, i16)], set_to: &[(usize, f64)]) -> U256 {
        let base_unit = self.market.base_unit;
        self.account_data_with(&|i, price| {
            if let Some((_, usd)) = set_to.iter().find(|(j, _)| *j == i) {
                // Four decimals of a dollar, as an oracle answer would carry them.
                let ten_thousandths = U256::from((usd * 10_000.0).round().max(0.0) as u64);
                return ten_thousandths.saturating_mul(base_unit) / U256::from(10_000);
            }
            match moved_by.iter().find(|(j, _)| *j == i) {
                Some((_, pct)) => moved(price, *pct),
                None => price,
            }
        })
        .health_factor
    }

    /// The stress table: each asset's adverse move alone (a collateral's fall, a debt's
    /// rise), the combined adverse move, stablecoin depegs, and each efficiency-mode
    /// category's assets falling together.
    pub fn stress(&self) -> Vec<StressRow> {
        let exposures = self.exposures();
        if !exposures.iter().any(|e| *e < 0.0) {
            return Vec::new();
        }
        let held: Vec<usize> = (0..exposures.len()).filter(|&i| exposures[i] != 0.0).collect();
        let symbol = |i: usize| self.market.reserves.get(i).map(|r| r.symbol.clone());
        let point = |moves: &[(usize, i16)], change_pct: i16| StressPoint {
            change_pct,
            price_usd: None,
            health_factor: health_factor_f64(self.health_factor_with(moves, &[])),
        };
        let mut rows = Vec::new();
        for &i in &held {
            let Some(asset) = symbol(i) else { continue };
            let (kind, sign) =
                if exposures[i] > 0.0 { (StressKind::Fall, -1) } else { (StressKind::Rise, 1) };
            let points = STRESS_MOVES
                .iter()
                .map(|&m| {
                    let pct = sign * i16::from(m);
                    point(&[(i, pct)], pct)
                })
                .collect();
            rows.push(StressRow { asset, kind, points });
        }
        if held.len() > 1 {
            let points = STRESS_MOVES
                .iter()
                .map(|&m| {
                    let m = i16::from(m);
                    let moves: Vec<(usize, i16)> = held
                        .iter()
                        .map(|&i| (i, if exposures[i] > 0.0 { -m } else { m }))
                        .collect();
                    point(&moves, -m)
                })
                .collect();
            rows.push(StressRow {
                asset: "collateral down, debt up".into(),
                kind: StressKind::Combined,
                points,
            });
        }
        for &i in &held {
            let Some(r) = self.market.reserves.get(i) else { continue };
            if !is_usd_stablecoin(&r.symbol) {
                continue;
            }
            let targets: &[f64] = if exposures[i] > 0.0 { &DEPEG_COLLATERAL } else { &DEPEG_DEBT };
            let points = targets
                .iter()
                .map(|&usd| StressPoint {
                    change_pct: ((usd / r.price_usd - 1.0) * 100.0).round() as i16,
                    price_usd: Some(usd),
                    health_factor: health_factor_f64(self.health_factor_with(&[], &[(i, usd)])),
                })
                .collect();
            rows.push(StressRow { asset: r.symbol.clone(), kind: StressKind::Depeg, points });
        }
        // Each efficiency-mode category's assets that the position holds, moving as one.
        let members = |is_member: &dyn Fn(&super::Reserve) -> bool| -> Vec<usize> {
            held.iter()
                .copied()
                .filter(|&i| self.market.reserves.get(i).is_some_and(is_member))
                .collect()
        };
        let groups: Vec<(String, Vec<usize>)> = if self.market.emode_bitmaps() {
            self.market
                .emode_categories
                .iter()
                .map(|c| {
                    (c.label.clone(), members(&|r| c.has_collateral(r.id) || c.can_borrow(r.id)))
                })
                .collect()
        } else {
            let mut categories: Vec<u8> = held
                .iter()
                .filter_map(|&i| self.market.reserves.get(i))
                .map(|r| r.config.emode_category)
                .filter(|c| *c != 0)
                .collect();
            categories.sort_unstable();
            categories.dedup();
            categories
                .into_iter()
                .map(|c| (c.to_string(), members(&|r| r.config.emode_category == c)))
                .collect()
        };
        for (category, group) in groups {
            if group.len() < 2 {
                continue;
            }
            let names: Vec<String> = group.iter().filter_map(|&i| symbol(i)).collect();
            let points = STRESS_MOVES
                .iter()
                .map(|&m| {
                    let pct = -i16::from(m);
                    let moves: Vec<(usize, i16)> = group.iter().map(|&i| (i, pct)).collect();
                    point(&moves, pct)
                })
                .collect();
            rows.push(StressRow {
                asset: format!("eMode {category} ({})", names.join(", ")),
                kind: StressKind::Correlated,
                points,
            });
        }
        rows
    }
}
