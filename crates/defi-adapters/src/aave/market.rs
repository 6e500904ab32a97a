//! An Aave V3 market read in one Multicall3 round trip: every reserve's risk parameters, caps,
//! rates, indexes and oracle price.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};
use serde::Serialize;

use super::{LendError, math};
use crate::{
    ChainClient, Network,
    abi::{IAaveOracle, IAavePool, IChainlinkAggregator, IERC20},
    multicall,
};

/// A reserve's configuration, decoded from Aave's packed `ReserveConfigurationMap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReserveConfig {
    /// Loan to value, bps: how much of the collateral's value may be borrowed.
    pub ltv_bps: u16,
    /// Liquidation threshold, bps: the share of the collateral's value that backs debt.
    pub liquidation_threshold_bps: u16,
    /// Liquidation bonus, bps over 100% (10500: liquidators get a 5% discount).
    pub liquidation_bonus_bps: u16,
    /// The underlying token's decimals.
    pub decimals: u8,
    /// Whether the reserve is active.
    pub active: bool,
    /// Frozen: no new supply or borrow; withdraw and repay still work.
    pub frozen: bool,
    /// Whether variable-rate borrowing is enabled.
    pub borrowing_enabled: bool,
    /// Paused: nothing works.
    pub paused: bool,
    /// The protocol's share of interest, bps.
    pub reserve_factor_bps: u16,
    /// Borrow cap in whole tokens (0: none).
    pub borrow_cap: u64,
    /// Supply cap in whole tokens (0: none).
    pub supply_cap: u64,
    /// Efficiency-mode category (0: none).
    pub emode_category: u8,
    /// Isolation-mode debt ceiling in cents of USD (0: not isolated).
    pub debt_ceiling: u64,
    /// Whether it may be borrowed against an isolated collateral.
    pub borrowable_in_isolation: bool,
    /// Siloed: a borrower of it can borrow nothing else.
    pub siloed_borrowing: bool,
}

impl ReserveConfig {
    /// Decodes the bitmap with the bit positions of Aave's `ReserveConfiguration` library.
    pub fn decode(data: U256) -> Self {
        let bits = |start: usize, len: usize| -> u64 {
            let mask = (U256::from(1) << len) - U256::from(1);
            ((data >> start) & mask).saturating_to()
        };
        Self {
            ltv_bps: bits(0, 16) as u16,
            liquidation_threshold_bps: bits(16, 16) as u16,
            liquidation_bonus_bps: bits(32, 16) as u16,
            decimals: bits(48, 8) as u8,
            active: bits(56, 1) == 1,
            frozen: bits(57, 1) == 1,
            borrowing_enabled: bits(58, 1) == 1,
            paused: bits(60, 1) == 1,
            borrowable_in_isolation: bits(61, 1) == 1,
            siloed_borrowing: bits(62, 1) == 1,
            reserve_factor_bps: bits(64, 16) as u16,
            borrow_cap: bits(80, 36),
            supply_cap: bits(116, 36),
            emode_category: bits(168, 8) as u8,
            debt_ceiling: bits(212, 40),
        }
    }
}

/// One reserve of the market, as of the block the market was read at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reserve {
    /// The underlying token.
    pub asset: Address,
    /// Its symbol.
    pub symbol: String,
    /// Its position in the pool's reserve list (the bit pair in a user's configuration).
    pub id: u16,
    /// Risk parameters and switches.
    #[serde(flatten)]
    pub config: ReserveConfig,
    /// The aToken.
    pub a_token: Address,
    /// The stable debt token (unused since V3.2, still read for older markets).
    pub stable_debt_token: Address,
    /// The variable debt token.
    pub variable_debt_token: Address,
    /// The oracle price in the market's base currency units (USD with 8 decimals on Aave).
    #[serde(serialize_with = "super::decimal")]
    pub price: U256,
    /// The oracle price in USD.
    pub price_usd: f64,
    /// Supply APY (0.031 is 3.1%).
    pub supply_apy: f64,
    /// Variable borrow APY.
    pub borrow_apy: f64,
    /// The supply index at this block (ray): aToken balance = scaled balance × index.
    #[serde(skip)]
    pub normalized_income: U256,
    /// The variable debt index at this block (ray).
    #[serde(skip)]
    pub normalized_debt: U256,
    /// Debt borrowed against it as an isolated collateral, cents of USD.
    pub isolation_total_debt: u64,
    /// Until when (unix seconds) its liquidations are held back after an unpause (V3.1+;
    /// 0: none).
    pub liquidation_grace_until: u64,
    /// The price feed the oracle reads for this asset (zero: none named).
    pub feed: Address,
    /// The feed's latest round, read with every refresh (not with the first market read).
    pub feed_round: Option<FeedRound>,
    /// How often the feed posts at least (the network's setting, or a day).
    pub heartbeat_secs: u64,
    /// The current variable borrow rate (ray, per year).
    #[serde(skip)]
    pub variable_borrow_rate: U256,
}

