//! Vigil's wallet behind the provider: the accounts, networks and connections of the core
//! (`vigil_wallet::app::AppService`), every transaction previewed and confirmed through the
//! core's one confirm path, every signature made by the account's vault or Ledger. What is
//! left to a front-end (the app's window, the terminal of `vigil provider`) is to show each
//! request and bring back the user's answer: [`Prompt`].

use std::sync::Arc;

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256, Bytes},
    rpc::types::TransactionRequest,
};
use tokio::sync::mpsc;
use vigil_api::{AddTokenRequest, CommandError, TxProgress};
use vigil_defi_adapters::{ChainClient, Network, preview::Finding};
use vigil_signer::Keychain;
use vigil_wallet::app::{ActionPreview, AppService};

use crate::{
    front::{Accounts, Approver, Caller, ChainProposal, Chains, Permissions, Signer},
    provider::Provider,
    rpc::RpcError,
    typed::TypedView,
};

/// What a dapp asks the user.
#[derive(Debug)]
pub enum Ask {
    /// To see accounts, of these (the selected one first).
    Connect {
        /// The accounts offered.
        accounts: Vec<Address>,
    },
    /// To send transactions, previewed (kept in the core for the confirm that follows).
    Transaction {
        /// The preview.
        preview: Box<ActionPreview>,
    },
    /// To sign a message.
    Message {
        /// The signing account.
        account: Address,
        /// The message's bytes.
        message: Vec<u8>,
    },
    /// To sign typed data.
    TypedData {
        /// The signing account.
        account: Address,
        /// The data decoded.
        view: Box<TypedView>,
        /// What could go wrong, most serious first.
        findings: Vec<Finding>,
    },
    /// To add a network.
    AddChain {
        /// The network, its endpoint checked.
        proposal: ChainProposal,
    },
    /// To let a browser extension relay pages.
    Relay,
    /// To add a token to the network's list.
    WatchAsset {
        /// The token contract (it has code).
        token: Address,
        /// What the dapp calls it.
        symbol: Option<String>,
    },
}

/// A message to sign as the user reads it: text as text, anything else as the hex of its
/// bytes.
pub fn message_text(message: &[u8]) -> String {
    match std::str::from_utf8(message) {
        Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => text.to_owned(),
        _ => format!("0x{}", alloy::hex::encode(message)),
    }
}

/// The user's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// Yes or no.
    pub approve: bool,
    /// For a connection: the accounts chosen.
    pub accounts: Vec<Address>,
    /// The user accepted the risk of a danger finding.
    pub accept_risk: bool,
}

/// A front-end's part: show a request and bring back the user's answer.
#[async_trait::async_trait]
pub trait Prompt: Send + Sync {
    /// Shows what `caller` asks on `network` and waits for the user.
    async fn ask(&self, caller: &Caller, network: &str, ask: Ask) -> Answer;
    /// An approved transaction's progress, as the core reports it.
    fn progress(&self, progress: &TxProgress);
}

/// The provider over the core's services, asking through `prompt`. Callers that chose no
/// chain are on `network` when given (`vigil provider --network`), else on the network the
/// user selected in Vigil, following it as it changes.
pub fn wallet_provider<K: Keychain + 'static>(
    service: Arc<AppService<K>>,
    prompt: Arc<dyn Prompt>,
    network: Option<String>,
) -> Provider {
    let front = Arc::new(WalletFront { service, prompt, network });
    Provider::new(front.clone(), front.clone(), front.clone(), front.clone(), front)
}

struct WalletFront<K: Keychain> {
    service: Arc<AppService<K>>,
    prompt: Arc<dyn Prompt>,
    network: Option<String>,
}

fn internal(e: CommandError) -> RpcError {
    RpcError::new(RpcError::INTERNAL, e.message)
}

impl<K: Keychain + 'static> WalletFront<K> {
    async fn on(&self, name: &str) -> Result<(Network, Arc<ChainClient>), RpcError> {
        self.service.evm(name).await.map_err(internal)
    }
}

impl<K: Keychain + 'static> Accounts for WalletFront<K> {
    /// The wallet's Ethereum accounts that can sign, visible ones first.
    fn accounts(&self) -> Vec<Address> {
        let Ok(mut accounts) = self.service.accounts() else { return vec![] };
        accounts.retain(|a| {
            a.chain == vigil_api::Chain::Ethereum && a.signer != vigil_api::SignerKind::Watch
        });
        accounts.sort_by_key(|a| a.hidden);
        accounts.iter().filter_map(|a| a.address.parse().ok()).collect()
    }
}

#[async_trait::async_trait]
impl<K: Keychain + 'static> Chains for WalletFront<K> {
    async fn selected(&self) -> Result<(Network, Arc<ChainClient>), RpcError> {
        let selected = match &self.network {
            Some(pinned) => pinned.clone(),
            None => self.service.networks().map_err(internal)?.network,
        };
        self.on(&selected).await
    }

    async fn get(&self, chain_id: u64) -> Result<Option<(Network, Arc<ChainClient>)>, RpcError> {
        match self.service.network_with_chain_id(chain_id).map_err(internal)? {
            Some(name) => Ok(Some(self.on(&name).await?)),
            None => Ok(None),
        }
    }

    async fn add(&self, p: &ChainProposal) -> Result<(), RpcError> {
        self.service
            .add_network(
                &p.name,
                p.chain_id,
                p.rpc_urls.clone(),
                &p.native_symbol,
                p.explorer.clone(),
            )
            .map(drop)
            .map_err(|e| RpcError::invalid_params(e.message))
    }
}

