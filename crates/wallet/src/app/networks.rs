//! Networks: which ones exist, which one the user acts on, and a client per network kept
//! between calls.
//!
//! A client is reused while its network resolves to the same description (endpoints,
//! protocols, tokens); a change of config, or a devnet restarted on another port, resolves to
//! a different one and a new client replaces the old. So no call reconnects (and re-checks
//! every endpoint's chain id) needlessly, and none uses a stale endpoint.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use vigil_api::{Money, NetworkView, Networks, RpcTest, SelectNetwork};
use vigil_defi_adapters::{
    ChainClient, Network, fiat,
    solana::{SolanaClient, SolanaNetwork},
};
use vigil_signer::Keychain;

use super::{AppResult, AppService, err, invalid, network_error};
use crate::{Config, portfolio};

/// The clients of the networks used so far, each with the description it was made for.
#[derive(Default)]
pub(crate) struct Clients {
    evm: Mutex<HashMap<String, (Network, Arc<ChainClient>)>>,
    solana: Mutex<HashMap<String, (SolanaNetwork, Arc<SolanaClient>)>>,
}

impl Clients {
    fn evm_cached(&self, network: &Network) -> Option<Arc<ChainClient>> {
        let cached = self.evm.lock().unwrap_or_else(|p| p.into_inner());
        cached.get(&network.name).filter(|(n, _)| n == network).map(|(_, c)| c.clone())
    }

    fn solana_cached(&self, network: &SolanaNetwork) -> Option<Arc<SolanaClient>> {
        let cached = self.solana.lock().unwrap_or_else(|p| p.into_inner());
        cached.get(&network.name).filter(|(n, _)| n == network).map(|(_, c)| c.clone())
    }

