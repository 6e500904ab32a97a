//! The provider's test harness: the devnet behind a provider served on a free port, a
//! scripted user, and a stand-in signer that sends with the network's unlocked accounts.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use std::{
    collections::VecDeque,
    path::Path,
    sync::{Arc, Mutex},
};

use alloy::{primitives::Address, providers::Provider as _};
use serde_json::{Value, json};
use vigil_defi_adapters::{Network, preview::Finding};
use vigil_devnet::{DEMO_ACCOUNTS, Devnet};
use vigil_provider::{
    Accounts, Approver, Bound, Caller, ChainProposal, MemoryChains, MemoryPermissions, Provider,
    RpcError, Signer,
};

/// The user, scripted: each connection request takes the next answer; each network to add
/// the next of `add_answers`.
#[derive(Default)]
pub struct User {
    pub answers: Mutex<VecDeque<Option<Vec<Address>>>>,
    pub asked: Mutex<Vec<Caller>>,
    pub add_answers: Mutex<VecDeque<bool>>,
    pub proposals: Mutex<Vec<ChainProposal>>,
    pub relay_answers: Mutex<VecDeque<bool>>,
    pub relays: Mutex<Vec<Caller>>,
    /// When set, the next connection request waits for it (a user taking their time).
    pub hold: Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
}

#[async_trait::async_trait]
impl Approver for User {
    async fn connect(
        &self,
        caller: &Caller,
        _network: &Network,
        _offered: &[Address],
    ) -> Option<Vec<Address>> {
        let hold = self.hold.lock().unwrap().take();
        if let Some(hold) = hold {
            let _ = hold.await;
        }
        self.asked.lock().unwrap().push(caller.clone());
        self.answers.lock().unwrap().pop_front().expect("an unexpected connection request")
    }

    async fn add_chain(&self, _caller: &Caller, proposal: &ChainProposal) -> bool {
        self.proposals.lock().unwrap().push(proposal.clone());
        self.add_answers.lock().unwrap().pop_front().expect("an unexpected network to add")
    }

    async fn relay(&self, extension: &Caller) -> bool {
        self.relays.lock().unwrap().push(extension.clone());
        self.relay_answers.lock().unwrap().pop_front().expect("an unexpected relay request")
    }
}

/// The front-end's signing, standing in: the network's unlocked account sends what the user
/// approved (the app's and the CLI's previews and signing have their own tests); a refusal is
/// the user's.
#[derive(Default)]
pub struct Sender {
    pub refuse: std::sync::atomic::AtomicBool,
    /// Who asked, from which account, on which chain, how many calls.
    pub asked: Mutex<Vec<(Caller, Address, u64, usize)>>,
    pub typed: Mutex<Vec<(Address, vigil_provider::TypedView, Vec<Finding>)>>,
    pub watched: Mutex<Vec<(Address, Option<String>)>>,
}

#[async_trait::async_trait]
impl Signer for Sender {
    async fn send(
        &self,
        caller: &Caller,
        network: &Network,
        from: Address,
        calls: Vec<alloy::rpc::types::TransactionRequest>,
        sent: tokio::sync::mpsc::UnboundedSender<alloy::primitives::B256>,
    ) -> Result<(), RpcError> {
        self.asked.lock().unwrap().push((caller.clone(), from, network.chain_id, calls.len()));
        if self.refuse.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(RpcError::rejected("the transaction"));
        }
        let node =
            alloy::providers::ProviderBuilder::new().connect_http(network.rpc_urls[0].clone());
        for tx in calls {
            let pending = node
                .send_transaction(tx)
                .await
                .map_err(|e| RpcError::new(-32603, e.to_string()))?;
            let hash = *pending.tx_hash();
            let _ = sent.send(hash);
            pending.get_receipt().await.map_err(|e| RpcError::new(-32603, e.to_string()))?;
        }
        Ok(())
    }

    async fn sign_message(
        &self,
        _caller: &Caller,
        _from: Address,
        _message: Vec<u8>,
    ) -> Result<alloy::primitives::Bytes, RpcError> {
        Err(RpcError::rejected("the signature"))
    }

    async fn watch_asset(
        &self,
        _caller: &Caller,
        _network: &Network,
        token: Address,
        symbol: Option<String>,
    ) -> Result<bool, RpcError> {
        self.watched.lock().unwrap().push((token, symbol));
        Ok(true)
    }

    /// Records what the user would see, and refuses.
    async fn sign_typed_data(
        &self,
        _caller: &Caller,
        _network: &Network,
        from: Address,
        _data: alloy::dyn_abi::TypedData,
        view: vigil_provider::TypedView,
        findings: Vec<Finding>,
    ) -> Result<alloy::primitives::Bytes, RpcError> {
        self.typed.lock().unwrap().push((from, view, findings));
        Err(RpcError::rejected("the signature"))
    }
}

pub struct Wallet;
impl Accounts for Wallet {
    fn accounts(&self) -> Vec<Address> {
        DEMO_ACCOUNTS[..2].to_vec()
    }
}

pub struct Running {
    pub _devnet: Devnet,
    pub chain_id: u64,
    pub url: String,
    pub user: Arc<User>,
    pub sender: Arc<Sender>,
    pub provider: Arc<Provider>,
    pub http: reqwest::Client,
}

pub async fn start() -> Running {
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let user = Arc::new(User::default());
    let sender = Arc::new(Sender::default());
    let chain_id = network.chain_id;
    let provider = Arc::new(Provider::new(
        Arc::new(MemoryChains::new(vec![(network, Arc::new(client))])),
        Arc::new(Wallet),
        user.clone(),
        Arc::new(MemoryPermissions::default()),
        sender.clone(),
    ));
    let bound = Bound::bind(provider.clone(), 0).await.unwrap();
    let url = format!("http://{}", bound.addr());
    tokio::spawn(bound.serve(std::future::pending()));
    Running { _devnet: devnet, chain_id, url, user, sender, provider, http: reqwest::Client::new() }
}

impl Running {
    /// A JSON-RPC call from `origin` (`None`: a local program), and the HTTP status.
    pub async fn call(&self, origin: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn rpc(&self, origin: Option<&str>, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (status, answer) = self.call(origin, body).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    pub fn answer(&self, a: Option<Vec<Address>>) {
        self.user.answers.lock().unwrap().push_back(a);
    }
}

pub const DAPP: &str = "https://dapp.example";
