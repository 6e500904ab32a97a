//! The price feeds behind a market's prices: how fresh each is against its heartbeat, how far
//! it is from what a DEX pays, and how much it moves (realized volatility from the feed's own
//! past rounds, read on chain), with the chance that a position reaches liquidation within a
//! day at that volatility. No price service: every figure comes from the chain.

use std::{collections::HashMap, sync::Mutex};

use alloy::{
    primitives::{Address, Bytes, U256, aliases::U80},
    sol_types::SolCall,
};
use serde::Serialize;

use super::{
    AccountState, LendError,
    market::{self, Market, Reserve},
    math::to_f64,
};
use crate::{ChainClient, Network, abi::IChainlinkAggregator, multicall, swap};

/// Rounds read back from a feed's latest for its volatility (a week of hourly rounds).
pub const VOLATILITY_ROUNDS: u32 = 168;
/// Only rounds this recent count (seconds): a week.
pub const VOLATILITY_WINDOW_SECS: u64 = 7 * 24 * 3600;
/// A DEX price this far from the oracle's (0.03: 3%) is a finding and an alert.
pub const DEX_DEVIATION_THRESHOLD: f64 = 0.03;
/// What a DEX is asked to quote to compare with the oracle: about this many USD.
const DEVIATION_PROBE_USD: f64 = 1_000.0;

/// The state of one feed a position depends on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedStatus {
    /// The asset it prices.
    pub symbol: String,
    /// The asset.
    pub asset: Address,
    /// The feed the oracle reads.
    pub feed: Address,
    /// When its latest round was posted (unix seconds), where the feed says.
    pub updated_at: Option<u64>,
    /// How old that round is at the block read (seconds).
    pub age_secs: Option<u64>,
    /// How often the feed posts at least (seconds).
    pub heartbeat_secs: u64,
    /// Older than its heartbeat allows: the price may be out of date.
    pub stale: bool,
}

impl FeedStatus {
    /// "has not updated for 3 hours" and the like, for messages.
    pub fn describe_age(&self) -> String {
        match self.age_secs {
            Some(age) => format!("has not updated for {}", duration(age)),
            None => "does not say when it last updated".into(),
        }
    }
}

/// A duration in the largest whole unit: "3 hours", "2 days", "40 minutes".
pub fn duration(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 2 * 86_400 => (s / 86_400, "days"),
        s if s >= 2 * 3600 => (s / 3600, "hours"),
        s if s >= 120 => (s / 60, "minutes"),
        s => (s, "seconds"),
    };
    format!("{n} {unit}")
}

/// Whether a round `age` seconds old is stale for a feed with this heartbeat: past the
/// heartbeat by more than a tenth (and a minute), the slack real feeds' rounds arrive within.
pub fn is_stale(age: u64, heartbeat: u64) -> bool {
    age > heartbeat.saturating_add((heartbeat / 10).max(60))
}

impl Reserve {
    /// The state of this reserve's feed at the market's block.
    pub fn feed_status(&self, now: u64) -> FeedStatus {
        let updated_at = self.feed_round.map(|r| r.updated_at);
        let age_secs = updated_at.filter(|_| now != 0).map(|t| now.saturating_sub(t));
        FeedStatus {
            symbol: self.symbol.clone(),
            asset: self.asset,
            feed: self.feed,
            updated_at,
            age_secs,
            heartbeat_secs: self.heartbeat_secs,
            stale: age_secs.is_some_and(|a| is_stale(a, self.heartbeat_secs)),
        }
    }
}

impl AccountState {
    /// The feeds of the assets the position holds or owes.
    pub fn feeds(&self) -> Vec<FeedStatus> {
        self.iter()
            .filter(|(i, _, u)| (u.collateral && !self.supplied(*i).is_zero()) || u.borrowing)
            .filter(|(_, r, _)| !r.feed.is_zero())
            .map(|(_, r, _)| r.feed_status(self.market.block_timestamp))
            .collect()
    }

