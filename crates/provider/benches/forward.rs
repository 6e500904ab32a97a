//! What the provider costs a dapp on loopback, against the devnet: the latency it adds to a
//! forwarded `eth_call` (target: under 1 ms at p50), read requests forwarded per second with
//! 8 clients at once, and the time from `eth_sendTransaction` to the preview being ready to
//! show (the same simulation the app runs; the window then draws it).
//! Run: `scripts/offline.sh cargo bench -p vigil-provider --bench forward`.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, Bytes},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use vigil_defi_adapters::{
    ChainClient, Network, abi::IERC20, preview, preview::Finding, simulate, testing::report,
};
use vigil_devnet::DEMO_ACCOUNTS;
use vigil_provider::{
    Accounts, Approver, Bound, Caller, ChainProposal, MemoryChains, MemoryPermissions, Provider,
    RpcError, Signer, TypedView,
};

/// Connects every caller to the first demo account; adds nothing.
struct Yes;

#[async_trait::async_trait]
impl Approver for Yes {
    async fn connect(&self, _: &Caller, _: &Network, offered: &[Address]) -> Option<Vec<Address>> {
        Some(offered[..1].to_vec())
    }
    async fn add_chain(&self, _: &Caller, _: &ChainProposal) -> bool {
        false
    }
    async fn relay(&self, _: &Caller) -> bool {
        false
    }
}

/// Previews each transaction as the core does (simulation, changes, fee, findings), notes when
/// the preview is ready, and refuses: what the app would show, without a window.
struct Previewer {
    client: Arc<ChainClient>,
    ready: Mutex<Vec<Instant>>,
}

#[async_trait::async_trait]
impl Signer for Previewer {
    async fn send(
        &self,
        _: &Caller,
        network: &Network,
        from: Address,
        calls: Vec<TransactionRequest>,
        _: mpsc::UnboundedSender<B256>,
    ) -> Result<(), RpcError> {
        let steps = calls.into_iter().map(|request| simulate::Step::new("call", request)).collect();
        let plan = simulate::Plan { from, steps };
        preview::review_call(&self.client, network, plan, Vec::new(), &|a| {
            preview::listed_label(network, a)
        })
        .await
        .map_err(|e| RpcError::new(RpcError::INTERNAL, e.to_string()))?;
        self.ready.lock().unwrap_or_else(|p| p.into_inner()).push(Instant::now());
        Err(RpcError::rejected("the transaction"))
    }
    async fn watch_asset(
        &self,
        _: &Caller,
        _: &Network,
        _: Address,
        _: Option<String>,
    ) -> Result<bool, RpcError> {
        Ok(false)
    }
    async fn sign_message(&self, _: &Caller, _: Address, _: Vec<u8>) -> Result<Bytes, RpcError> {
        Err(RpcError::rejected("the signature"))
    }
    async fn sign_typed_data(
        &self,
        _: &Caller,
        _: &Network,
        _: Address,
        _: alloy::dyn_abi::TypedData,
        _: TypedView,
        _: Vec<Finding>,
    ) -> Result<Bytes, RpcError> {
        Err(RpcError::rejected("the signature"))
    }
}

struct Wallet;
impl Accounts for Wallet {
    fn accounts(&self) -> Vec<Address> {
        DEMO_ACCOUNTS[..1].to_vec()
    }
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    let res = http.post(url).json(body).send().await.unwrap_or_else(|e| panic!("{e}"));
    res.json().await.unwrap_or_else(|e| panic!("{e}"))
}

/// Requests answered per second by `url` with `clients` at once, for `span`.
async fn throughput(url: &str, body: Value, clients: usize, span: Duration) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (url, body) = (url.to_owned(), body.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut n = 0u64;
                while started.elapsed() < span {
                    let answer = post(&http, &url, &body).await;
                    assert!(answer.get("result").is_some(), "{answer}");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or_else(|e| panic!("{e}"));
    }
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (devnet, network, client) =
        vigil_defi_adapters::testing::devnet(dir.path()).await.unwrap_or_else(|e| panic!("{e}"));
    let client = Arc::new(client);
    let signer = Arc::new(Previewer { client: client.clone(), ready: Mutex::default() });
    let provider = Arc::new(Provider::new(
        Arc::new(MemoryChains::new(vec![(network.clone(), client.clone())])),
        Arc::new(Wallet),
        Arc::new(Yes),
        Arc::new(MemoryPermissions::default()),
        signer.clone(),
    ));
    let bound = Bound::bind(provider, 0).await.unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{}", bound.addr());
    tokio::spawn(bound.serve(std::future::pending()));
    let node = devnet.url().to_owned();
    let http = reqwest::Client::new();

    // A token balance read, as a dapp's page makes dozens of.
    let usdc = devnet.manifest().tokens["USDC"].address;
    let data = IERC20::balanceOfCall { owner: DEMO_ACCOUNTS[0] }.abi_encode();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call",
        "params": [{"to": usdc, "data": alloy::hex::encode_prefixed(data)}, "latest"]});
    let runs = 2_000;
    for _ in 0..200 {
        post(&http, &url, &call).await;
        post(&http, &node, &call).await;
    }
    let (mut direct, mut through) = (Vec::new(), Vec::new());
    // Interleaved, so that both see the same node and the same machine.
    for _ in 0..runs {
        let t = Instant::now();
        post(&http, &node, &call).await;
        direct.push(t.elapsed());
        let t = Instant::now();
        post(&http, &url, &call).await;
        through.push(t.elapsed());
    }
    let p50 = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let added = p50(&mut through).saturating_sub(p50(&mut direct));
    report("eth_call straight to the node", direct, 1.0);
    report("eth_call through the provider", through, 1.0);
    println!("{:<40} p50 {:>7.3} ms", "  latency the provider adds", added.as_secs_f64() * 1e3);

    let span = Duration::from_secs(3);
    let block = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"});
    let direct = throughput(&node, block.clone(), 8, span).await;
    let through = throughput(&url, block, 8, span).await;
    println!(
        "{:<40} {direct:>8.0} /s straight, {through:>8.0} /s through the provider",
        "eth_blockNumber, 8 clients"
    );
    let direct = throughput(&node, call.clone(), 8, span).await;
    let through = throughput(&url, call, 8, span).await;
    println!(
        "{:<40} {direct:>8.0} /s straight, {through:>8.0} /s through the provider",
        "eth_call (balanceOf), 8 clients"
    );

    // From eth_sendTransaction to a preview ready to draw, for an ERC-20 transfer.
    let connect = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_requestAccounts"});
    post(&http, &url, &connect).await;
    let transfer = IERC20::transferCall {
        to: DEMO_ACCOUNTS[1],
        amount: alloy::primitives::U256::from(1_000_000u64),
    }
    .abi_encode();
    let send = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_sendTransaction",
        "params": [{"from": DEMO_ACCOUNTS[0], "to": usdc, "data": alloy::hex::encode_prefixed(transfer)}]});
    let mut times = Vec::new();
    let before = client.requests();
    for _ in 0..100 {
        let t = Instant::now();
        let answer = post(&http, &url, &send).await;
        assert_eq!(answer["error"]["code"], 4001, "{answer}");
        let ready = *signer
            .ready
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .unwrap_or_else(|| panic!("no preview"));
        times.push(ready - t);
    }
    report(
        "eth_sendTransaction -> preview ready",
        times,
        (client.requests() - before) as f64 / 100.0,
    );
}
