//! The services the provider needs from the core: a dapp's calls previewed as one plan (the
//! same simulation, findings and gating as Vigil's own actions, confirmed through the one
//! confirm path), the connections the user granted (kept in the database), and the networks a
//! dapp may switch to or add.

use alloy::{primitives::Address, rpc::types::TransactionRequest};
use vigil_api::{DappConnection, ErrorKind};
use vigil_defi_adapters::{
    preview,
    simulate::{Plan, Step},
};
use vigil_signer::Keychain;

use super::{Action, ActionPreview, AppResult, AppService, err, invalid, networks::networks_of};
use crate::NetworkConfig;

impl<K: Keychain + 'static> AppService<K> {
    /// Previews `calls` from `account` on `network` as one plan titled `title`, kept for
    /// [`Self::confirm`] like every preview.
    pub async fn preview_calls(
        &self,
        network: &str,
        account: Address,
        title: String,
        calls: Vec<TransactionRequest>,
    ) -> AppResult<ActionPreview> {
        let (_, config) = self.acting_evm(Some(&account.to_checksum(None)))?;
        let (network, client) = self.evm(network).await?;
        let steps = calls
            .into_iter()
            .map(|request| {
                let calls_code = request.input.input().is_some_and(|d| !d.is_empty());
                let label = match request.to.and_then(|t| t.to().copied()) {
                    Some(to) if !calls_code => format!("Transfer to {to}"),
                    Some(to) => match network.contract_name(to) {
                        Some(name) => format!("Call {name} ({to})"),
                        None => format!("Call {to}"),
                    },
                    None => "Deploy a contract".to_owned(),
                };
                Step::new(label, request)
            })
            .collect();
        let plan = Plan { from: account, steps };
        let review = preview::review_call(&client, &network, plan, Vec::new(), &|a| {
            preview::listed_label(&network, a)
        })
        .await
        .map_err(|e| err(ErrorKind::Network, e.to_string()))?;
        let (money, _) = self.money(&client, &network).await;
        Ok(self.plan_preview(Action::Plan { title }, &network, &config, account, review, money))
    }

    /// The accounts `caller` may see, if the user connected it.
    pub fn dapp_connection(&self, caller: &str) -> AppResult<Option<Vec<String>>> {
        self.database().dapp_connection(caller).map_err(|e| err(ErrorKind::Internal, e))
    }

    /// Connects `caller` to `accounts`.
    pub fn connect_dapp(&self, caller: &str, accounts: &[String]) -> AppResult<()> {
        self.database().connect_dapp(caller, accounts).map_err(|e| err(ErrorKind::Internal, e))
    }

    /// Disconnects `caller`; whether it was connected.
    pub fn revoke_dapp(&self, caller: &str) -> AppResult<bool> {
        self.database().revoke_dapp(caller).map_err(|e| err(ErrorKind::Internal, e))
    }

    /// Every connection, oldest first.
    pub fn dapp_connections(&self) -> AppResult<Vec<DappConnection>> {
        let rows = self.database().dapp_connections().map_err(|e| err(ErrorKind::Internal, e))?;
        Ok(rows
            .into_iter()
            .map(|(caller, accounts, connected_at)| DappConnection {
                caller,
                accounts,
                connected_at,
            })
            .collect())
    }

    /// The name of the network with `chain_id` (the selected one when several share it).
    pub fn network_with_chain_id(&self, chain_id: u64) -> AppResult<Option<String>> {
        let networks = networks_of(&self.config()?);
        let mut matching = networks.evm.iter().filter(|n| n.chain_id == Some(chain_id));
        let first = matching.next().map(|n| n.name.clone());
        let selected =
            networks.evm.iter().any(|n| n.name == networks.network && n.chain_id == Some(chain_id));
        Ok(if selected { Some(networks.network) } else { first })
    }

    /// Adds a network the user approved (from a dapp), as one added in Settings: its chain id,
    /// endpoints, coin and explorer, no protocols beyond the built-in ones for its chain id.
    /// Its name is `name` made a command-line name, unique among the networks.
    pub fn add_network(
        &self,
        name: &str,
        chain_id: u64,
        rpc_urls: Vec<url::Url>,
        native_symbol: &str,
        explorer: Option<url::Url>,
    ) -> AppResult<String> {
        let base: String = name
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let base = if base.is_empty() { format!("chain-{chain_id}") } else { base };
        if rpc_urls.is_empty() {
            return Err(invalid("a network needs at least one RPC endpoint"));
        }
        self.config_changed(self.wallet.update_config(|config| {
            let taken = networks_of(config).evm;
            if taken.iter().any(|n| n.chain_id == Some(chain_id)) {
                return Err(invalid(format!(
                    "Vigil already has a network with chain id {chain_id}"
                )));
            }
            let name = if taken.iter().any(|n| n.name.eq_ignore_ascii_case(&base)) {
                format!("{base}-{chain_id}")
            } else {
                base.clone()
            };
            config.networks.push(NetworkConfig {
                name: name.clone(),
                chain_id,
                rpc_urls,
                ws_url: None,
                explorer,
                native_symbol: Some(native_symbol.to_owned()),
                protocols: None,
                tokens: vec![],
                max_fee_gwei: None,
                private_tx: None,
                private_tx_url: None,
                feed_heartbeats: Default::default(),
            });
            Ok::<_, vigil_api::CommandError>(name)
        }))
    }
}