    /// The chance (0 to 1) that the position reaches a health factor of 1 within `days`, at
    /// each asset's realized volatility, assuming the worst: every collateral and every debt
    /// moving against it together (an upper bound), a driftless log-normal walk, and the
    /// first-passage probability `2·Φ(−ln(HF) / (σ·√days))`. `None` without debt, or where an
    /// asset the position depends on has no volatility.
    pub fn liquidation_probability(&self, days: f64) -> Option<f64> {
        let data = self.account_data();
        let hf = super::health_factor_f64(data.health_factor)?;
        if hf <= 1.0 {
            return Some(1.0);
        }
        let weighted_collateral: f64 = self
            .iter()
            .filter(|(_, r, u)| u.collateral && r.can_be_collateral())
            .map(|(i, r, _)| self.value_usd(i) * f64::from(self.liquidation_threshold_bps(r)))
            .sum();
        let debt: f64 =
            self.iter().filter(|(_, _, u)| u.borrowing).map(|(i, _, _)| self.debt_usd(i)).sum();
        if weighted_collateral <= 0.0 || debt <= 0.0 {
            return None;
        }
        let mut sigma = 0.0;
        for (i, r, u) in self.iter() {
            let weight = if u.collateral && r.can_be_collateral() {
                self.value_usd(i) * f64::from(self.liquidation_threshold_bps(r))
                    / weighted_collateral
            } else {
                0.0
            } + if u.borrowing { self.debt_usd(i) / debt } else { 0.0 };
            if weight <= 0.0 {
                continue;
            }
            sigma += weight * self.volatility.get(i).copied().flatten()?;
        }
        Some(first_passage(hf.ln(), sigma, days))
    }

    fn value_usd(&self, i: usize) -> f64 {
        self.market
            .reserves
            .get(i)
            .map_or(0.0, |r| to_f64(self.supplied(i), r.config.decimals) * r.price_usd)
    }

    fn debt_usd(&self, i: usize) -> f64 {
        self.market
            .reserves
            .get(i)
            .map_or(0.0, |r| to_f64(self.debt(i), r.config.decimals) * r.price_usd)
    }
}

/// `P(min ≤ 0)` within `days` for a driftless Brownian log-distance `distance` with daily
/// volatility `sigma`: `2·Φ(−d/(σ√t)) = erfc(d / (σ·√(2t)))`.
pub fn first_passage(distance: f64, sigma: f64, days: f64) -> f64 {
    if distance <= 0.0 {
        return 1.0;
    }
    if sigma <= 0.0 || days <= 0.0 {
        return 0.0;
    }
    erfc(distance / (sigma * (2.0 * days).sqrt())).clamp(0.0, 1.0)
}

/// The complementary error function (Abramowitz and Stegun 7.1.26; error below 1.5e-7).
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

/// Daily realized volatility from rounds (answer, time), oldest first: the sum of squared log
/// returns over the time they span, scaled to a day. Intervals longer than twice the
/// heartbeat are outages, not a price path, and are left out. `None` under two returns.
pub fn realized_daily_volatility(rounds: &[(f64, u64)], heartbeat_secs: u64) -> Option<f64> {
    let mut squares = 0.0;
    let mut seconds = 0u64;
    let mut returns = 0usize;
    for pair in rounds.windows(2) {
        let ((p0, t0), (p1, t1)) = (pair[0], pair[1]);
        // Two rounds in one second (a local chain's blocks can share a timestamp) still moved
        // the price: the return counts, over at least a second.
        let dt = t1.saturating_sub(t0).max(1);
        if p0 <= 0.0 || p1 <= 0.0 || dt > heartbeat_secs.saturating_mul(2) {
            continue;
        }
        squares += (p1 / p0).ln().powi(2);
        seconds += dt;
        returns += 1;
    }
    (returns >= 2 && seconds > 0).then(|| (squares / seconds as f64 * 86_400.0).sqrt())
}

/// Each reserve's feed's `latestRoundData`, for a caller that reads the feeds in a batch of its
/// own (the monitor's first read of a block); a reserve without a feed asks the oracle, which
/// fails harmlessly.
pub fn feed_round_calls(market: &Market) -> Vec<(Address, Bytes)> {
    market
        .reserves
        .iter()
        .map(|r| {
            let to = if r.feed.is_zero() { market.oracle } else { r.feed };
            (to, IChainlinkAggregator::latestRoundDataCall {}.abi_encode().into())
        })
        .collect()
}

/// Sets each reserve's latest feed round from the answers to [`feed_round_calls`], and the
/// market's block time.
pub fn apply_feed_rounds(market: &mut Market, results: &[Option<Bytes>], block_timestamp: u64) {
    for (r, answer) in market.reserves.iter_mut().zip(results) {
        r.feed_round = market::decode::<IChainlinkAggregator::latestRoundDataCall>(Some(answer))
            .filter(|_| !r.feed.is_zero())
            .map(|d| market::FeedRound {
                round_id: d.roundId.to::<u128>(),
                answer: d.answer,
                updated_at: d.updatedAt.saturating_to(),
            });
    }
    market.block_timestamp = block_timestamp;
}

