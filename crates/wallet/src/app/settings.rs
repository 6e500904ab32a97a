//! Settings: preferences, and the networks with the user's endpoints and protocol contracts.

use vigil_api::{NetworkSetting, PROTOCOL_KEYS, Settings, SolanaNetworkSetting};
use vigil_defi_adapters::ProtocolAddresses;
use vigil_defi_adapters::solana::SolanaNetwork;
use vigil_signer::Keychain;

use super::{AppResult, AppService, invalid, level_view};
use crate::{NetworkConfig, Preferences, SolanaNetworkConfig};

/// The protocol contracts typed in the settings, checked: every key known, every value an
/// address, WETH and Multicall3 given. `None` when nothing was typed.
fn protocols(name: &str, typed: &[(String, String)]) -> AppResult<Option<ProtocolAddresses>> {
    let given: Vec<(&str, &str)> =
        typed.iter().map(|(k, v)| (k.trim(), v.trim())).filter(|(_, v)| !v.is_empty()).collect();
    if given.is_empty() {
        return Ok(None);
    }
    let mut object = serde_json::Map::new();
    for (key, value) in given {
        if !PROTOCOL_KEYS.iter().any(|(k, _)| *k == key) {
            return Err(invalid(format!("{name}: '{key}' is not a protocol contract Vigil uses")));
        }
        let address = vigil_signer::parse_evm_address(value)
            .map_err(|e| invalid(format!("{name}: {key}: {e}")))?;
        object.insert(key.to_owned(), address.to_checksum(None).into());
    }
    for required in ["weth", "multicall3"] {
        if !object.contains_key(required) {
            return Err(invalid(format!(
                "{name}: give the {required} address too (every protocol needs it)"
            )));
        }
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .map(Some)
        .map_err(|e| invalid(format!("{name}: {e}")))
}

fn protocol_fields(p: &ProtocolAddresses) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(p) else { return vec![] };
    PROTOCOL_KEYS
        .iter()
        .filter_map(|(k, _)| {
            map.get(*k).and_then(|v| v.as_str()).map(|v| ((*k).to_owned(), v.to_owned()))
        })
        .collect()
}

impl<K: Keychain + 'static> AppService<K> {
    /// Checks and saves the settings; the session takes the new lock timeout at once and
    /// every client of a changed network is replaced on its next use.
    pub fn save_settings(&self, settings: &Settings) -> AppResult<Settings> {
        let lock_after = self.config_changed(self.wallet.update_config(|config| {
            let preferences = Preferences {
                currency: settings.currency.trim().to_uppercase(),
                slippage_percent: settings.slippage_percent,
                lock_after_secs: settings.lock_after_secs,
                network: config.preferences.network.clone(),
                solana_network: config.preferences.solana_network.clone(),
                provider_port: config.preferences.provider_port,
            };
            preferences.validate().map_err(invalid)?;
            let mut networks = Vec::with_capacity(settings.networks.len());
            for n in &settings.networks {
                networks.push(network_config(config, n)?);
            }
            for (i, n) in networks.iter().enumerate() {
                if networks[..i].iter().any(|m| m.name.eq_ignore_ascii_case(&n.name)) {
                    return Err(invalid(format!("two networks are called '{}'", n.name)));
                }
            }
            let mut clusters = Vec::new();
            for c in &settings.solana_networks {
                clusters.extend(solana_network_config(c)?);
            }
            // Clusters the form does not show (the local validator's) are kept.
            let shown = |name: &str| settings.solana_networks.iter().any(|c| c.name == name);
            config.solana_networks.retain(|c| !shown(&c.name));
            config.solana_networks.extend(clusters);
            config.preferences = preferences;
            config.networks = networks;
            let notify = settings.notify_level;
            // "ok" is the default: not written.
            config.alerts.notify = (notify != vigil_api::Level::Ok).then_some(match notify {
                vigil_api::Level::Ok => vigil_notifier::Level::Ok,
                vigil_api::Level::Warning => vigil_notifier::Level::Warning,
                vigil_api::Level::Critical => vigil_notifier::Level::Critical,
                vigil_api::Level::Liquidatable => vigil_notifier::Level::Liquidatable,
            });
            Ok::<_, vigil_api::CommandError>(config.preferences.lock_after())
        }))?;
        self.session.set_lock_after(lock_after);
        self.clients.clear();
        self.settings()
    }

    /// The settings as the config has them.
    pub fn settings(&self) -> AppResult<Settings> {
        let config = self.config()?;
        Ok(Settings {
            networks: config
                .networks
                .iter()
                .map(|n| NetworkSetting {
                    name: n.name.clone(),
                    chain_id: n.chain_id,
                    rpc_urls: n.rpc_urls.iter().map(ToString::to_string).collect(),
                    protocols: n.protocols.as_ref().map(protocol_fields).unwrap_or_default(),
                })
                .collect(),
            solana_networks: SolanaNetwork::builtin()
                .into_iter()
                .map(|cluster| SolanaNetworkSetting {
                    rpc_urls: config
                        .solana_networks
                        .iter()
                        .find(|c| c.name == cluster.name)
                        .map(|c| c.rpc_urls.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    default_urls: cluster.rpc_urls.iter().map(ToString::to_string).collect(),
                    name: cluster.name,
                })
                .collect(),
            lock_after_secs: config.preferences.lock_after_secs,
            currency: config.preferences.currency.clone(),
            slippage_percent: config.preferences.slippage_percent,
            notify_level: level_view(config.alerts.notify.unwrap_or(vigil_notifier::Level::Ok)),
        })
    }
}

