//! The provider's methods: who is asking, what they may see, the chain each caller is on, and
//! the chain's answers to what only reads. A request from a page carries its `Origin`; a
//! program on this computer sends none and is treated as one caller, "a local program", that
//! the user connects once. Signing methods are in `signing`, chains in `chains`, EIP-5792
//! calls in `calls`.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{Arc, Mutex},
};

use alloy::{
    primitives::{Address, B256},
    providers::Provider as _,
    rpc::types::TransactionRequest,
    transports::{RpcError as TransportError, TransportErrorKind},
};
use serde_json::{Value, json, value::RawValue};
use tokio::sync::{broadcast, mpsc};
use vigil_defi_adapters::{ChainClient, Network};

use crate::{
    calls::Bundles,
    front::{Accounts, Approver, Caller, Chains, Permissions, Signer},
    rpc::{Request, RpcError},
};

/// What subscribers hear (EIP-1193's `accountsChanged` and `chainChanged`).
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderEvent {
    /// The accounts a caller may see changed (connected, revoked).
    AccountsChanged {
        /// The caller's key.
        key: String,
        /// What it may see now.
        accounts: Vec<Address>,
    },
    /// The chain a caller is on changed.
    ChainChanged {
        /// The caller's key; `None`: every caller on the selected network (the user picked
        /// another one in Vigil).
        key: Option<String>,
        /// The new chain id.
        chain_id: u64,
    },
}

/// Methods that only read the chain: forwarded to the network's endpoints, with fail-over.
const READS: &[&str] = &[
    "eth_blockNumber",
    "eth_call",
    "eth_estimateGas",
    "eth_feeHistory",
    "eth_gasPrice",
    "eth_getBalance",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getCode",
    "eth_getLogs",
    "eth_getProof",
    "eth_getStorageAt",
    "eth_getTransactionByHash",
    "eth_getTransactionCount",
    "eth_getTransactionReceipt",
    "eth_maxPriorityFeePerGas",
    "eth_syncing",
    "web3_clientVersion",
];

/// The provider: the wallet's accounts and networks, to every caller as the user allows.
pub struct Provider {
    pub(crate) chains: Arc<dyn Chains>,
    pub(crate) accounts: Arc<dyn Accounts>,
    pub(crate) approver: Arc<dyn Approver>,
    pub(crate) permissions: Arc<dyn Permissions>,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) events: broadcast::Sender<ProviderEvent>,
    /// The chain each caller switched to, by key; the others are on the selected network.
    pub(crate) chosen: Mutex<HashMap<String, u64>>,
    /// EIP-5792 call bundles sent, by id.
    pub(crate) bundles: Bundles,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").finish_non_exhaustive()
    }
}

/// How an extension allowed to relay pages is kept among the connections.
pub const RELAY_PREFIX: &str = "relay:";

/// A network a caller is on, and its client.
pub(crate) type OnChain = (Network, Arc<ChainClient>);

impl Provider {
    /// A provider of the wallet's `chains` and `accounts`.
    pub fn new(
        chains: Arc<dyn Chains>,
        accounts: Arc<dyn Accounts>,
        approver: Arc<dyn Approver>,
        permissions: Arc<dyn Permissions>,
        signer: Arc<dyn Signer>,
    ) -> Self {
        let (events, _) = broadcast::channel(64);
        Self {
            chains,
            accounts,
            approver,
            permissions,
            signer,
            events,
            chosen: Mutex::default(),
            bundles: Bundles::default(),
        }
    }

    /// The events subscribers hear.
    pub fn events(&self) -> broadcast::Receiver<ProviderEvent> {
        self.events.subscribe()
    }

    /// The user picked another network in Vigil: callers that chose none follow it.
    pub fn selection_changed(&self, chain_id: u64) {
        let _ = self.events.send(ProviderEvent::ChainChanged { key: None, chain_id });
    }

    /// Whether `caller` switched to a chain of its own.
    pub fn has_own_chain(&self, caller: &Caller) -> bool {
        self.chosen_chains().contains_key(caller.key())
    }

