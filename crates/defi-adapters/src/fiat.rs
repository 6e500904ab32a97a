//! Exchange rates for showing values in the user's currency.
//!
//! Prices come in USD (the lending market's oracle); other currencies are converted with the
//! network's Chainlink fiat feed (USD per unit, 8 decimals), read from the chain like every
//! other price, so no third-party price API ever learns which wallet is asking.

use alloy::primitives::I256;

use crate::{
    ChainClient, ClientError, Network, abi::IChainlinkAggregator, multicall::contract_error,
};

/// Chainlink's fiat/USD feeds answer with 8 decimals.
const FEED_DECIMALS: i32 = 8;

/// Errors reading an exchange rate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FiatError {
    /// The network has no feed for the currency.
    #[error(
        "{network} has no {currency}/USD price feed: values are shown in USD (choose USD in Settings, or a network with this feed)"
    )]
    NoFeed {
        /// The currency code.
        currency: String,
        /// The network.
        network: String,
    },
    /// The feed answered zero or less.
    #[error("the {currency}/USD feed answered {answer}, which is not a price")]
    BadAnswer {
        /// The currency code.
        currency: String,
        /// The raw answer.
        answer: I256,
    },
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// How many US dollars one unit of `currency` is worth on `network` (1 for USD).
pub async fn usd_per_unit(
    client: &ChainClient,
    network: &Network,
    currency: &str,
) -> Result<f64, FiatError> {
    if currency.eq_ignore_ascii_case("USD") {
        return Ok(1.0);
    }
    let feed = network
        .fiat_feeds
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(currency))
        .map(|(_, feed)| *feed)
        .ok_or_else(|| FiatError::NoFeed {
            currency: currency.to_owned(),
            network: network.name.clone(),
        })?;
    let answer = client
        .request(|p| async move {
            IChainlinkAggregator::new(feed, p).latestAnswer().call().await.map_err(contract_error)
        })
        .await?;
    if answer <= I256::ZERO {
        return Err(FiatError::BadAnswer { currency: currency.to_owned(), answer });
    }
    let usd = answer.to_string().parse::<f64>().unwrap_or(f64::NAN) / 10f64.powi(FEED_DECIMALS);
    Ok(usd)
}
