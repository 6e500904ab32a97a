//! The provider's methods: who is asking, what they may see, and the chain's answers to what
//! only reads. A request from a page carries its `Origin`; a program on this computer sends
//! none and is treated as one caller, "a local program", that the user connects once.

use std::{borrow::Cow, collections::BTreeMap, sync::Arc, sync::Mutex};

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256, Bytes},
    providers::Provider as _,
    rpc::types::TransactionRequest,
    transports::{RpcError as TransportError, TransportErrorKind},
};
use serde_json::{Value, json, value::RawValue};
use tokio::sync::broadcast;
use vigil_defi_adapters::{ChainClient, Network};

use crate::{
    rpc::{Request, RpcError},
    typed::{self, TypedView},
};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Caller {
    /// A web page, by its origin (`https://app.uniswap.org`).
    Site(String),
    /// A program on this computer that sent no `Origin` (a script, `cast`).
    Local,
}

impl Caller {
    /// The key its permission is kept under.
    pub fn key(&self) -> &str {
        match self {
            Self::Site(origin) => origin,
            Self::Local => "local program",
        }
    }
}

impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// The wallet's side of a connection: its accounts, and the user's answer to a request.
#[async_trait::async_trait]
pub trait Approver: Send + Sync {
    /// The accounts `caller` may see, of `offered` (the wallet's, the selected one first), as
    /// the user chose; `None`: the user refused.
    async fn connect(&self, caller: &Caller, offered: &[Address]) -> Option<Vec<Address>>;
}

/// What signs: the front-end previews each request the way it previews its own actions (the
/// same simulation, balance changes, fee and findings), asks the user, then signs with the
/// keychain or the Ledger and sends. It answers with what the dapp gets back.
#[async_trait::async_trait]
pub trait Signer: Send + Sync {
    /// Previews, asks and sends `tx` from `from` for `caller`; the transaction's hash.
    async fn send_transaction(
        &self,
        caller: &Caller,
        from: Address,
        tx: TransactionRequest,
    ) -> Result<B256, RpcError>;

    /// Asks whether to add the token at `token` (which has code) to the network's list
    /// (`wallet_watchAsset`); `symbol` is what the dapp calls it. Whether it was added.
    async fn watch_asset(
        &self,
        caller: &Caller,
        token: Address,
        symbol: Option<String>,
    ) -> Result<bool, RpcError>;

    /// Shows `message` (`personal_sign`), asks, and signs it as `from`; the 65-byte signature.
    async fn sign_message(
        &self,
        caller: &Caller,
        from: Address,
        message: Vec<u8>,
    ) -> Result<Bytes, RpcError>;

    /// Shows typed data decoded (`view`: every field, and what a permit grants, with
    /// `findings`), asks, and signs it as `from`.
    async fn sign_typed_data(
        &self,
        caller: &Caller,
        from: Address,
        data: TypedData,
        view: TypedView,
        findings: Vec<String>,
    ) -> Result<Bytes, RpcError>;
}

/// The wallet's Ethereum accounts, the selected one first.
pub trait Accounts: Send + Sync {
    /// The accounts.
    fn accounts(&self) -> Vec<Address>;
}

/// The connections the user granted, by caller key. Kept by the wallet (its database); an
/// in-memory implementation serves tests and the headless provider.
pub trait Permissions: Send + Sync {
    /// The accounts `key` may see, if connected.
    fn get(&self, key: &str) -> Option<Vec<Address>>;
    /// Connects `key` to `accounts`.
    fn set(&self, key: &str, accounts: Vec<Address>);
    /// Disconnects `key`; whether it was connected.
    fn revoke(&self, key: &str) -> bool;
    /// Every connection, by key.
    fn list(&self) -> Vec<(String, Vec<Address>)>;
}

/// [`Permissions`] in memory.
#[derive(Debug, Default)]
pub struct MemoryPermissions(Mutex<BTreeMap<String, Vec<Address>>>);

