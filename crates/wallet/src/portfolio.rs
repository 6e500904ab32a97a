//! Networks as the user names them, and what each account holds on them.

use alloy::primitives::{Address, U256, utils::format_units};
use serde::Serialize;
use vigil_defi_adapters::{
    ChainClient, ClientError, KnownToken, Network,
    multicall::{self, Asset},
    solana::SolanaNetwork,
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
    /// The config file is invalid.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
}

/// The network called `name`: a network of the config file, the local devnet (when it runs),
/// or a built-in public network. A config entry keeps the protocol addresses and tokens of the
/// built-in network with its chain id, unless it gives its own; its tokens are added to them.
pub fn network(name: &str, paths: &Paths) -> Result<Network, PortfolioError> {
    let config = crate::Config::load(&paths.config_file())?;
    network_in(&config, name, paths)
}

/// [`network`] with the config already read.
pub fn network_in(
    config: &crate::Config,
    name: &str,
    paths: &Paths,
) -> Result<Network, PortfolioError> {
    if let Some(n) = config.networks.iter().find(|n| n.name.eq_ignore_ascii_case(name)) {
        if n.rpc_urls.is_empty() {
            return Err(PortfolioError::Client(ClientError::NoEndpoints(n.name.clone())));
        }
        let base = Network::builtin().into_iter().find(|b| b.chain_id == n.chain_id);
        let mut network = match base {
            Some(b) => Network {
                name: n.name.clone(),
                rpc_urls: n.rpc_urls.clone(),
                ws_url: n.ws_url.clone(),
                explorer: n.explorer.clone().or(b.explorer.clone()),
                native_symbol: n.native_symbol.clone().unwrap_or(b.native_symbol.clone()),
                max_fee_gwei: n.max_fee_gwei.unwrap_or(b.max_fee_gwei),
                private_tx_url: n.private_tx_url(b.private_tx_url.as_ref()),
                ..b
            },
            // Another chain: what the entry says is deployed there, else Multicall3 alone.
            None => Network {
                name: n.name.clone(),
                chain_id: n.chain_id,
                rpc_urls: n.rpc_urls.clone(),
                ws_url: n.ws_url.clone(),
                explorer: n.explorer.clone(),
                native_symbol: n.native_symbol.clone().unwrap_or_else(|| "ETH".into()),
                protocols: vigil_defi_adapters::ProtocolAddresses {
                    multicall3: vigil_devnet::MULTICALL3,
                    ..Default::default()
                },
                tokens: vec![],
                fiat_feeds: Default::default(),
                max_fee_gwei: n
                    .max_fee_gwei
                    .unwrap_or_else(|| vigil_defi_adapters::default_max_fee_gwei(n.chain_id)),
                private_tx_url: n.private_tx_url(None),
                feed_heartbeats: Default::default(),
            },
        };
        network.feed_heartbeats.extend(n.feed_heartbeats.iter().map(|(k, v)| (*k, *v)));
        if let Some(protocols) = &n.protocols {
            network.protocols = protocols.clone();
            // The wrapped native coin is a token like the others.
            if protocols.weth != Address::ZERO
                && !network.tokens.iter().any(|t| t.address == protocols.weth)
            {
                let symbol = format!("W{}", network.native_symbol);
                network
                    .tokens
                    .insert(0, KnownToken { symbol, address: protocols.weth, decimals: 18 });
            }
        }
        add_tokens(&mut network, &n.tokens);
        add_remembered(config, &mut network);
        return Ok(network);
    }
    let mut network = if name.eq_ignore_ascii_case(vigil_devnet::NETWORK) {
        let status = daemon::connect_info(&DevnetOptions::app(&paths.data_dir))?;
        let url = status.1.parse().map_err(|_| {
            PortfolioError::Devnet(DevnetError::Rpc(format!("bad devnet URL {}", status.1)))
        })?;
        Network::devnet(&status.0, url)
    } else {
        Network::named(name).ok_or_else(|| PortfolioError::UnknownNetwork {
            name: name.to_owned(),
            known: network_names(config).join(", "),
        })?
    };
    add_remembered(config, &mut network);
    Ok(network)
}

/// Adds `tokens` to the network's, replacing any with the same contract.
fn add_tokens(network: &mut Network, tokens: &[KnownToken]) {
    for t in tokens {
        network.tokens.retain(|k| k.address != t.address);
        network.tokens.push(t.clone());
    }
}

/// Adds the tokens the user remembered on this network.
fn add_remembered(config: &crate::Config, network: &mut Network) {
    let remembered: Vec<KnownToken> = config
        .tokens
        .iter()
        .filter(|t| t.network.eq_ignore_ascii_case(&network.name))
        .map(crate::config::RememberedToken::known)
        .collect();
    add_tokens(network, &remembered);
}

/// Every EVM network the user can pick: the config's, then the built-in ones it does not
/// override, then the devnet.
pub fn network_names(config: &crate::Config) -> Vec<String> {
    let mut names: Vec<String> = config.networks.iter().map(|n| n.name.clone()).collect();
    for b in Network::builtin() {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&b.name)) {
            names.push(b.name);
        }
    }
    if !names.iter().any(|n| n.eq_ignore_ascii_case(vigil_devnet::NETWORK)) {
        names.push(vigil_devnet::NETWORK.to_owned());
    }
    names
}