/// A public Solana cluster's endpoints as the config keeps them, checked; `None` when the
/// user gave none (its public endpoint is used).
fn solana_network_config(c: &SolanaNetworkSetting) -> AppResult<Option<SolanaNetworkConfig>> {
    let name = c.name.trim();
    if !SolanaNetwork::builtin().iter().any(|b| b.name == name) {
        return Err(invalid(format!(
            "'{name}' is not a public Solana cluster: use mainnet-beta, devnet or testnet"
        )));
    }
    let rpc_urls = http_urls(name, &c.rpc_urls)?;
    Ok((!rpc_urls.is_empty()).then(|| SolanaNetworkConfig { name: name.to_owned(), rpc_urls }))
}

/// The URLs typed one per line, each checked to be https (plain http only on this computer);
/// blank lines dropped.
fn http_urls(name: &str, typed: &[String]) -> AppResult<Vec<url::Url>> {
    let mut urls = Vec::new();
    for u in typed.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        let url = url::Url::parse(u)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| invalid(format!("{name}: '{u}' is not an http(s) URL")))?;
        vigil_defi_adapters::check_transport(&url).map_err(|e| invalid(format!("{name}: {e}")))?;
        urls.push(url);
    }
    Ok(urls)
}

/// One network of the settings form as the config keeps it, checked.
fn network_config(config: &crate::Config, n: &NetworkSetting) -> AppResult<NetworkConfig> {
    let name = n.name.trim();
    if name.is_empty() || name.eq_ignore_ascii_case(vigil_devnet::NETWORK) {
        return Err(invalid(format!(
            "'{name}' cannot name a network: choose a name other than the devnet's"
        )));
    }
    if n.chain_id == 0 {
        return Err(invalid(format!("{name}: the chain id must be a positive number")));
    }
    let rpc_urls = http_urls(name, &n.rpc_urls)?;
    if rpc_urls.is_empty() {
        return Err(invalid(format!("{name}: give at least one RPC URL")));
    }
    // What the form does not show (WebSocket, explorer, symbol, tokens, fee ceiling, private
    // submission, feed heartbeats) is kept.
    let kept = config.networks.iter().find(|c| c.name.eq_ignore_ascii_case(name));
    Ok(NetworkConfig {
        name: name.to_owned(),
        chain_id: n.chain_id,
        rpc_urls,
        ws_url: kept.and_then(|k| k.ws_url.clone()),
        explorer: kept.and_then(|k| k.explorer.clone()),
        native_symbol: kept.and_then(|k| k.native_symbol.clone()),
        protocols: protocols(name, &n.protocols)?.map(|mut p| {
            // The Balancer pools and V4's scan start (which the form does not show) are kept.
            if let Some(before) = kept.and_then(|k| k.protocols.as_ref()) {
                p.balancer_pools.clone_from(&before.balancer_pools);
                p.uniswap_v4_position_manager_block = before.uniswap_v4_position_manager_block;
            }
            p
        }),
        tokens: kept.map(|k| k.tokens.clone()).unwrap_or_default(),
        max_fee_gwei: kept.and_then(|k| k.max_fee_gwei),
        private_tx: kept.and_then(|k| k.private_tx),
        private_tx_url: kept.and_then(|k| k.private_tx_url.clone()),
        feed_heartbeats: kept.map(|k| k.feed_heartbeats.clone()).unwrap_or_default(),
    })
}