/// Daily volatilities per reserve, cached by the feed's latest round: a feed's history is read
/// (one round trip for every feed that moved) only when it posts a new round.
#[derive(Debug, Default)]
pub struct VolatilityCache {
    known: Mutex<HashMap<(Address, u128), Option<f64>>>,
}

impl VolatilityCache {
    /// Each reserve's daily volatility (in the market's order), reading the history of every
    /// feed whose latest round is not cached yet.
    pub async fn volatilities(
        &self,
        client: &ChainClient,
        network: &Network,
        market: &Market,
    ) -> Result<Vec<Option<f64>>, LendError> {
        let key = |r: &Reserve| r.feed_round.map(|round| (r.feed, round.round_id));
        let missing: Vec<&Reserve> = {
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            market
                .reserves
                .iter()
                .filter(|r| key(r).is_some_and(|k| !known.contains_key(&k)))
                .collect()
        };
        if !missing.is_empty() {
            let fetched = fetch_history(client, network, &missing).await?;
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            for (r, v) in missing.iter().zip(fetched) {
                if let Some(k) = key(r) {
                    known.insert(k, v);
                }
            }
        }
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        Ok(market
            .reserves
            .iter()
            .map(|r| key(r).and_then(|k| known.get(&k).copied().flatten()))
            .collect())
    }
}

/// Reads [`VOLATILITY_ROUNDS`] rounds back from each reserve's latest, in one round trip,
/// and computes each daily volatility. A Chainlink proxy's round ids carry the phase in their
/// top bits: a walk back stops where a phase began (the round is missing).
async fn fetch_history(
    client: &ChainClient,
    network: &Network,
    reserves: &[&Reserve],
) -> Result<Vec<Option<f64>>, LendError> {
    let mut calls: Vec<(Address, Bytes)> = Vec::new();
    let mut counts = Vec::with_capacity(reserves.len());
    for r in reserves {
        let Some(latest) = r.feed_round else {
            counts.push(0);
            continue;
        };
        let back = u128::from(VOLATILITY_ROUNDS)
            .min(latest.round_id.saturating_sub(1) & u128::from(u64::MAX));
        for k in (1..=back).rev() {
            let id = U80::from(latest.round_id - k);
            calls.push((
                r.feed,
                IChainlinkAggregator::getRoundDataCall { roundId: id }.abi_encode().into(),
            ));
        }
        counts.push(back as usize);
    }
    let results = if calls.is_empty() {
        Vec::new()
    } else {
        multicall::aggregate(client, network.protocols.multicall3, calls).await?
    };
    let mut out = Vec::with_capacity(reserves.len());
    let mut at = 0;
    for (r, count) in reserves.iter().zip(counts) {
        let Some(latest) = r.feed_round else {
            out.push(None);
            continue;
        };
        let cutoff = latest.updated_at.saturating_sub(VOLATILITY_WINDOW_SECS);
        let mut rounds: Vec<(f64, u64)> = results[at..at + count]
            .iter()
            .filter_map(|res| market::decode::<IChainlinkAggregator::getRoundDataCall>(Some(res)))
            .map(|d| {
                (
                    d.answer.to_string().parse::<f64>().unwrap_or(0.0),
                    d.updatedAt.saturating_to::<u64>(),
                )
            })
            .filter(|&(_, t)| t >= cutoff)
            .collect();
        at += count;
        rounds.push((latest.answer.to_string().parse::<f64>().unwrap_or(0.0), latest.updated_at));
        out.push(realized_daily_volatility(&rounds, r.heartbeat_secs));
    }
    Ok(out)
}

/// What a DEX pays for an amount of an asset: `sold` whole units of `asset` bring `received`
/// whole units of `counterpart`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DexRate {
    /// The asset sold.
    pub asset: Address,
    /// What it was quoted into (a USD stablecoin, another one for a stablecoin).
    pub counterpart: Address,
    /// Whole units sold.
    pub sold: f64,
    /// Whole units received.
    pub received: f64,
}

impl DexRate {
    /// How far the DEX's price is from the oracle's in `market` (0.05: the DEX pays 5% more;
    /// −0.05: 5% less); `None` without both oracle prices.
    pub fn deviation(&self, market: &Market) -> Option<f64> {
        let sold = market.reserve(self.asset)?.price_usd * self.sold;
        let paid = market.reserve(self.counterpart)?.price_usd * self.received;
        (sold > 0.0 && paid > 0.0).then(|| paid / sold - 1.0)
    }
}

