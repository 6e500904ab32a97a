//! Networks as the user names them, and what each account holds on them.

use alloy::primitives::{Address, U256, utils::format_units};
use serde::Serialize;
use vigil_defi_adapters::{
    ChainClient, ClientError, Network,
    multicall::{self, Asset},
};
use vigil_devnet::{DevnetError, DevnetOptions, daemon};

use crate::config::Paths;

/// Errors resolving a network or reading balances.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortfolioError {
    /// No network has that name.
    #[error("unknown network '{name}': use one of {known}")]
    UnknownNetwork {
        /// What was asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// The devnet is not running or its files are unreadable.
    #[error(transparent)]
    Devnet(#[from] DevnetError),
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// The network called `name` (`devnet`, the default, or a built-in public network).
pub fn network(name: &str, paths: &Paths) -> Result<Network, PortfolioError> {
    if name.eq_ignore_ascii_case("devnet") {
        let status = daemon::connect_info(&DevnetOptions::app(&paths.data_dir))?;
        let url = status.1.parse().map_err(|_| {
            PortfolioError::Devnet(DevnetError::Rpc(format!("bad devnet URL {}", status.1)))
        })?;
        return Ok(Network::devnet(&status.0, url));
    }
    Network::named(name).ok_or_else(|| PortfolioError::UnknownNetwork {
        name: name.to_owned(),
        known: std::iter::once("devnet".to_owned())
            .chain(Network::builtin().into_iter().map(|n| n.name))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// An amount of one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    /// The symbol.
    pub symbol: String,
    /// The token contract; `None` for the native coin.
    pub token: Option<Address>,
    /// Decimals.
    pub decimals: u8,
    /// The amount in base units, as a decimal string (exact, for JSON consumers).
    pub raw: String,
    /// The amount in whole units, as a decimal string.
    pub amount: String,
}

/// What one account holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountHoldings {
    /// The account.
    pub account: Address,
    /// Native coin first, then the network's known tokens.
    pub holdings: Vec<Holding>,
}

/// The native coin and known tokens of every account on `network`, in one batched call.
pub async fn balances(
    client: &ChainClient,
    network: &Network,
    accounts: &[Address],
) -> Result<Vec<AccountHoldings>, PortfolioError> {
    let mut assets = vec![(network.native_symbol.clone(), None, 18u8)];
    assets.extend(network.tokens.iter().map(|t| (t.symbol.clone(), Some(t.address), t.decimals)));
    let query: Vec<Asset> =
        assets.iter().map(|(_, t, _)| t.map_or(Asset::Native, Asset::Token)).collect();
    let table = multicall::balances(client, network.protocols.multicall3, &query, accounts).await?;
    Ok(accounts
        .iter()
        .zip(table)
        .map(|(&account, row)| AccountHoldings {
            account,
            holdings: assets
                .iter()
                .zip(row)
                .map(|((symbol, token, decimals), value)| {
                    let value = value.unwrap_or(U256::ZERO);
                    Holding {
                        symbol: symbol.clone(),
                        token: *token,
                        decimals: *decimals,
                        raw: value.to_string(),
                        amount: trim(format_units(value, *decimals).unwrap_or_default()),
                    }
                })
                .collect(),
        })
        .collect())
}

/// "10000.000000" -> "10000", "1.500" -> "1.5".
fn trim(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_drop_trailing_zeros_only_after_the_point() {
        assert_eq!(trim("10000.000000".into()), "10000");
        assert_eq!(trim("1.500".into()), "1.5");
        assert_eq!(trim("100".into()), "100");
        assert_eq!(trim("0.000000000000000001".into()), "0.000000000000000001");
    }

    #[test]
    fn unknown_networks_list_the_known_ones() {
        let paths = Paths::under(std::env::temp_dir().join("vigil-no-such-home"));
        let err = network("goerli", &paths).unwrap_err().to_string();
        assert!(
            err.contains("unknown network 'goerli'") && err.contains("devnet, ethereum"),
            "{err}"
        );
    }
}