impl<K: Keychain + 'static> Permissions for WalletFront<K> {
    fn get(&self, key: &str) -> Option<Vec<Address>> {
        let accounts = self.service.dapp_connection(key).ok()??;
        Some(accounts.iter().filter_map(|a| a.parse().ok()).collect())
    }

    fn set(&self, key: &str, accounts: Vec<Address>) {
        let accounts: Vec<String> = accounts.iter().map(|a| a.to_checksum(None)).collect();
        if let Err(e) = self.service.connect_dapp(key, &accounts) {
            tracing::warn!(caller = key, "the connection was not saved: {}", e.message);
        }
    }

    fn revoke(&self, key: &str) -> bool {
        self.service.revoke_dapp(key).unwrap_or(false)
    }

    fn list(&self) -> Vec<(String, Vec<Address>)> {
        self.service
            .dapp_connections()
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.caller, c.accounts.iter().filter_map(|a| a.parse().ok()).collect()))
            .collect()
    }
}

#[async_trait::async_trait]
impl<K: Keychain + 'static> Approver for WalletFront<K> {
    async fn connect(
        &self,
        caller: &Caller,
        network: &Network,
        offered: &[Address],
    ) -> Option<Vec<Address>> {
        let answer = self
            .prompt
            .ask(caller, &network.name, Ask::Connect { accounts: offered.to_vec() })
            .await;
        answer.approve.then_some(answer.accounts)
    }

    async fn add_chain(&self, caller: &Caller, proposal: &ChainProposal) -> bool {
        let ask = Ask::AddChain { proposal: proposal.clone() };
        self.prompt.ask(caller, &proposal.name, ask).await.approve
    }

    async fn relay(&self, extension: &Caller) -> bool {
        let network = self.selected().await.map(|(n, _)| n.name).unwrap_or_default();
        self.prompt.ask(extension, &network, Ask::Relay).await.approve
    }
}

#[async_trait::async_trait]
impl<K: Keychain + 'static> Signer for WalletFront<K> {
    async fn send(
        &self,
        caller: &Caller,
        network: &Network,
        from: Address,
        calls: Vec<TransactionRequest>,
        sent: mpsc::UnboundedSender<B256>,
    ) -> Result<(), RpcError> {
        let title = match calls.len() {
            1 => format!("A transaction from {caller}"),
            n => format!("{n} calls from {caller}"),
        };
        let preview = self
            .service
            .preview_calls(&network.name, from, title, calls)
            .await
            .map_err(internal)?;
        let (id, would_fail) = (preview.id, preview.would_fail.clone());
        let ask = Ask::Transaction { preview: Box::new(preview) };
        let answer = self.prompt.ask(caller, &network.name, ask).await;
        if !answer.approve {
            return Err(RpcError::rejected("the transaction"));
        }
        if let Some(reason) = would_fail {
            return Err(RpcError::new(
                RpcError::INTERNAL,
                format!("Vigil did not sign: the simulation says it would fail ({reason})"),
            ));
        }
        let prompt = self.prompt.clone();
        self.service
            .confirm(id, answer.accept_risk, move |p: TxProgress| {
                if p.stage == "sent"
                    && let Some(hash) = p.hash.as_deref().and_then(|h| h.parse().ok())
                {
                    let _ = sent.send(hash);
                }
                prompt.progress(&p);
            })
            .await
            .map(drop)
            .map_err(internal)
    }

    async fn watch_asset(
        &self,
        caller: &Caller,
        network: &Network,
        token: Address,
        symbol: Option<String>,
    ) -> Result<bool, RpcError> {
        let answer =
            self.prompt.ask(caller, &network.name, Ask::WatchAsset { token, symbol }).await;
        if !answer.approve {
            return Err(RpcError::rejected("the token"));
        }
        // Vigil reads the symbol and decimals from the contract, not from the dapp.
        let request =
            AddTokenRequest { network: network.name.clone(), address: token.to_checksum(None) };
        self.service.add_token(&request).await.map_err(|e| RpcError::invalid_params(e.message))?;
        Ok(true)
    }

    async fn sign_message(
        &self,
        caller: &Caller,
        from: Address,
        message: Vec<u8>,
    ) -> Result<Bytes, RpcError> {
        let network = match &self.network {
            Some(pinned) => pinned.clone(),
            None => self.service.networks().map_err(internal)?.network,
        };
        let ask = Ask::Message { account: from, message: message.clone() };
        if !self.prompt.ask(caller, &network, ask).await.approve {
            return Err(RpcError::rejected("the signature"));
        }
        signature_bytes(self.service.sign_message(from, &message).await)
    }

    async fn sign_typed_data(
        &self,
        caller: &Caller,
        network: &Network,
        from: Address,
        data: TypedData,
        view: TypedView,
        findings: Vec<Finding>,
    ) -> Result<Bytes, RpcError> {
        let danger =
            findings.iter().any(|f| f.severity == vigil_defi_adapters::preview::Severity::Danger);
        let ask = Ask::TypedData { account: from, view: Box::new(view), findings };
        let answer = self.prompt.ask(caller, &network.name, ask).await;
        if !answer.approve {
            return Err(RpcError::rejected("the signature"));
        }
        // A danger is signed only when the user said so, as for transactions.
        if danger && !answer.accept_risk {
            return Err(RpcError::rejected("the risk of this signature"));
        }
        signature_bytes(self.service.sign_typed_data(from, &data).await)
    }
}

/// A signature as the 65 bytes a dapp gets back.
fn signature_bytes(
    signed: Result<alloy::primitives::Signature, CommandError>,
) -> Result<Bytes, RpcError> {
    signed.map(|s| Bytes::from(s.as_bytes().to_vec())).map_err(internal)
}
