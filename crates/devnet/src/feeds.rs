//! The devnet's price feeds: Chainlink-shaped (contracts/DevnetPriceFeed.sol), each with a
//! week of hourly rounds, so that a feed's age and its realized volatility are read from the
//! chain as on a real network.

use alloy::{
    primitives::{Address, I256, U256},
    providers::{DynProvider, Provider, ext::AnvilApi},
};

use crate::{
    DevnetError, artifacts,
    contracts::DevnetPriceFeed,
    deploy::{DEPLOYER, Deployer, price_answer, rpc},
    manifest::Manifest,
    node_modules,
};

/// Hours of history laid down in each devnet feed.
pub const FEED_HISTORY_HOURS: u64 = 168;

/// Hourly answers and their times for [`FEED_HISTORY_HOURS`] up to `now`, ending at `usd`: a
/// driftless log-normal walk at `annual_volatility`, seeded by the symbol (reproducible).
fn price_history(
    symbol: &str,
    usd: f64,
    annual_volatility: f64,
    now: u64,
) -> (Vec<I256>, Vec<U256>) {
    let hourly = annual_volatility / (365.0f64 * 24.0).sqrt();
    // xorshift64* seeded by the symbol; Box-Muller for normal steps.
    let mut state = symbol
        .bytes()
        .fold(0x9E37_79B9_7F4A_7C15u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
        | 1;
    let mut uniform = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut prices = vec![usd];
    for _ in 0..FEED_HISTORY_HOURS {
        let z = (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos();
        let previous = prices.last().copied().unwrap_or(usd) * (-hourly * z).exp();
        prices.push(previous);
    }
    prices.reverse();
    let start = now.saturating_sub(FEED_HISTORY_HOURS * 3600);
    let times = (0..=FEED_HISTORY_HOURS).map(|h| U256::from(start + h * 3600)).collect();
    (prices.into_iter().map(price_answer).collect(), times)
}

impl Deployer<'_> {
    /// A price feed for `symbol` in USD with a week of hourly rounds behind the current one:
    /// a random walk at `annual_volatility` that ends at `usd`, the same on every deployment,
    /// so that realized volatility is read from the feed as it is on a real network.
    pub(crate) async fn deploy_feed(
        &self,
        symbol: &str,
        usd: f64,
        annual_volatility: f64,
    ) -> Result<Address, DevnetError> {
        let feed = self
            .deploy(
                artifacts::compiled("DevnetPriceFeed"),
                DevnetPriceFeed::constructorCall {
                    decimals: 8,
                    description: format!("{symbol} / USD"),
                },
            )
            .await?;
        let now = self.provider.get_block_number().await.map_err(rpc)?;
        let now = self
            .provider
            .get_block_by_number(now.into())
            .await
            .map_err(rpc)?
            .map(|b| b.header.timestamp)
            .ok_or_else(|| DevnetError::Rpc("no latest block".into()))?;
        let (answers, times) = price_history(symbol, usd, annual_volatility, now);
        self.send(
            DEPLOYER,
            feed,
            DevnetPriceFeed::postRoundsCall { answers, times },
            U256::ZERO,
            "post the feed's history",
        )
        .await?;
        Ok(feed)
    }
}

/// Feeds older than this when a saved state loads get a fresh round.
const FEED_REFRESH_AGE_SECS: u64 = 600;

/// Posts each feed's answer again where its last round is older than
/// [`FEED_REFRESH_AGE_SECS`]: the chain was stopped, and a real feed's nodes would have kept
/// posting on its heartbeat meanwhile. Without it every saved devnet would start stale.
pub(crate) async fn refresh_feeds(
    provider: &DynProvider,
    manifest: &Manifest,
) -> Result<(), DevnetError> {
    let nm = node_modules();
    let d = Deployer { provider: provider.clone(), node_modules: &nm };
    let feeds =
        manifest.tokens.values().map(|t| t.aggregator).chain(manifest.fiat_feeds.values().copied());
    let mut posted = false;
    for feed in feeds {
        let round =
            DevnetPriceFeed::new(feed, provider).latestRoundData().call().await.map_err(rpc)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let updated: u64 = round.updatedAt.saturating_to();
        if now.saturating_sub(updated) > FEED_REFRESH_AGE_SECS {
            d.send(
                DEPLOYER,
                feed,
                DevnetPriceFeed::updateAnswerCall { answer: round.answer },
                U256::ZERO,
                "refresh a feed",
            )
            .await?;
            posted = true;
        }
    }
    if posted {
        provider.anvil_mine(Some(1), None).await.map_err(rpc)?;
    }
    Ok(())
}