impl Reserve {
    /// One whole token in base units.
    pub fn unit(&self) -> U256 {
        U256::from(10).pow(U256::from(self.config.decimals))
    }

    /// Whether a supply of this asset can count as collateral.
    pub fn can_be_collateral(&self) -> bool {
        self.config.liquidation_threshold_bps != 0
    }
}

/// A price feed's round: its id, answer and when it was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedRound {
    /// The round id (Chainlink: phase in the top 16 bits, the aggregator's round below).
    pub round_id: u128,
    /// The answer, in the feed's decimals.
    #[serde(serialize_with = "super::decimal_i256")]
    pub answer: alloy::primitives::I256,
    /// When it was posted (unix seconds).
    pub updated_at: u64,
}

/// An efficiency-mode category of a V3.2+ market, where membership is a bitmap of reserve ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EModeCategory {
    /// The category id.
    pub id: u8,
    /// Its name ("Stablecoins").
    pub label: String,
    /// LTV for its collateral, bps.
    pub ltv_bps: u16,
    /// Liquidation threshold for its collateral, bps.
    pub liquidation_threshold_bps: u16,
    /// Liquidation bonus, bps over 100%.
    pub liquidation_bonus_bps: u16,
    /// The reserves (bit = reserve id) that count as its collateral.
    pub collateral_bitmap: u128,
    /// The reserves that may be borrowed in it.
    pub borrowable_bitmap: u128,
}

impl EModeCategory {
    /// Whether reserve `id` counts as this category's collateral.
    pub fn has_collateral(&self, id: u16) -> bool {
        id < 128 && self.collateral_bitmap >> id & 1 == 1
    }

    /// Whether reserve `id` may be borrowed in this category.
    pub fn can_borrow(&self, id: u16) -> bool {
        id < 128 && self.borrowable_bitmap >> id & 1 == 1
    }
}

/// Categories probed in a V3.2+ market (Aave's largest market uses fewer than 40).
pub(crate) const EMODE_CATEGORIES_PROBED: u8 = 48;

/// The first pool revision with efficiency modes as bitmaps (V3.2; V3.1 is revision 3).
pub(crate) const REVISION_EMODE_BITMAPS: u64 = 4;
/// The first pool revision that rounds balances down and debts up (V3.5).
pub(crate) const REVISION_DIRECTED_ROUNDING: u64 = 9;

/// An Aave V3 market on one network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Market {
    /// The network's name.
    pub network: String,
    /// The Pool.
    pub pool: Address,
    /// The oracle.
    pub oracle: Address,
    /// One unit of the base currency in the oracle's prices (1e8 for USD).
    #[serde(serialize_with = "super::decimal")]
    pub base_unit: U256,
    /// The pool implementation's revision: which version's rules it computes with (1 for V3.0,
    /// 10 for V3.6; 1 for a pool that does not say).
    pub revision: u64,
    /// Efficiency-mode categories of a V3.2+ market (older markets' are read per account).
    pub emode_categories: Vec<EModeCategory>,
    /// Multicall3, which tells a refresh its block's time.
    pub multicall3: Address,
    /// The time of the block the market was last refreshed at (unix seconds; 0 before).
    pub block_timestamp: u64,
    /// The reserves, in the pool's order.
    pub reserves: Vec<Reserve>,
}

impl Market {
    /// The reserve of `asset`.
    pub fn reserve(&self, asset: Address) -> Option<&Reserve> {
        self.reserves.iter().find(|r| r.asset == asset)
    }

    /// The reserve whose symbol is `symbol` (case-insensitive) or whose address `symbol` is.
    pub fn find(&self, symbol: &str) -> Result<&Reserve, LendError> {
        self.reserves
            .iter()
            .find(|r| {
                r.symbol.eq_ignore_ascii_case(symbol)
                    || symbol.parse::<Address>().is_ok_and(|a| a == r.asset)
            })
            .ok_or_else(|| LendError::UnknownAsset {
                asset: symbol.to_owned(),
                network: self.network.clone(),
                listed: self.symbols(),
            })
    }

