//! The lending part of a block's read: every watched account's health from the pool, the
//! detail of those near a threshold (or priced by a stale feed, or likely to be liquidated
//! within a day), the feeds behind their prices, and the oracle held against a DEX.

use std::collections::HashMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes},
};
use vigil_defi_adapters::aave;

use super::{
    Monitor, MonitorError, Seen,
    words::{deviation_detail, lending_detail, stale_detail},
};
use crate::{alert::Subject, rules::Observation};

/// How long an oracle must stay far from the DEX before it is an alert (seconds of block time).
const DEVIATION_PERSISTS_SECS: u64 = 60;

impl Monitor {
    /// The lending positions seen at this block, from the answers to the account-data batches
    /// (`health`): each position's own rule, and its feeds' rule where it has debt.
    pub(super) async fn read_lending(
        &mut self,
        health: &[Vec<Option<Bytes>>],
        block_time: u64,
        at: BlockId,
    ) -> Result<Vec<Seen>, MonitorError> {
        let mut seen = Vec::new();
        let Some(market) = self.market.as_ref() else { return Ok(seen) };
        let data = aave::decode_account_data(health, &self.watch.lending)?;
        // Volatility is read when a feed posts a round (hourly), not every block; without
        // it the chance of liquidation is not stated, and nothing else waits for it.
        let volatility = match self
            .volatility
            .volatilities(&self.client, &self.network, market)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(network = %self.network.name, "cannot read the feeds' history: {e}");
                Vec::new()
            }
        };
        let stale_feed = market.reserves.iter().any(|r| r.feed_status(block_time).stale);
        let max_volatility = volatility.iter().flatten().copied().fold(0.0f64, f64::max);
        // Only accounts near a threshold need the detail (the distance to liquidation).
        let near: Vec<Address> = self
            .watch
            .lending
            .iter()
            .zip(&data)
            .filter(|(a, data)| {
                let t = self.thresholds_of(a);
                // A move against the position of d (collateral down and debt up by d)
                // liquidates only below a health factor of (1 + d) / (1 - d): above that
                // and above the warning, nothing can fire.
                let d = t.min_distance.min(0.99);
                let near_distance = (1.0 + d) / (1.0 - d);
                let bound = t.warning.max(near_distance) + t.rearm_margin;
                let Some(h) = aave::health_factor_f64(data.health_factor) else {
                    return false;
                };
                // A position's volatility is at most twice the most volatile asset's (its
                // collateral and its debt moving against it): below half the bar at that
                // volatility, the chance cannot cross it.
                let likely = aave::first_passage(h.ln(), 2.0 * max_volatility, 1.0)
                    >= t.max_liquidation_probability / 2.0;
                // With a stale feed, every position with debt is read: which feeds it
                // depends on is in the detail.
                h < bound || likely || stale_feed
            })
            .map(|(a, _)| *a)
            .collect();
        // The detail, and beside it (same round trip) what a DEX pays for each asset, to
        // hold the oracle against: only for positions read in detail, the ones a wrong
        // price could liquidate.
        let (detail, rates): (HashMap<Address, aave::AccountState>, Vec<Option<aave::DexRate>>) =
            if near.is_empty() {
                (HashMap::new(), Vec::new())
            } else {
                let assets: Vec<Address> = market.reserves.iter().map(|r| r.asset).collect();
                let (states, rates) = tokio::join!(
                    aave::fetch_accounts(&self.client, &self.network, market, &near, at),
                    aave::dex_rates(&self.client, &self.network, market, &assets),
                );
                let states = states?
                    .into_iter()
                    .map(|mut s| {
                        s.volatility = volatility.clone();
                        (s.account, s)
                    })
                    .collect();
                (states, rates.unwrap_or_default())
            };
        // A gap lasting a moment is how markets move (the DEX first, the oracle after);
        // one that lasts DEVIATION_PERSISTS_SECS is news.
        let now_market = detail.values().next().map_or(market, |s| &s.market);
        let mut sustained: Vec<(Address, f64)> = Vec::new();
        for r in &market.reserves {
            let d = rates
                .iter()
                .flatten()
                .find(|rate| rate.asset == r.asset)
                .and_then(|rate| rate.deviation(now_market))
                .filter(|d| d.abs() > aave::DEX_DEVIATION_THRESHOLD);
            match d {
                Some(d) => {
                    let since = *self.deviated_since.entry(r.asset).or_insert(block_time);
                    if block_time.saturating_sub(since) >= DEVIATION_PERSISTS_SECS {
                        sustained.push((r.asset, d));
                    }
                }
                // Within bounds, or not read (no position near): forgotten.
                None => {
                    self.deviated_since.remove(&r.asset);
                }
            }
        }
        for (account, d) in self.watch.lending.iter().zip(&data) {
            if d.total_collateral_base.is_zero() && d.total_debt_base.is_zero() {
                continue; // no position here
            }
            let health_factor = aave::health_factor_f64(d.health_factor);
            let state = detail.get(account);
            // A distance from a model that is not the pool's could alert wrongly.
            let modelled = state.filter(|s| s.is_modelled());
            let distance = modelled.and_then(|s| s.distance_to_liquidation());
            let probability = modelled.and_then(|s| s.liquidation_probability(1.0));
            let key = format!("{}/aave/{account:#x}", self.network.name);
            seen.push(Seen {
                key: key.clone(),
                subject: Subject::Lending { account: account.to_checksum(None) },
                observation: Observation::Lending { health_factor, distance, probability },
                thresholds: self.thresholds_of(account),
                detail: state.map(|s| lending_detail(s, &self.options.money)).unwrap_or_default(),
            });
            // Its feeds, as a rule of their own: a stale price is news whatever the health
            // factor says (the health factor is computed from it). Positions without
            // debt cannot be liquidated.
            if health_factor.is_some() {
                let feeds = state.map(|s| s.feeds()).unwrap_or_default();
                let now = state.map_or(market, |s| &s.market);
                let stale: Vec<&aave::FeedStatus> = feeds.iter().filter(|f| f.stale).collect();
                let apart: Vec<(&aave::FeedStatus, f64)> = feeds
                    .iter()
                    .filter_map(|f| {
                        sustained.iter().find(|(a, _)| *a == f.asset).map(|(_, d)| (f, *d))
                    })
                    .collect();
                let mut words = stale_detail(&stale);
                let deviated = deviation_detail(now, &apart, &self.options.money);
                if !deviated.is_empty() {
                    words = if words.is_empty() { deviated } else { format!("{words} {deviated}") };
                }
                seen.push(Seen {
                    key: format!("{key}/feeds"),
                    subject: Subject::Lending { account: account.to_checksum(None) },
                    observation: Observation::Feeds {
                        stale: !stale.is_empty(),
                        deviated: !apart.is_empty(),
                    },
                    thresholds: self.thresholds_of(account),
                    detail: words,
                });
            }
        }
        Ok(seen)
    }
}