impl MemoryPermissions {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<Address>>> {
        // A panic elsewhere leaves a plain map behind, still whole.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Permissions for MemoryPermissions {
    fn get(&self, key: &str) -> Option<Vec<Address>> {
        self.map().get(key).cloned()
    }
    fn set(&self, key: &str, accounts: Vec<Address>) {
        self.map().insert(key.to_owned(), accounts);
    }
    fn revoke(&self, key: &str) -> bool {
        self.map().remove(key).is_some()
    }
    fn list(&self) -> Vec<(String, Vec<Address>)> {
        self.map().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

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
    /// The network changed.
    ChainChanged {
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

/// The provider of one network.
pub struct Provider {
    network: Network,
    client: Arc<ChainClient>,
    accounts: Arc<dyn Accounts>,
    approver: Arc<dyn Approver>,
    permissions: Arc<dyn Permissions>,
    signer: Arc<dyn Signer>,
    events: broadcast::Sender<ProviderEvent>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("network", &self.network.name).finish()
    }
}

impl Provider {
    /// A provider of `network` (read through `client`).
    pub fn new(
        network: Network,
        client: Arc<ChainClient>,
        accounts: Arc<dyn Accounts>,
        approver: Arc<dyn Approver>,
        permissions: Arc<dyn Permissions>,
        signer: Arc<dyn Signer>,
    ) -> Self {
        let (events, _) = broadcast::channel(64);
        Self { network, client, accounts, approver, permissions, signer, events }
    }

    /// The events subscribers hear.
    pub fn events(&self) -> broadcast::Receiver<ProviderEvent> {
        self.events.subscribe()
    }

    /// The network it serves.
    pub fn network(&self) -> &Network {
        &self.network
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
    fn permitted(&self, caller: &Caller) -> Option<Vec<Address>> {
        let granted = self.permissions.get(caller.key())?;
        let held = self.accounts.accounts();
        Some(granted.into_iter().filter(|a| held.contains(a)).collect())
    }

    /// Answers one request from `caller`.
    pub async fn handle(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        match req.method.as_str() {
            "eth_chainId" => Ok(json!(format!("{:#x}", self.network.chain_id))),
            "net_version" => Ok(json!(self.network.chain_id.to_string())),
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
            method if READS.contains(&method) => self.forward(method, &req.params).await,
            method => Err(RpcError::new(
                RpcError::UNSUPPORTED_METHOD,
                format!("Vigil does not provide {method}"),
            )),
        }
    }

    /// The caller's accounts, asking the user to connect it when it is not yet.
    async fn request_accounts(&self, caller: &Caller) -> Result<Vec<Address>, RpcError> {
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
        let chosen = self
            .approver
            .connect(caller, &offered)
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

    /// `eth_sendTransaction`: from an account the caller may use, on this chain, then
    /// previewed, approved and sent by the [`Signer`].
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
        let mut permitted = self.permitted(caller).unwrap_or_default();
        // A local program (a script, `cast send --unlocked`) never asks for accounts first: it
        // is asked to be connected at its first transaction, once.
        if permitted.is_empty() && *caller == Caller::Local {
            permitted = self.request_accounts(caller).await?;
        }
        if !permitted.contains(&from) {
            return Err(RpcError::new(
                RpcError::UNAUTHORIZED,
                format!("{caller} may not use {from}: connect it to that account in Vigil first"),
            ));
        }
        if let Some(chain) = tx.chain_id.filter(|c| *c != self.network.chain_id) {
            return Err(RpcError::new(
                4901,
                format!(
                    "the transaction is for chain {chain}; Vigil is on {} (chain {})",
                    self.network.name, self.network.chain_id
                ),
            ));
        }
        let hash = self.signer.send_transaction(caller, from, tx).await?;
        Ok(json!(hash))
    }

    /// The account a signing request names, if `caller` may use it.
    fn signing_account(&self, caller: &Caller, value: Option<&Value>) -> Result<Address, RpcError> {
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

    /// `wallet_watchAsset {type: "ERC20", options: {address, symbol, decimals}}` (EIP-747),
    /// from a connected caller, for a contract.
    async fn watch_asset(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        if self.permitted(caller).is_none_or(|a| a.is_empty()) {
            return Err(RpcError::unauthorized(caller.key()));
        }
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
        if !self.has_code(token).await? {
            return Err(RpcError::invalid_params(format!(
                "{token} has no code on {}: it is not a token there",
                self.network.name
            )));
        }
        let symbol = options.get("symbol").and_then(Value::as_str).map(str::to_owned);
        Ok(json!(self.signer.watch_asset(caller, token, symbol).await?))
    }

    /// `personal_sign [message, account]`: the message as hex bytes (or text).
    async fn personal_sign(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        let from = self.signing_account(caller, req.params.get(1))?;
        let message =
            req.params.get(0).and_then(Value::as_str).ok_or_else(|| {
                RpcError::invalid_params("personal_sign takes [message, account]")
            })?;
        let bytes = match message.strip_prefix("0x") {
            Some(hex) => alloy::hex::decode(hex)
                .map_err(|e| RpcError::invalid_params(format!("the message is not hex: {e}")))?,
            None => message.as_bytes().to_vec(),
        };
        let signature = self.signer.sign_message(caller, from, bytes).await?;
        Ok(json!(signature))
    }

    /// `eth_signTypedData_v4 [account, typedData]`: decoded for the user, refused for another
    /// chain, with a danger finding for a permit to an address without code or without end.
    async fn sign_typed_data(&self, req: &Request, caller: &Caller) -> Result<Value, RpcError> {
        let from = self.signing_account(caller, req.params.get(0))?;
        let data: TypedData = req
            .params
            .get(1)
            .cloned()
            .ok_or_else(|| {
                RpcError::invalid_params("eth_signTypedData_v4 takes [account, typedData]")
            })
            .and_then(|v| {
                serde_json::from_value(v)
                    .map_err(|e| RpcError::invalid_params(format!("not EIP-712 typed data: {e}")))
            })?;
        let view = typed::describe(&data).map_err(|e| RpcError::invalid_params(e.to_string()))?;
        if let Some(chain) = view.chain_id.filter(|c| *c != self.network.chain_id) {
            return Err(RpcError::invalid_params(format!(
                "the typed data is for chain {chain}, not {} (chain {}): Vigil does not sign it",
                self.network.name, self.network.chain_id
            )));
        }
        let mut findings = Vec::new();
        if let Some(g) = &view.grant {
            // Unreadable counts as no code: the danger is said rather than missed.
            if !self.has_code(g.spender).await.unwrap_or(false) {
                findings.push(format!(
                    "Danger: this lets {} move your tokens, and it is not a contract: an address that can take them at will",
                    g.spender
                ));
            }
            if g.until.is_none() {
                findings.push("Danger: this grant never ends".to_owned());
            }
            if g.amount.is_none() {
                findings.push("Warning: this grant is unlimited".to_owned());
            }
        }
        let signature = self.signer.sign_typed_data(caller, from, data, view, findings).await?;
        Ok(json!(signature))
    }

    /// Whether `address` has code (is a contract) at the latest block.
    async fn has_code(&self, address: Address) -> Result<bool, RpcError> {
        let code = self.forward("eth_getCode", &json!([address, "latest"])).await?;
        Ok(code.as_str().is_some_and(|c| c.len() > 2))
    }

    /// A read, forwarded to the network's endpoints with fail-over. The node's own error
    /// (a revert with its data) comes back as it was.
    async fn forward(&self, method: &str, params: &Value) -> Result<Value, RpcError> {
        let params: Box<RawValue> = match params {
            Value::Null => RawValue::from_string("[]".into()),
            other => serde_json::value::to_raw_value(other),
        }
        .map_err(|e| RpcError::invalid_params(e.to_string()))?;
        let method: Cow<'static, str> = Cow::Owned(method.to_owned());
        let answer = self
            .client
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
}

/// Addresses as EIP-55 strings (ethers v6 compares them so).
fn checksummed(accounts: &[Address]) -> Vec<String> {
    accounts.iter().map(|a| a.to_checksum(None)).collect()
}