    /// The reserves' symbols, comma-separated, for messages.
    pub fn symbols(&self) -> String {
        self.reserves.iter().map(|r| r.symbol.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Whether efficiency modes are bitmaps of reserves (V3.2+) rather than a reserve's one
    /// category with its own price source (V3.0 and V3.1).
    pub fn emode_bitmaps(&self) -> bool {
        self.revision >= REVISION_EMODE_BITMAPS
    }

    /// Whether balances round down and debts up (V3.5+) rather than half up.
    pub fn directed_rounding(&self) -> bool {
        self.revision >= REVISION_DIRECTED_ROUNDING
    }

    /// The V3.2+ category `id`.
    pub fn emode_category(&self, id: u8) -> Option<&EModeCategory> {
        self.emode_categories.iter().find(|c| c.id == id)
    }

    /// A price in base units as USD.
    pub fn usd(&self, base: U256) -> f64 {
        math::to_f64(base, 0) / math::to_f64(self.base_unit, 0)
    }
}

/// The Aave contracts of a network, or a clear error.
pub(crate) fn contracts(network: &Network) -> Result<(Address, Address), LendError> {
    let p = &network.protocols;
    match (p.aave_v3_pool, p.aave_v3_oracle) {
        (Some(pool), Some(oracle)) => Ok((pool, oracle)),
        _ => Err(LendError::NoMarket(network.name.clone())),
    }
}

/// Decodes one batched result as `C`'s return value.
pub(crate) fn decode<C: SolCall>(result: Option<&Option<Bytes>>) -> Option<C::Return> {
    result.and_then(|r| r.as_ref()).and_then(|d| C::abi_decode_returns(d).ok())
}

/// The per-reserve reads of the market batch, in this order.
pub(crate) const PER_RESERVE: usize = 8;

/// A reserve's reads. `feed` is its price feed where known (a refresh): its latest round is
/// read with the rest; unknown (the first read), the round is asked of the oracle, which
/// fails harmlessly.
pub(crate) fn reserve_calls(
    pool: Address,
    oracle: Address,
    asset: Address,
    feed: Option<Address>,
) -> [(Address, Bytes); PER_RESERVE] {
    [
        (pool, IAavePool::getReserveDataCall { asset }.abi_encode().into()),
        (pool, IAavePool::getReserveNormalizedIncomeCall { asset }.abi_encode().into()),
        (pool, IAavePool::getReserveNormalizedVariableDebtCall { asset }.abi_encode().into()),
        (oracle, IAaveOracle::getAssetPriceCall { asset }.abi_encode().into()),
        (asset, IERC20::symbolCall {}.abi_encode().into()),
        (oracle, IAaveOracle::getSourceOfAssetCall { asset }.abi_encode().into()),
        (
            feed.filter(|f| !f.is_zero()).unwrap_or(oracle),
            IChainlinkAggregator::latestRoundDataCall {}.abi_encode().into(),
        ),
        (pool, IAavePool::getLiquidationGracePeriodCall { asset }.abi_encode().into()),
    ]
}

pub(crate) fn decode_reserve(
    asset: Address,
    results: &[Option<Bytes>],
    base_unit: U256,
) -> Result<Reserve, LendError> {
    let missing = |what: &str| LendError::Decode(format!("{what} of reserve {asset}"));
    let data = decode::<IAavePool::getReserveDataCall>(results.first())
        .ok_or_else(|| missing("getReserveData"))?;
    let normalized_income = decode::<IAavePool::getReserveNormalizedIncomeCall>(results.get(1))
        .ok_or_else(|| missing("normalized income"))?;
    let normalized_debt = decode::<IAavePool::getReserveNormalizedVariableDebtCall>(results.get(2))
        .ok_or_else(|| missing("normalized debt"))?;
    let price = decode::<IAaveOracle::getAssetPriceCall>(results.get(3))
        .ok_or_else(|| missing("oracle price"))?;
    let symbol =
        multicall::decode_symbol(results.get(4).and_then(|r| r.as_ref())).unwrap_or_else(|| {
            // A token without a readable symbol is still a reserve; show its address.
            asset.to_string()
        });
    let feed = decode::<IAaveOracle::getSourceOfAssetCall>(results.get(5)).unwrap_or_default();
    let feed_round = decode::<IChainlinkAggregator::latestRoundDataCall>(results.get(6))
        .filter(|_| !feed.is_zero())
        .map(|r| FeedRound {
            round_id: r.roundId.to::<u128>(),
            answer: r.answer,
            updated_at: r.updatedAt.saturating_to(),
        });
    let liquidity_rate = U256::from(data.currentLiquidityRate);
    let variable_borrow_rate = U256::from(data.currentVariableBorrowRate);
    Ok(Reserve {
        asset,
        symbol,
        id: data.id,
        config: ReserveConfig::decode(data.configuration.data),
        a_token: data.aTokenAddress,
        stable_debt_token: data.stableDebtTokenAddress,
        variable_debt_token: data.variableDebtTokenAddress,
        price,
        price_usd: math::to_f64(price, 0) / math::to_f64(base_unit, 0),
        supply_apy: math::apy(liquidity_rate),
        borrow_apy: math::apy(variable_borrow_rate),
        normalized_income,
        normalized_debt,
        variable_borrow_rate,
        isolation_total_debt: u64::try_from(data.isolationModeTotalDebt).unwrap_or(u64::MAX),
        // V3.0 pools have no grace periods: the call fails, and nothing is held back.
        liquidation_grace_until: decode::<IAavePool::getLiquidationGracePeriodCall>(results.get(7))
            .map_or(0, |t| t.to::<u64>()),
        feed,
        feed_round,
        heartbeat_secs: DEFAULT_HEARTBEAT_SECS,
    })
}

/// A feed's heartbeat where the network does not name it: a day, the longest Chainlink uses
/// for the feeds Aave reads. A feed silent longer than that is stale whatever its heartbeat.
pub const DEFAULT_HEARTBEAT_SECS: u64 = 24 * 3600;

/// Reads the market in one Multicall3 round trip: the reserve list, the oracle's base unit and,
/// for every token the network lists, its reserve data, indexes, price and symbol. Reserves the
/// network does not list (a large public market) take one more round trip.
pub async fn fetch_market(client: &ChainClient, network: &Network) -> Result<Market, LendError> {
    let (pool, oracle) = contracts(network)?;
    let mut candidates: Vec<Address> = std::iter::once(network.protocols.weth)
        .chain(network.tokens.iter().map(|t| t.address))
        .collect();
    candidates.sort();
    candidates.dedup();
    let mut calls: Vec<(Address, Bytes)> = vec![
        (pool, IAavePool::getReservesListCall {}.abi_encode().into()),
        (oracle, IAaveOracle::BASE_CURRENCY_UNITCall {}.abi_encode().into()),
    ];
    for &asset in &candidates {
        calls.extend(reserve_calls(pool, oracle, asset, None));
    }
    let head = calls.len();
    calls.push((pool, IAavePool::POOL_REVISIONCall {}.abi_encode().into()));
    calls.extend(emode_calls(pool));
    let mut results = multicall::aggregate(client, network.protocols.multicall3, calls).await?;
    let tail = results.split_off(head.min(results.len()));
    let (revision, emode_categories) = decode_rules(&tail);
    let list = decode::<IAavePool::getReservesListCall>(results.first()).ok_or_else(|| {
        LendError::Decode(format!("the pool {pool} did not return its reserve list"))
    })?;
    let base_unit = decode::<IAaveOracle::BASE_CURRENCY_UNITCall>(results.get(1))
        .ok_or_else(|| LendError::Decode(format!("the oracle {oracle} has no base unit")))?;
    let per_candidate = &results[2..];
    let mut reserves = Vec::with_capacity(list.len());
    let mut unlisted = Vec::new();
    for &asset in &list {
        match candidates.iter().position(|&c| c == asset) {
            Some(i) => reserves.push(decode_reserve(
                asset,
                &per_candidate[i * PER_RESERVE..(i + 1) * PER_RESERVE],
                base_unit,
            )?),
            None => unlisted.push(asset),
        }
    }
    if !unlisted.is_empty() {
        let calls = unlisted.iter().flat_map(|&a| reserve_calls(pool, oracle, a, None)).collect();
        let results = multicall::aggregate(client, network.protocols.multicall3, calls).await?;
        for (asset, chunk) in unlisted.iter().zip(results.chunks(PER_RESERVE)) {
            reserves.push(decode_reserve(*asset, chunk, base_unit)?);
        }
    }
    reserves.sort_by_key(|r| r.id);
    for r in &mut reserves {
        r.heartbeat_secs = network.heartbeat_of(r.asset);
    }
    Ok(Market {
        network: network.name.clone(),
        pool,
        oracle,
        base_unit,
        revision,
        emode_categories,
        multicall3: network.protocols.multicall3,
        block_timestamp: 0,
        reserves,
    })
}

/// Per probed category: its collateral configuration, bitmaps and label (V3.2+; these calls
/// fail on older pools, which is how they are told apart from a pool with no categories).
const PER_CATEGORY: usize = 4;

fn emode_calls(pool: Address) -> Vec<(Address, Bytes)> {
    (1..=EMODE_CATEGORIES_PROBED)
        .flat_map(|id| {
            [
                (pool, IAavePool::getEModeCategoryCollateralConfigCall { id }.abi_encode().into()),
                (pool, IAavePool::getEModeCategoryCollateralBitmapCall { id }.abi_encode().into()),
                (pool, IAavePool::getEModeCategoryBorrowableBitmapCall { id }.abi_encode().into()),
                (pool, IAavePool::getEModeCategoryLabelCall { id }.abi_encode().into()),
            ]
        })
        .collect()
}

/// The pool's revision and its V3.2+ categories (those with a liquidation threshold).
fn decode_rules(results: &[Option<Bytes>]) -> (u64, Vec<EModeCategory>) {
    // A pool without the getter is treated as V3.0: the oldest rules, checked against the
    // pool's own health factor like every other.
    let revision = decode::<IAavePool::POOL_REVISIONCall>(results.first())
        .map_or(1, |r| r.saturating_to::<u64>());
    let mut categories = Vec::new();
    if revision < REVISION_EMODE_BITMAPS {
        return (revision, categories);
    }
    for (id, chunk) in
        (1..=EMODE_CATEGORIES_PROBED).zip(results.get(1..).unwrap_or_default().chunks(PER_CATEGORY))
    {
        let Some(config) = decode::<IAavePool::getEModeCategoryCollateralConfigCall>(chunk.first())
        else {
            continue;
        };
        if config.liquidationThreshold == 0 {
            continue;
        }
        categories.push(EModeCategory {
            id,
            label: decode::<IAavePool::getEModeCategoryLabelCall>(chunk.get(3))
                .unwrap_or_else(|| format!("category {id}")),
            ltv_bps: config.ltv,
            liquidation_threshold_bps: config.liquidationThreshold,
            liquidation_bonus_bps: config.liquidationBonus,
            collateral_bitmap: decode::<IAavePool::getEModeCategoryCollateralBitmapCall>(
                chunk.get(1),
            )
            .unwrap_or(0),
            borrowable_bitmap: decode::<IAavePool::getEModeCategoryBorrowableBitmapCall>(
                chunk.get(2),
            )
            .unwrap_or(0),
        });
    }
    (revision, categories)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_packed_configuration() {
        // LTV 80%, threshold 82.5%, bonus 105%, 18 decimals, active, borrowing, reserve factor
        // 10%, borrow cap 1000, supply cap 2000, eMode 1.
        let data = U256::from(8000u64)
            | U256::from(8250u64) << 16
            | U256::from(10500u64) << 32
            | U256::from(18u64) << 48
            | U256::from(1u64) << 56
            | U256::from(1u64) << 58
            | U256::from(1000u64) << 64
            | U256::from(1000u64) << 80
            | U256::from(2000u64) << 116
            | U256::from(1u64) << 168;
        let c = ReserveConfig::decode(data);
        assert_eq!(
            (c.ltv_bps, c.liquidation_threshold_bps, c.liquidation_bonus_bps, c.decimals),
            (8000, 8250, 10500, 18)
        );
        assert!(c.active && c.borrowing_enabled && !c.frozen && !c.paused);
        assert_eq!((c.reserve_factor_bps, c.borrow_cap, c.supply_cap), (1000, 1000, 2000));
        assert_eq!((c.emode_category, c.debt_ceiling), (1, 0));
        let frozen_paused =
            ReserveConfig::decode(data | U256::from(1u64) << 57 | U256::from(1u64) << 60);
        assert!(frozen_paused.frozen && frozen_paused.paused);
    }
}