    /// Whether the browser extension at `extension` may relay pages: asked once, then kept
    /// with the connections (where the user can revoke it like a dapp's).
    pub async fn trust_relay(&self, extension: &str) -> bool {
        let key = format!("{RELAY_PREFIX}{extension}");
        if self.permissions.get(&key).is_some() {
            return true;
        }
        let allowed = self.approver.relay(&Caller::Site(extension.to_owned())).await;
        if allowed {
            self.permissions.set(&key, vec![]);
        }
        allowed
    }

    /// Every connection (for Settings): the caller's key and the accounts it may see.
    pub fn connections(&self) -> Vec<(String, Vec<Address>)> {
        self.permissions.list()
    }

    pub(crate) fn chosen_chains(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        // A panic elsewhere leaves a plain map behind, still whole.
        self.chosen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The network `caller` is on: the one it switched to, else the selected one.
    pub(crate) async fn chain_of(&self, caller: &Caller) -> Result<OnChain, RpcError> {
        let chosen = self.chosen_chains().get(caller.key()).copied();
        if let Some(id) = chosen
            && let Some(on) = self.chains.get(id).await?
        {
            return Ok(on);
        }
        self.chains.selected().await
    }

    /// Disconnects `key` (from Settings); subscribers of that caller hear `accountsChanged []`.
    pub fn revoke(&self, key: &str) -> bool {
        let was = self.permissions.revoke(key);
        if was {
            let _ = self
                .events
                .send(ProviderEvent::AccountsChanged { key: key.to_owned(), accounts: vec![] });
        }
        was
    }

    /// The accounts `caller` may see now: those it was granted that the wallet still has.
    pub(crate) fn permitted(&self, caller: &Caller) -> Option<Vec<Address>> {
        let granted = self.permissions.get(caller.key())?;
        let held = self.accounts.accounts();
        Some(granted.into_iter().filter(|a| held.contains(a)).collect())
    }

    /// Answers one request from `caller`.
    pub async fn handle(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        match req.method.as_str() {
            "eth_chainId" => Ok(json!(format!("{:#x}", self.chain_of(caller).await?.0.chain_id))),
            "net_version" => Ok(json!(self.chain_of(caller).await?.0.chain_id.to_string())),
            "eth_accounts" => Ok(json!(checksummed(&self.permitted(caller).unwrap_or_default()))),
            "eth_requestAccounts" => Ok(json!(checksummed(&self.request_accounts(caller).await?))),
            "wallet_requestPermissions" => {
                self.request_accounts(caller).await?;
                Ok(json!([{ "parentCapability": "eth_accounts" }]))
            }
            "wallet_getPermissions" => Ok(match self.permitted(caller) {
                Some(_) => json!([{ "parentCapability": "eth_accounts" }]),
                None => json!([]),
            }),
            "wallet_revokePermissions" => {
                self.revoke(caller.key());
                Ok(Value::Null)
            }
            "eth_sendTransaction" => self.send_transaction(req, caller).await,
            "personal_sign" => self.personal_sign(req, caller).await,
            "eth_signTypedData_v4" => self.sign_typed_data(req, caller).await,
            "wallet_watchAsset" => self.watch_asset(req, caller).await,
            "wallet_switchEthereumChain" => self.switch_chain(req, caller).await,
            "wallet_addEthereumChain" => self.add_chain(req, caller).await,
            "wallet_getCapabilities" => self.capabilities(req, caller).await,
            "wallet_sendCalls" => self.send_calls(req, caller).await,
            "wallet_getCallsStatus" => self.calls_status(req, caller).await,
            "wallet_showCallsStatus" => Ok(Value::Null),
            method if READS.contains(&method) => {
                let (_, client) = self.chain_of(caller).await?;
                forward(&client, method, &req.params).await
            }
            method => Err(RpcError::new(
                RpcError::UNSUPPORTED_METHOD,
                format!("Vigil does not provide {method}"),
            )),
        }
    }

    /// The caller's accounts, asking the user to connect it when it is not yet.
    pub(crate) async fn request_accounts(&self, caller: &Caller) -> Result<Vec<Address>, RpcError> {
        if let Some(accounts) = self.permitted(caller).filter(|a| !a.is_empty()) {
            return Ok(accounts);
        }
        let offered = self.accounts.accounts();
        if offered.is_empty() {
            return Err(RpcError::new(
                RpcError::UNAUTHORIZED,
                "Vigil has no Ethereum account yet: create or import one in Vigil",
            ));
        }
        let (network, _) = self.chain_of(caller).await?;
        let chosen = self
            .approver
            .connect(caller, &network, &offered)
            .await
            .ok_or_else(|| RpcError::rejected(&format!("the connection of {caller}")))?;
        let chosen: Vec<Address> = chosen.into_iter().filter(|a| offered.contains(a)).collect();
        if chosen.is_empty() {
            return Err(RpcError::rejected(&format!("every account to {caller}")));
        }
        self.permissions.set(caller.key(), chosen.clone());
        let _ = self.events.send(ProviderEvent::AccountsChanged {
            key: caller.key().to_owned(),
            accounts: chosen.clone(),
        });
        Ok(chosen)
    }

    /// `eth_sendTransaction`: from an account the caller may use, on its chain, then
    /// previewed, approved and sent by the [`Signer`]; the hash once it is sent.
    async fn send_transaction(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        let tx: TransactionRequest = req
            .params
            .get(0)
            .cloned()
            .ok_or_else(|| RpcError::invalid_params("eth_sendTransaction takes [transaction]"))
            .and_then(|t| {
                serde_json::from_value(t)
                    .map_err(|e| RpcError::invalid_params(format!("not a transaction: {e}")))
            })?;
        let from =
            tx.from.ok_or_else(|| RpcError::invalid_params("the transaction has no \"from\""))?;
        let from = self.sending_account(caller, from).await?;
        let (network, _) = self.chain_of(caller).await?;
        if let Some(chain) = tx.chain_id.filter(|c| *c != network.chain_id) {
            return Err(RpcError::new(
                RpcError::CHAIN_DISCONNECTED,
                format!(
                    "the transaction is for chain {chain}; Vigil is on {} (chain {}) for {caller}",
                    network.name, network.chain_id
                ),
            ));
        }
        let mut sent = self.start_sending(caller, network, from, vec![tx]);
        let hash = sent.first().await?;
        Ok(json!(hash))
    }

    /// `from`, if `caller` may send from it. A local program (a script, `cast send
    /// --unlocked`) never asks for accounts first: it is asked to connect at its first
    /// transaction, once.
    pub(crate) async fn sending_account(
        &self,
        caller: &Caller,
        from: Address,
    ) -> Result<Address, RpcError> {
        let mut permitted = self.permitted(caller).unwrap_or_default();
        if permitted.is_empty() && *caller == Caller::Local {
            permitted = self.request_accounts(caller).await?;
        }
        if !permitted.contains(&from) {
            return Err(RpcError::new(
                RpcError::UNAUTHORIZED,
                format!("{caller} may not use {from}: connect it to that account in Vigil first"),
            ));
        }
        Ok(from)
    }

    /// Hands `calls` to the [`Signer`] in a task of their own (the user may take a while, and
    /// the dapp's request may be dropped meanwhile: what was approved still goes out).
    pub(crate) fn start_sending(
        &self,
        caller: &Caller,
        network: Network,
        from: Address,
        calls: Vec<TransactionRequest>,
    ) -> Sending {
        let (sent, hashes) = mpsc::unbounded_channel();
        let (signer, caller) = (self.signer.clone(), caller.clone());
        let done =
            tokio::spawn(async move { signer.send(&caller, &network, from, calls, sent).await });
        Sending { hashes, done: Some(done) }
    }

    /// The account a signing request names, if `caller` may use it.
    pub(crate) fn signing_account(
        &self,
        caller: &Caller,
        value: Option<&Value>,
    ) -> Result<Address, RpcError> {
        let from: Address = value
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .ok_or_else(|| RpcError::invalid_params("the account is not an address"))?;
        if !self.permitted(caller).unwrap_or_default().contains(&from) {
            return Err(RpcError::new(
                RpcError::UNAUTHORIZED,
                format!("{caller} may not use {from}: connect it to that account in Vigil first"),
            ));
        }
        Ok(from)
    }

    /// Whether `caller` is connected to some account.
    pub(crate) fn require_connected(&self, caller: &Caller) -> Result<(), RpcError> {
        match self.permitted(caller) {
            Some(accounts) if !accounts.is_empty() => Ok(()),
            _ => Err(RpcError::unauthorized(caller.key())),
        }
    }

    /// `wallet_watchAsset {type: "ERC20", options: {address, symbol, decimals}}` (EIP-747),
    /// from a connected caller, for a contract.
    async fn watch_asset(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        self.require_connected(caller)?;
        // EIP-747 sends an object; some libraries wrap it in an array.
        let p = match &req.params {
            Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        if p.get("type").and_then(Value::as_str) != Some("ERC20") {
            return Err(RpcError::invalid_params(
                "Vigil watches ERC20 tokens: {\"type\": \"ERC20\"}",
            ));
        }
        let options = p.get("options").unwrap_or(&Value::Null);
        let token: Address = options
            .get("address")
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .ok_or_else(|| RpcError::invalid_params("options.address is not an address"))?;
        let (network, client) = self.chain_of(caller).await?;
        if !has_code(&client, token).await? {
            return Err(RpcError::invalid_params(format!(
                "{token} has no code on {}: it is not a token there",
                network.name
            )));
        }
        let symbol = options.get("symbol").and_then(Value::as_str).map(str::to_owned);
        Ok(json!(self.signer.watch_asset(caller, &network, token, symbol).await?))
    }
}

/// Transactions handed to the [`Signer`]: their hashes as they are sent, and the outcome.
pub(crate) struct Sending {
    pub(crate) hashes: mpsc::UnboundedReceiver<B256>,
    pub(crate) done: Option<tokio::task::JoinHandle<Result<(), RpcError>>>,
}

impl Sending {
    /// The first hash, or why none was sent (the user's refusal among them).
    pub(crate) async fn first(&mut self) -> Result<B256, RpcError> {
        if let Some(hash) = self.hashes.recv().await {
            return Ok(hash);
        }
        // The channel closed without a hash: the task ended, with its reason.
        Err(match self.done.take() {
            Some(done) => match done.await {
                Ok(Err(e)) => e,
                Ok(Ok(())) => RpcError::new(RpcError::INTERNAL, "nothing was sent"),
                Err(e) => RpcError::new(RpcError::INTERNAL, e.to_string()),
            },
            None => RpcError::new(RpcError::INTERNAL, "nothing was sent"),
        })
    }
}

/// Whether `address` has code (is a contract) at the latest block.
pub(crate) async fn has_code(client: &ChainClient, address: Address) -> Result<bool, RpcError> {
    let code = forward(client, "eth_getCode", &json!([address, "latest"])).await?;
    Ok(code.as_str().is_some_and(|c| c.len() > 2))
}

/// A read, forwarded to the network's endpoints with fail-over. The node's own error (a revert
/// with its data) comes back as it was.
pub(crate) async fn forward(
    client: &ChainClient,
    method: &str,
    params: &Value,
) -> Result<Value, RpcError> {
    let params: Box<RawValue> = match params {
        Value::Null => RawValue::from_string("[]".into()),
        other => serde_json::value::to_raw_value(other),
    }
    .map_err(|e| RpcError::invalid_params(e.to_string()))?;
    let method: Cow<'static, str> = Cow::Owned(method.to_owned());
    let answer = client
        .request(|p| {
            let (method, params) = (method.clone(), params.clone());
            async move {
                match p.raw_request_dyn(method, &params).await {
                    Ok(value) => Ok(Ok(value)),
                    // The node answered: not a transport failure to fail over from.
                    Err(TransportError::ErrorResp(payload)) => Ok(Err(payload)),
                    Err(e) => Err::<_, TransportError<TransportErrorKind>>(e),
                }
            }
        })
        .await
        .map_err(|e| RpcError::new(RpcError::INTERNAL, e.to_string()))?;
    match answer {
        Ok(raw) => serde_json::from_str(raw.get())
            .map_err(|e| RpcError::new(RpcError::INTERNAL, format!("the node's answer: {e}"))),
        Err(payload) => Err(RpcError {
            code: payload.code,
            message: payload.message.into_owned(),
            data: payload.data.and_then(|d| serde_json::from_str(d.get()).ok()),
        }),
    }
}

/// Addresses as EIP-55 strings (ethers v6 compares them so).
fn checksummed(accounts: &[Address]) -> Vec<String> {
    accounts.iter().map(|a| a.to_checksum(None)).collect()
}