/// The Solana cluster called `name`, with the config's RPC URLs for it when it has some.
pub fn solana_network(config: &crate::Config, name: &str) -> Result<SolanaNetwork, PortfolioError> {
    let urls = config
        .solana_networks
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case(name))
        .map(|n| n.rpc_urls.clone())
        .unwrap_or_default();
    SolanaNetwork::named(name, urls).ok_or_else(|| PortfolioError::UnknownNetwork {
        name: name.to_owned(),
        known: solana_network_names().join(", "),
    })
}

/// Every Solana cluster the user can pick.
pub fn solana_network_names() -> Vec<String> {
    let mut names: Vec<String> = SolanaNetwork::builtin().into_iter().map(|n| n.name).collect();
    names.push(vigil_defi_adapters::solana::LOCALNET.to_owned());
    names
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
    let query = BalanceQuery::of(network);
    let table =
        multicall::balances(client, network.protocols.multicall3, &query.assets(), accounts)
            .await?;
    Ok(query.holdings(accounts, table))
}

/// What a balance read on a network covers: its native coin, then its known tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceQuery {
    assets: Vec<(String, Option<Address>, u8)>,
}

impl BalanceQuery {
    /// The native coin and the known tokens of `network`.
    pub fn of(network: &Network) -> Self {
        let mut assets = vec![(network.native_symbol.clone(), None, 18u8)];
        assets
            .extend(network.tokens.iter().map(|t| (t.symbol.clone(), Some(t.address), t.decimals)));
        Self { assets }
    }

    /// The assets, in the order of each row of balances.
    pub fn assets(&self) -> Vec<Asset> {
        self.assets.iter().map(|(_, t, _)| t.map_or(Asset::Native, Asset::Token)).collect()
    }

    /// The holdings of `accounts` from a table of balances (a row per account, in order); a
    /// balance that could not be read counts as zero.
    pub fn holdings(
        &self,
        accounts: &[Address],
        table: Vec<Vec<Option<U256>>>,
    ) -> Vec<AccountHoldings> {
        accounts
            .iter()
            .zip(table)
            .map(|(&account, row)| AccountHoldings {
                account,
                holdings: self
                    .assets
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
            .collect()
    }
}

/// "10000.000000" -> "10000", "1.500" -> "1.5".
fn trim(s: String) -> String {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethereum_sends_through_flashbots_protect_unless_turned_off_or_replaced() {
        let config = |private_tx, private_tx_url: Option<&str>| crate::NetworkConfig {
            name: "mainnet".into(),
            chain_id: 1,
            rpc_urls: vec!["https://eth.example.com".parse().unwrap()],
            ws_url: None,
            explorer: None,
            native_symbol: None,
            protocols: None,
            tokens: vec![],
            max_fee_gwei: None,
            private_tx,
            private_tx_url: private_tx_url.map(|u| u.parse().unwrap()),
            feed_heartbeats: Default::default(),
        };
        let builtin: url::Url = vigil_defi_adapters::FLASHBOTS_PROTECT.parse().unwrap();
        assert_eq!(
            Network::named("ethereum").unwrap().private_tx_url.as_ref(),
            Some(&builtin),
            "on by default"
        );
        assert_eq!(config(None, None).private_tx_url(Some(&builtin)), Some(builtin.clone()));
        assert_eq!(config(Some(false), None).private_tx_url(Some(&builtin)), None, "turned off");
        let own = config(None, Some("https://private.example.com"));
        assert_eq!(
            own.private_tx_url(Some(&builtin)).unwrap().host_str(),
            Some("private.example.com")
        );
        assert_eq!(Network::named("base").unwrap().private_tx_url, None, "none elsewhere");
    }

    #[test]
    fn amounts_drop_trailing_zeros_only_after_the_point() {
        assert_eq!(trim("10000.000000".into()), "10000");
        assert_eq!(trim("1.500".into()), "1.5");
        assert_eq!(trim("100".into()), "100");
        assert_eq!(trim("0.000000000000000001".into()), "0.000000000000000001");
    }

    #[test]
    fn config_networks_override_rpc_urls_and_keep_protocols() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path().into());
        std::fs::create_dir_all(&paths.config_dir).unwrap();
        std::fs::write(
            paths.config_file(),
            r#"
[[network]]
name = "ethereum"
chain_id = 1
rpc_urls = ["http://127.0.0.1:9/a", "https://backup.example/rpc"]

[[network]]
name = "mychain"
chain_id = 777
rpc_urls = ["http://127.0.0.1:9/"]
native_symbol = "MYC"
"#,
        )
        .unwrap();
        let eth = network("Ethereum", &paths).unwrap();
        assert_eq!(eth.rpc_urls.len(), 2);
        assert_eq!(eth.rpc_urls[0].as_str(), "http://127.0.0.1:9/a");
        assert!(eth.protocols.uniswap_v3_quoter_v2.is_some(), "protocols come from the built-in");
        assert!(eth.token("USDC").is_some());
        let mine = network("mychain", &paths).unwrap();
        assert_eq!((mine.chain_id, mine.native_symbol.as_str()), (777, "MYC"));
        assert!(mine.protocols.uniswap_v2_router.is_none() && mine.tokens.is_empty());
        let err = network("nope", &paths).unwrap_err().to_string();
        assert!(err.contains("mychain"), "config networks are listed: {err}");
    }

    #[test]
    fn unknown_networks_list_the_known_ones() {
        let paths = Paths::under(std::env::temp_dir().join("vigil-no-such-home"));
        let err = network("goerli", &paths).unwrap_err().to_string();
        assert!(
            err.contains("unknown network 'goerli'") && err.contains("ethereum, arbitrum"),
            "{err}"
        );
    }
}
