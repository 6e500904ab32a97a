//! What the provider needs from the wallet behind it, as traits: who is asking ([`Caller`]),
//! the accounts and networks the wallet has, the connections the user granted, and the user's
//! answers and signatures (a front-end's previews and prompts). Each trait has an in-memory
//! implementation for tests and for the headless provider where one makes sense.

use std::{collections::BTreeMap, sync::Arc, sync::Mutex};

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, B256, Bytes},
    rpc::types::TransactionRequest,
};
use tokio::sync::mpsc;
use url::Url;
use vigil_defi_adapters::{ChainClient, Network, preview::Finding};

use crate::{rpc::RpcError, typed::TypedView};

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
            Self::Local => LOCAL_PROGRAM,
        }
    }

    /// The caller a permission key names.
    pub fn from_key(key: &str) -> Self {
        if key == LOCAL_PROGRAM { Self::Local } else { Self::Site(key.to_owned()) }
    }
}

/// The key of programs on this computer.
const LOCAL_PROGRAM: &str = "local program";

impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A network a dapp asks Vigil to add (`wallet_addEthereumChain`, EIP-3085), checked: its
/// endpoint answered with its chain id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProposal {
    /// The chain id.
    pub chain_id: u64,
    /// What the dapp calls it.
    pub name: String,
    /// Its endpoints (http or https), the first one checked.
    pub rpc_urls: Vec<Url>,
    /// The native coin's symbol.
    pub native_symbol: String,
    /// Its block explorer.
    pub explorer: Option<Url>,
}

impl ChainProposal {
    /// The proposal as a network: no protocols known on it (as a network the user adds by
    /// hand).
    pub fn network(&self) -> Network {
        Network {
            name: self.name.clone(),
            chain_id: self.chain_id,
            rpc_urls: self.rpc_urls.clone(),
            ws_url: None,
            explorer: self.explorer.clone(),
            native_symbol: self.native_symbol.clone(),
            protocols: Default::default(),
            tokens: vec![],
            fiat_feeds: Default::default(),
            max_fee_gwei: vigil_defi_adapters::default_max_fee_gwei(self.chain_id),
            private_tx_url: None,
            feed_heartbeats: Default::default(),
        }
    }
}

/// The user's answers to what only asks (connections, networks to add).
#[async_trait::async_trait]
pub trait Approver: Send + Sync {
    /// The accounts `caller` may see, of `offered` (the wallet's, the selected one first), as
    /// the user chose, on `network`; `None`: the user refused.
    async fn connect(
        &self,
        caller: &Caller,
        network: &Network,
        offered: &[Address],
    ) -> Option<Vec<Address>>;

    /// Whether the user adds `proposal` to the wallet's networks.
    async fn add_chain(&self, caller: &Caller, proposal: &ChainProposal) -> bool;

    /// Whether the browser extension `extension` may relay web pages to Vigil (each page
    /// still asks to connect on its own).
    async fn relay(&self, extension: &Caller) -> bool;
}

/// What signs: the front-end previews each request the way it previews its own actions (the
/// same simulation, balance changes, fee and findings), asks the user, then signs with the
/// keychain or the Ledger and sends. It answers with what the dapp gets back.
#[async_trait::async_trait]
pub trait Signer: Send + Sync {
    /// Previews `calls` from `from` on `network` as one plan, asks, and sends them in order,
    /// each hash on `sent` as it goes out. Returns once all are final, or with the error that
    /// stopped them (a refusal before any was sent is 4001).
    async fn send(
        &self,
        caller: &Caller,
        network: &Network,
        from: Address,
        calls: Vec<TransactionRequest>,
        sent: mpsc::UnboundedSender<B256>,
    ) -> Result<(), RpcError>;

    /// Asks whether to add the token at `token` (which has code) to `network`'s list
    /// (`wallet_watchAsset`); `symbol` is what the dapp calls it. Whether it was added.
    async fn watch_asset(
        &self,
        caller: &Caller,
        network: &Network,
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

    /// Shows typed data decoded (`view`: every field, what a permit grants or an order
    /// trades, and `findings`), asks, and signs it as `from`.
    async fn sign_typed_data(
        &self,
        caller: &Caller,
        network: &Network,
        from: Address,
        data: TypedData,
        view: TypedView,
        findings: Vec<Finding>,
    ) -> Result<Bytes, RpcError>;
}

/// The wallet's Ethereum accounts, the selected one first.
pub trait Accounts: Send + Sync {
    /// The accounts.
    fn accounts(&self) -> Vec<Address>;
}

/// The networks the wallet has, by chain id.
#[async_trait::async_trait]
pub trait Chains: Send + Sync {
    /// The network the user selected in Vigil: a caller that chose none is on it.
    async fn selected(&self) -> Result<(Network, Arc<ChainClient>), RpcError>;
    /// The network with `chain_id`, if the wallet has one.
    async fn get(&self, chain_id: u64) -> Result<Option<(Network, Arc<ChainClient>)>, RpcError>;
    /// Adds a network the user approved, as a network the user adds in Settings.
    async fn add(&self, proposal: &ChainProposal) -> Result<(), RpcError>;
}

/// [`Chains`] in memory: the networks given, the first one selected; an added one gets no
/// protocols (as a network the user adds by hand).
#[derive(Debug, Default)]
pub struct MemoryChains(Mutex<Vec<(Network, Arc<ChainClient>)>>);

impl MemoryChains {
    /// These networks, the first selected.
    pub fn new(networks: Vec<(Network, Arc<ChainClient>)>) -> Self {
        Self(Mutex::new(networks))
    }

    fn list(&self) -> std::sync::MutexGuard<'_, Vec<(Network, Arc<ChainClient>)>> {
        // A panic elsewhere leaves a plain list behind, still whole.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl Chains for MemoryChains {
    async fn selected(&self) -> Result<(Network, Arc<ChainClient>), RpcError> {
        self.list()
            .first()
            .cloned()
            .ok_or_else(|| RpcError::new(RpcError::INTERNAL, "Vigil has no Ethereum network"))
    }

    async fn get(&self, chain_id: u64) -> Result<Option<(Network, Arc<ChainClient>)>, RpcError> {
        Ok(self.list().iter().find(|(n, _)| n.chain_id == chain_id).cloned())
    }

    async fn add(&self, proposal: &ChainProposal) -> Result<(), RpcError> {
        let network = proposal.network();
        let client = ChainClient::connect(&network)
            .await
            .map_err(|e| RpcError::new(RpcError::INTERNAL, e.to_string()))?;
        self.list().push((network, Arc::new(client)));
        Ok(())
    }
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