/// What a DEX pays for about [`DEVIATION_PROBE_USD`] of each asset in a USD stablecoin (WETH
/// where the market has none), over every route Vigil knows, in one round trip. `None` where
/// no route exists.
pub async fn dex_rates(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    assets: &[Address],
) -> Result<Vec<Option<DexRate>>, LendError> {
    // Each asset is priced in a USD stablecoin (another one for a stablecoin): a volatile
    // counterpart's own oracle error would show as every asset's.
    let stable_other_than = |asset: Address| {
        market
            .reserves
            .iter()
            .find(|r| super::risk::is_usd_stablecoin(&r.symbol) && r.asset != asset)
    };
    let pairs: Vec<Option<(&Reserve, &Reserve, U256)>> = assets
        .iter()
        .map(|&asset| {
            let sold = market.reserve(asset).filter(|r| r.price_usd > 0.0)?;
            let bought =
                stable_other_than(asset).or_else(|| market.reserve(network.protocols.weth))?;
            if bought.asset == asset {
                return None;
            }
            let whole = DEVIATION_PROBE_USD / sold.price_usd;
            let amount = whole * 10f64.powi(i32::from(sold.config.decimals));
            (1.0..1e36).contains(&amount).then(|| (sold, bought, U256::from(amount as u128)))
        })
        .collect();
    let quotes: Vec<(Address, Address, U256)> =
        pairs.iter().flatten().map(|(s, b, amount)| (s.asset, b.asset, *amount)).collect();
    let outputs = swap::best_outputs(client, network, &quotes).await?;
    let mut outputs = outputs.into_iter();
    Ok(pairs
        .into_iter()
        .map(|pair| {
            let (sold, bought, amount) = pair?;
            let out = outputs.next().flatten()?;
            Some(DexRate {
                asset: sold.asset,
                counterpart: bought.asset,
                sold: to_f64(amount, sold.config.decimals),
                received: to_f64(out, bought.config.decimals),
            })
        })
        .collect())
}

/// How far a DEX's price for each asset is from the oracle's in `market`: [`dex_rates`] held
/// against `market`'s prices.
pub async fn dex_deviations(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    assets: &[Address],
) -> Result<Vec<Option<f64>>, LendError> {
    let rates = dex_rates(client, network, market, assets).await?;
    Ok(rates.iter().map(|r| r.and_then(|r| r.deviation(market))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness_allows_a_tenth_of_the_heartbeat() {
        assert!(!is_stale(3600, 3600));
        assert!(!is_stale(3960, 3600));
        assert!(is_stale(3961, 3600));
        assert!(is_stale(3 * 3600, 3600));
        assert!(!is_stale(86_400, 86_400));
        assert_eq!(duration(3 * 3600 + 5), "3 hours");
        assert_eq!(duration(3 * 86_400), "3 days");
        assert_eq!(duration(600), "10 minutes");
    }

    #[test]
    fn volatility_is_the_root_mean_square_return_per_day() {
        // Hourly returns alternating +1% and −1% (in logs): σ_hour = 0.01, σ_day = 0.01·√24.
        let mut rounds = vec![(100.0, 0u64)];
        for h in 1..=48u64 {
            let last = rounds.last().unwrap().0;
            let factor = if h % 2 == 1 { 0.01f64.exp() } else { (-0.01f64).exp() };
            rounds.push((last * factor, h * 3600));
        }
        let v = realized_daily_volatility(&rounds, 3600).unwrap();
        assert!((v - 0.01 * 24f64.sqrt()).abs() < 1e-9, "{v}");
        // A day-long outage in the middle is left out, not counted as a quiet day.
        let mut gapped = rounds.clone();
        for r in gapped.iter_mut().skip(25) {
            r.1 += 86_400;
        }
        let g = realized_daily_volatility(&gapped, 3600).unwrap();
        assert!((g - v).abs() < 1e-3, "{g} vs {v}");
        assert_eq!(realized_daily_volatility(&rounds[..2], 3600), None);
    }

    #[test]
    fn first_passage_matches_the_reflection_principle() {
        // At one standard deviation: 2·Φ(−1) = 0.3173.
        assert!((first_passage(0.05, 0.05, 1.0) - 0.317_31).abs() < 1e-4);
        // Two: 0.0455; already under: certain; no volatility: never.
        assert!((first_passage(0.10, 0.05, 1.0) - 0.045_50).abs() < 1e-4);
        assert_eq!(first_passage(-0.01, 0.05, 1.0), 1.0);
        assert_eq!(first_passage(0.10, 0.0, 1.0), 0.0);
        // Four days at the same volatility is as likely as half the distance in one.
        assert!((first_passage(0.10, 0.05, 4.0) - first_passage(0.05, 0.05, 1.0)).abs() < 1e-9);
    }
}