    /// Forgets every client (the endpoints may have changed).
    pub(crate) fn clear(&self) {
        self.evm.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.solana.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// What to tell the user when a network cannot be reached: the devnet and the local validator
/// say how to start them.
fn unreachable(name: &str, e: impl std::fmt::Display) -> vigil_api::CommandError {
    if name.eq_ignore_ascii_case(vigil_devnet::NETWORK) {
        network_error(format!(
            "the local devnet is not running ({e}): start it with 'vigil devnet up' or 'make run', or pick another network"
        ))
    } else if name.eq_ignore_ascii_case(vigil_defi_adapters::solana::LOCALNET) {
        use vigil_devnet::solana::{ValidatorBuild, validator_build};
        network_error(match validator_build() {
            ValidatorBuild::Building => "the local Solana validator is still being built (the first time takes about 30 minutes on two cores); these screens work once it is running, or pick another cluster".to_owned(),
            ValidatorBuild::Missing => format!("the local Solana validator is not installed ({e}): 'make setup' builds it, or pick another cluster"),
            ValidatorBuild::Ready => format!("the local Solana validator does not answer ({e}): start it with 'vigil devnet solana', or pick another cluster"),
        })
    } else {
        network_error(format!("{name} cannot be reached: {e}"))
    }
}

impl<K: Keychain + 'static> AppService<K> {
    /// The EVM network called `name` and its client (reused while the network is unchanged).
    pub async fn evm(&self, name: &str) -> AppResult<(Network, Arc<ChainClient>)> {
        let config = self.config()?;
        let network =
            portfolio::network_in(&config, name, self.wallet.paths()).map_err(|e| match e {
                portfolio::PortfolioError::UnknownNetwork { .. } => invalid(e),
                other => unreachable(name, other),
            })?;
        if let Some(client) = self.clients.evm_cached(&network) {
            return Ok((network, client));
        }
        let client =
            Arc::new(ChainClient::connect(&network).await.map_err(|e| unreachable(name, e))?);
        let mut cached = self.clients.evm.lock().unwrap_or_else(|p| p.into_inner());
        cached.insert(network.name.clone(), (network.clone(), client.clone()));
        Ok((network, client))
    }

    /// The Solana cluster called `name` and its client.
    pub async fn solana_client(&self, name: &str) -> AppResult<Arc<SolanaClient>> {
        let config = self.config()?;
        let network = portfolio::solana_network(&config, name).map_err(invalid)?;
        if let Some(client) = self.clients.solana_cached(&network) {
            return Ok(client);
        }
        let client =
            Arc::new(SolanaClient::connect(&network).await.map_err(|e| unreachable(name, e))?);
        let mut cached = self.clients.solana.lock().unwrap_or_else(|p| p.into_inner());
        cached.insert(network.name.clone(), (network, client.clone()));
        Ok(client)
    }

    /// The user's currency and its rate on `network`; USD, with the reason, when the rate
    /// cannot be read there.
    pub(super) async fn money(
        &self,
        client: &ChainClient,
        network: &Network,
    ) -> (Money, Option<String>) {
        let currency = match self.config() {
            Ok(c) => c.preferences.currency,
            Err(e) => return (Money::usd(), Some(e.message)),
        };
        match fiat::usd_per_unit(client, network, &currency).await {
            Ok(usd_per_unit) => (Money { currency, usd_per_unit }, None),
            Err(e) => (Money::usd(), Some(e.to_string())),
        }
    }

    /// Every network and cluster the user can pick, and the ones picked.
    pub fn networks(&self) -> AppResult<Networks> {
        Ok(networks_of(&self.config()?))
    }

    /// Picks the network (and/or cluster) to act on, remembered in the config; unknown names
    /// are refused with the list of known ones.
    pub fn select_network(&self, choice: &SelectNetwork) -> AppResult<Networks> {
        let config = self.config_changed(self.wallet.update_config(|config| {
            let known = networks_of(config);
            if let Some(name) = &choice.network {
                config.preferences.network = Some(known_name(&known.evm, name, "network")?);
            }
            if let Some(name) = &choice.solana_network {
                config.preferences.solana_network =
                    Some(known_name(&known.solana, name, "Solana cluster")?);
            }
            Ok::<_, vigil_api::CommandError>(config.clone())
        }))?;
        Ok(networks_of(&config))
    }

    /// Asks `url` for its chain id and latest block (5 s at most); it must serve `chain_id`.
    pub async fn test_rpc(&self, url: &str, chain_id: u64) -> AppResult<RpcTest> {
        use alloy::providers::{Provider, ProviderBuilder};
        let parsed = url::Url::parse(url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| invalid(format!("'{url}' is not an http(s) URL")))?;
        let provider = ProviderBuilder::new().connect_http(parsed);
        let started = Instant::now();
        let asked =
            async { tokio::try_join!(provider.get_chain_id(), provider.get_block_number()) };
        let (served, block) = tokio::time::timeout(Duration::from_secs(5), asked)
            .await
            .map_err(|_| network_error(format!("{url} did not answer within 5 s")))?
            .map_err(|e| network_error(format!("cannot reach {url}: {e}")))?;
        if served != chain_id {
            return Err(err(
                vigil_api::ErrorKind::InvalidInput,
                format!(
                    "{url} serves chain {served}, not {chain_id}: check the URL or the chain id"
                ),
            ));
        }
        Ok(RpcTest { chain_id: served, block, latency_ms: started.elapsed().as_millis() as u64 })
    }
}

/// The name of the network `typed` names in `list` (any case), or an error listing them.
fn known_name(list: &[NetworkView], typed: &str, what: &str) -> AppResult<String> {
    match list.iter().find(|n| n.name.eq_ignore_ascii_case(typed.trim())) {
        Some(found) => Ok(found.name.clone()),
        None => Err(invalid(format!(
            "unknown {what} '{typed}': pick one of {}, or add it in Settings",
            list.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The networks of `config`, described for the picker.
pub(super) fn networks_of(config: &Config) -> Networks {
    let evm = portfolio::network_names(config)
        .into_iter()
        .map(|name| {
            let configured = config.networks.iter().find(|n| n.name.eq_ignore_ascii_case(&name));
            let chain_id = configured
                .map(|n| n.chain_id)
                .or_else(|| Network::named(&name).map(|n| n.chain_id))
                .or_else(|| {
                    name.eq_ignore_ascii_case(vigil_devnet::NETWORK)
                        .then_some(vigil_devnet::CHAIN_ID)
                });
            NetworkView { local: name.eq_ignore_ascii_case(vigil_devnet::NETWORK), name, chain_id }
        })
        .collect();
    let solana = portfolio::solana_network_names()
        .into_iter()
        .map(|name| NetworkView {
            local: name == vigil_defi_adapters::solana::LOCALNET,
            name,
            chain_id: None,
        })
        .collect();
    Networks {
        evm,
        solana,
        network: config.preferences.network().to_owned(),
        solana_network: config.preferences.solana_network().to_owned(),
    }
}
