//! A local Ethereum devnet with the real Uniswap and Aave contracts, for tests and demos.
//!
//! Job: start anvil (from the project's pinned npm package) on 127.0.0.1, deploy the
//! protocols' own bytecode read from their npm packages at run time (WETH9, mintable USDC, DAI
//! and WBTC, Uniswap V2 and V3 with liquidity, an Aave V3 market with one price aggregator per
//! asset, Multicall3), fund the demo accounts of the "test … junk" mnemonic, open a sample Aave
//! position, save the result as a snapshot that later starts load in well under a second, and
//! move oracle prices (and pools) on demand.
//!
//! Boundaries: it is never used against a public network, holds no user keys (anvil's own
//! unlocked dev accounts sign), and nothing in the wallet depends on it except as the default
//! network that the user can switch away from.

mod aave;
mod anvil;
mod artifacts;
pub mod contracts;
pub mod daemon;
mod deploy;
mod feeds;
mod manifest;
mod process;
pub mod solana;
mod venues;

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, U256, Uint},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
};

pub use anvil::{AnvilProcess, anvil_binary, node_modules};
pub use deploy::{
    DEMO_ACCOUNTS, DEPLOYER, FIAT_USD, MULTICALL3, STABLECOIN_EMODE, price_answer, sqrt_price_x96,
    units,
};
pub use feeds::FEED_HISTORY_HOURS;
pub use manifest::{
    AaveV3, Balancer, BalancerPool, DEPLOYMENT_VERSION, Manifest, Token, UniswapV2, UniswapV3,
    UniswapV4, V3Pool, V4Pool,
};

use crate::{contracts::*, deploy::Deployer};

/// The devnet's chain id (anvil's default).
pub const CHAIN_ID: u64 = 31337;
/// The name the devnet goes by among the user's networks.
pub const NETWORK: &str = "devnet";
/// The port the app's devnet listens on.
pub const DEFAULT_PORT: u16 = 8545;

/// Errors from the devnet, each saying what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevnetError {
    /// The local Solana validator is not installed.
    #[error(
        "the local Solana validator is not installed (looked for {0}): run 'make setup' in the Vigil checkout (it builds it once), or set VIGIL_SOLANA_VALIDATOR"
    )]
    SolanaValidatorMissing(PathBuf),
    /// The local Solana validator did not start.
    #[error("the local Solana validator did not start: {0}")]
    SolanaValidatorStart(String),
    /// The anvil binary is not installed.
    #[error(
        "anvil is not installed (looked for {looked_in}): run 'make setup' (or 'npm ci') in the Vigil checkout, or set VIGIL_ANVIL"
    )]
    AnvilMissing {
        /// Where it was expected.
        looked_in: PathBuf,
    },
    /// The port is taken by another program.
    #[error(
        "port {0} is already in use: stop the program using it or choose another port with --port"
    )]
    PortInUse(u16),
    /// anvil did not start.
    #[error("anvil did not start: {0}")]
    AnvilStart(String),
    /// A protocol artifact is missing or unreadable.
    #[error(
        "cannot read contract artifact {path}: {reason}. Run 'make setup' to install the protocol packages and compile the current Aave"
    )]
    MissingArtifact {
        /// The artifact file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A deployment step failed.
    #[error("deployment failed: {0}")]
    Deploy(String),
    /// The node did not answer as expected.
    #[error("devnet RPC failed: {0}")]
    Rpc(String),
    /// A state file could not be read or written.
    #[error("devnet state {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The symbol is not a devnet token.
    #[error("unknown token '{0}': the devnet has WETH, USDC, DAI and WBTC")]
    UnknownToken(String),
    /// Prices must be positive and finite.
    #[error("invalid price {0}: give a positive number of US dollars, like 1450.5")]
    InvalidPrice(String),
    /// Moving a market to a new price failed (the oracle may already show it).
    #[error(
        "the oracle says {symbol} is ${usd}, but its pools could not follow: {reason}. Try another price, or 'vigil devnet reset'"
    )]
    PriceMove {
        /// The token whose price moved.
        symbol: String,
        /// The price asked for, in USD.
        usd: f64,
        /// What the node said.
        reason: String,
    },
    /// No devnet is running where one was expected.
    #[error("the devnet is not running: start it with 'vigil devnet up'")]
    NotRunning,
}

/// Where the devnet keeps its snapshot and state.
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    /// The pristine snapshot and its manifest (shared by every devnet started from it).
    pub snapshot_dir: PathBuf,
    /// The current state, saved on stop and loaded on start; `None` starts from pristine.
    pub state_file: Option<PathBuf>,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Its chain id: [`CHAIN_ID`], or another one for a second local chain (a test bed for
    /// networks the user configures like a public one).
    pub chain_id: u64,
}

impl DevnetOptions {
    /// A devnet for tests: a free port, no saved state, the pristine snapshot shared by every
    /// test under `dir` (the first one to start deploys it).
    pub fn shared(dir: &Path) -> Self {
        Self {
            snapshot_dir: dir.join("devnet-snapshot"),
            state_file: None,
            port: 0,
            chain_id: CHAIN_ID,
        }
    }

    /// The app's devnet under `data_dir`: fixed port, state kept between runs.
    pub fn app(data_dir: &Path) -> Self {
        let dir = data_dir.join("devnet");
        Self {
            state_file: Some(dir.join("current.state")),
            snapshot_dir: dir,
            port: DEFAULT_PORT,
            chain_id: CHAIN_ID,
        }
    }

    /// A second local chain with its own chain id and its own deployment of every protocol
    /// (its snapshot shared under `dir` like [`DevnetOptions::shared`]'s), on a free port.
    pub fn other_chain(dir: &Path, chain_id: u64) -> Self {
        Self {
            snapshot_dir: dir.join(format!("chain-{chain_id}-snapshot")),
            state_file: None,
            port: 0,
            chain_id,
        }
    }

    pub(crate) fn manifest_file(&self) -> PathBuf {
        self.snapshot_dir.join("manifest.json")
    }

    fn pristine_file(&self) -> PathBuf {
        self.snapshot_dir.join("pristine.state")
    }
}

/// A provider for a devnet URL. Fillers are off: anvil fills nonce, gas and fees itself for its
/// unlocked accounts, which saves a round trip per transaction.
pub fn provider(url: &str) -> Result<DynProvider, DevnetError> {
    let url = url.parse().map_err(|e| DevnetError::Rpc(format!("bad URL {url}: {e}")))?;
    Ok(ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased())
}

/// Brings a freshly started, empty anvil to the deployed state: the saved state if there is one
/// for this deployment version, else the pristine snapshot, else a new deployment (saved as the
/// pristine snapshot). A snapshot that does not load or verify is redeployed, never trusted.
pub async fn bring_up(
    provider: &DynProvider,
    options: &DevnetOptions,
) -> Result<Manifest, DevnetError> {
    fs::create_dir_all(&options.snapshot_dir).map_err(|e| state_err(&options.snapshot_dir, e))?;
    // One deployment at a time per snapshot directory (tests start many devnets at once).
    let lock_path = options.snapshot_dir.join(".lock");
    let lock = fs::File::create(&lock_path).map_err(|e| state_err(&lock_path, e))?;
    lock.lock().map_err(|e| state_err(&lock_path, e))?;

    if let Some(manifest) = read_manifest(options) {
        let candidates = options
            .state_file
            .iter()
            .chain(std::iter::once(&options.pristine_file()))
            .cloned()
            .collect::<Vec<_>>();
        for file in candidates {
            let Ok(bytes) = fs::read(&file) else { continue };
            match provider.anvil_load_state(bytes.into()).await {
                Ok(true) if verify(provider, &manifest).await => {
                    feeds::refresh_feeds(provider, &manifest).await?;
                    return Ok(manifest);
                }
                _ => {
                    tracing::warn!(
                        "devnet state {} did not load; trying the next one",
                        file.display()
                    );
                    // A partial load may have left some accounts behind: start from empty.
                    provider.anvil_reset(None).await.map_err(deploy::rpc)?;
                }
            }
        }
    }
    tracing::info!("deploying the devnet contracts (first start)");
    let nm = node_modules();
    let manifest = Deployer { provider: provider.clone(), node_modules: &nm }
        .deploy_all(options.chain_id)
        .await?;
    let state = provider.anvil_dump_state().await.map_err(deploy::rpc)?;
    write_atomic(&options.pristine_file(), &without_history(&state)?)?;
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| DevnetError::Deploy(e.to_string()))?;
    write_atomic(&options.manifest_file(), &json)?;
    if let Some(state_file) = &options.state_file {
        let _ = fs::remove_file(state_file);
    }
    Ok(manifest)
}

pub(crate) fn read_manifest(options: &DevnetOptions) -> Option<Manifest> {
    let text = fs::read(options.manifest_file()).ok()?;
    let manifest: Manifest = serde_json::from_slice(&text).ok()?;
    (manifest.version == DEPLOYMENT_VERSION && manifest.chain_id == options.chain_id)
        .then_some(manifest)
}

/// The deployment is really there: every contract of the manifest has code.
async fn verify(provider: &DynProvider, manifest: &Manifest) -> bool {
    let mut addresses = vec![
        manifest.multicall3,
        manifest.aave_v3.pool,
        manifest.uniswap_v2.router,
        manifest.uniswap_v3.quoter_v2,
    ];
    addresses.extend(manifest.tokens.values().map(|t| t.address));
    for a in addresses {
        match provider.get_code_at(a).await {
            Ok(code) if !code.is_empty() => {}
            _ => return false,
        }
    }
    true
}

/// A dumped state (gzipped JSON) without the transactions' bodies: the accounts, their code and
/// storage, and the block headers stay. The bodies are most of a dump (every contract's creation
/// code), and anvil takes a state back only in a request of at most 2 MB.
pub(crate) fn without_history(state: &[u8]) -> Result<Vec<u8>, DevnetError> {
    use std::io::{Read, Write};
    let bad = |e: &dyn std::fmt::Display| DevnetError::Rpc(format!("anvil's state dump: {e}"));
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(state).read_to_end(&mut json).map_err(|e| bad(&e))?;
    let mut value: serde_json::Value = serde_json::from_slice(&json).map_err(|e| bad(&e))?;
    if let Some(blocks) = value.get_mut("blocks").and_then(|b| b.as_array_mut()) {
        for block in blocks {
            if let Some(txs) = block.get_mut("transactions") {
                *txs = serde_json::Value::Array(vec![]);
            }
        }
    }
    if let Some(txs) = value.get_mut("transactions") {
        *txs = serde_json::Value::Array(vec![]);
    }
    let json = serde_json::to_vec(&value).map_err(|e| bad(&e))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&json).map_err(|e| bad(&e))?;
    gz.finish().map_err(|e| bad(&e))
}

pub(crate) fn state_err(path: &Path, e: impl std::fmt::Display) -> DevnetError {
    DevnetError::State { path: path.to_owned(), reason: e.to_string() }
}

/// Writes through a uniquely named, synced temporary file and a rename: readers see the old
/// file or the new one, never a partial one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DevnetError> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        state_err(path, e)
    })
}

/// A devnet owned by this process: anvil stops when it drops (or when this process dies).
#[derive(Debug)]
pub struct Devnet {
    anvil: AnvilProcess,
    provider: DynProvider,
    manifest: Manifest,
    options: DevnetOptions,
}

impl Devnet {
    /// Starts anvil and brings the deployment up (see [`bring_up`]).
    pub async fn start(options: DevnetOptions) -> Result<Self, DevnetError> {
        let log = options.snapshot_dir.join("anvil.log");
        fs::create_dir_all(&options.snapshot_dir)
            .map_err(|e| state_err(&options.snapshot_dir, e))?;
        let anvil = AnvilProcess::spawn(options.port, options.chain_id, Some(&log))?;
        let provider = provider(&anvil.url())?;
        let manifest = bring_up(&provider, &options).await?;
        Ok(Self { anvil, provider, manifest, options })
    }

    /// The HTTP RPC URL.
    pub fn url(&self) -> String {
        self.anvil.url()
    }

    /// The deployment.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// A provider connected to it.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Sends `tx` from one of anvil's unlocked dev accounts (its `from`) and waits for the
    /// receipt, whatever its status. For tests and demos: real users sign with their own keys.
    pub async fn send_unlocked(
        &self,
        tx: alloy::rpc::types::TransactionRequest,
    ) -> Result<alloy::rpc::types::TransactionReceipt, DevnetError> {
        use alloy::network::TransactionBuilder;
        let tx = if tx.gas.is_none() { tx.with_gas_limit(5_000_000) } else { tx };
        let hash = *self.provider.send_transaction(tx).await.map_err(deploy::rpc)?.tx_hash();
        for _ in 0..5000 {
            if let Some(r) =
                self.provider.get_transaction_receipt(hash).await.map_err(deploy::rpc)?
            {
                return Ok(r);
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        Err(DevnetError::Rpc(format!("no receipt for {hash} after 10 s")))
    }

    /// Saves the current state, so the next start resumes from it.
    pub async fn save(&self) -> Result<(), DevnetError> {
        if let Some(file) = &self.options.state_file {
            let state = self.provider.anvil_dump_state().await.map_err(deploy::rpc)?;
            write_atomic(file, &without_history(&state)?)?;
        }
        Ok(())
    }

    /// Saves the state and stops anvil.
    pub async fn stop(mut self) -> Result<(), DevnetError> {
        let saved = self.save().await;
        self.anvil.stop();
        saved
    }

    /// Sets `symbol`'s oracle price in USD and, with `move_pools`, trades every Uniswap pool
    /// that holds it toward the new price (arbitrage, as a real market would); then mines a block.
    pub async fn set_price(
        &self,
        symbol: &str,
        usd: f64,
        move_pools: bool,
    ) -> Result<(), DevnetError> {
        set_price(&self.provider, &self.manifest, symbol, usd, move_pools).await
    }
}

/// Posts the price as a new round of the token's feed, as a real feed's next round would.
pub async fn set_price(
    provider: &DynProvider,
    manifest: &Manifest,
    symbol: &str,
    usd: f64,
    move_pools: bool,
) -> Result<(), DevnetError> {
    if !(usd.is_finite() && usd > 0.0) {
        return Err(DevnetError::InvalidPrice(usd.to_string()));
    }
    let (symbol, token) =
        manifest.token(symbol).ok_or_else(|| DevnetError::UnknownToken(symbol.to_owned()))?;
    let answer = price_answer(usd);
    if answer.is_zero() {
        return Err(DevnetError::InvalidPrice(usd.to_string()));
    }
    let nm = node_modules();
    let d = Deployer { provider: provider.clone(), node_modules: &nm };
    if move_pools {
        move_pools_to_oracle(&d, manifest, symbol, usd).await.map_err(|e| match e {
            DevnetError::Deploy(reason) | DevnetError::Rpc(reason) => {
                DevnetError::PriceMove { symbol: symbol.to_owned(), usd, reason }
            }
            other => other,
        })?;
    }
    // The new round comes last, in a block of its own, as a real feed's update would: block
    // watchers see the oracle move in exactly that block.
    d.send(
        DEPLOYER,
        token.aggregator,
        DevnetPriceFeed::updateAnswerCall { answer },
        U256::ZERO,
        "post a price",
    )
    .await?;
    Ok(())
}

/// The oracle's USD price of a token.
pub async fn oracle_price(provider: &DynProvider, token: &Token) -> Result<f64, DevnetError> {
    let answer = DevnetPriceFeed::new(token.aggregator, provider)
        .latestAnswer()
        .call()
        .await
        .map_err(deploy::rpc)?;
    match answer.to_string().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v / 1e8),
        _ => Err(DevnetError::Rpc(format!("the aggregator of {} answers {answer}", token.address))),
    }
}

/// The price of `t0` in units of `t1`, in base units (what Uniswap pools hold), at the
/// oracle's prices, with `moving` at the price it is about to be given.
pub(crate) async fn raw_price(
    provider: &DynProvider,
    t0: &Token,
    t1: &Token,
    moving: (Address, f64),
) -> Result<f64, DevnetError> {
    let mut usd = [0.0; 2];
    for (price, t) in usd.iter_mut().zip([t0, t1]) {
        *price = if t.address == moving.0 { moving.1 } else { oracle_price(provider, t).await? };
    }
    Ok(usd[0] / usd[1] * 10f64.powi(i32::from(t1.decimals) - i32::from(t0.decimals)))
}

/// The manifest's token with this exact symbol, or a clear error.
fn token<'m>(m: &'m Manifest, symbol: &str) -> Result<&'m Token, DevnetError> {
    m.tokens.get(symbol).ok_or_else(|| DevnetError::UnknownToken(symbol.to_owned()))
}

async fn move_pools_to_oracle(
    d: &Deployer<'_>,
    m: &Manifest,
    symbol: &str,
    usd: f64,
) -> Result<(), DevnetError> {
    let moving = (token(m, symbol)?.address, usd);
    let by_address = |a: Address| m.tokens.values().find(|t| t.address == a);
    // Uniswap V2 and its fork: sell the cheap side until reserves match the oracle ratio
    // (x*y = k).
    let v2_pairs =
        [("Uniswap V2", &m.uniswap_v2), ("SushiSwap", &m.sushiswap)].into_iter().flat_map(
            |(dex, v2)| v2.pairs.iter().map(move |(name, pair)| (dex, v2.router, name, pair)),
        );
    for (dex, router, name, pair) in v2_pairs {
        if !name.split('/').any(|s| s == symbol) {
            continue;
        }
        let p = IUniswapV2Pair::new(*pair, &d.provider);
        let reserves = p.getReserves().call().await.map_err(deploy::rpc)?;
        let token0 = p.token0().call().await.map_err(deploy::rpc)?;
        let (t0, t1) = match (
            by_address(token0),
            m.tokens.values().find(|t| {
                t.address != token0 && name.split('/').any(|s| m.tokens[s].address == t.address)
            }),
        ) {
            (Some(a), Some(b)) => (a, b),
            _ => continue,
        };
        let (r0, r1) = (f64::from(reserves.reserve0), f64::from(reserves.reserve1));
        let target = raw_price(&d.provider, t0, t1, moving).await?;
        let k = r0 * r1;
        let new_r0 = (k / target).sqrt();
        let (token_in, token_out, amount_in) = if new_r0 > r0 {
            (t0, t1, (new_r0 - r0) / 0.997)
        } else {
            (t1, t0, ((k * target).sqrt() - r1) / 0.997)
        };
        if !amount_in.is_finite() || amount_in < 1.0 {
            continue;
        }
        let amount = U256::from(amount_in as u128);
        ensure_inventory(d, m, token_in, amount).await?;
        d.approve(DEPLOYER, token_in.address, router).await?;
        d.send(
            DEPLOYER,
            router,
            UniswapV2Router02::swapExactTokensForTokensCall {
                amountIn: amount,
                amountOutMin: U256::ZERO,
                path: vec![token_in.address, token_out.address],
                to: DEPLOYER,
                deadline: U256::MAX,
            },
            U256::ZERO,
            &format!("moving the {dex} {name} pair"),
        )
        .await?;
    }
    // Uniswap V3: swap with the target price as the limit; the pool stops exactly there.
    for pool in &m.uniswap_v3.pools {
        if !pool.pair.split('/').any(|s| s == symbol) {
            continue;
        }
        let Some((a, b)) = pool.pair.split_once('/') else { continue };
        let (t0, t1) = (token(m, a)?, token(m, b)?);
        let target = raw_price(&d.provider, t0, t1, moving).await?;
        let limit = sqrt_price_x96(target)?;
        let current = IUniswapV3Pool::new(pool.address, &d.provider)
            .slot0()
            .call()
            .await
            .map_err(deploy::rpc)?
            .sqrtPriceX96;
        // Price of token0 falls when token0 is sold into the pool.
        let (token_in, token_out) = if limit < current { (t0, t1) } else { (t1, t0) };
        if limit == current {
            continue;
        }
        let amount = units(1e9, 0) * U256::from(10u64).pow(U256::from(token_in.decimals));
        ensure_inventory(d, m, token_in, amount).await?;
        d.send(
            DEPLOYER,
            m.uniswap_v3.swap_router,
            SwapRouter::exactInputSingleCall {
                params: SwapRouter::ExactInputSingleParams {
                    tokenIn: token_in.address,
                    tokenOut: token_out.address,
                    fee: Uint::from(pool.fee),
                    recipient: DEPLOYER,
                    deadline: U256::MAX,
                    amountIn: amount,
                    amountOutMinimum: U256::ZERO,
                    sqrtPriceLimitX96: limit,
                },
            },
            U256::ZERO,
            &format!(
                "moving the Uniswap V3 {} {}% pool",
                pool.pair,
                f64::from(pool.fee) / 10_000.0
            ),
        )
        .await?;
    }
    d.move_v4_pools(m, symbol, moving).await?;
    d.move_balancer_pools(m, symbol, moving).await
}

/// Makes sure the deployer holds `amount` of `token` and has approved both routers for it.
pub(crate) async fn ensure_inventory(
    d: &Deployer<'_>,
    m: &Manifest,
    token: &Token,
    amount: U256,
) -> Result<(), DevnetError> {
    let balance = IERC20::new(token.address, &d.provider)
        .balanceOf(DEPLOYER)
        .call()
        .await
        .map_err(deploy::rpc)?;
    if balance < amount {
        let missing = amount - balance;
        if token.address == m.weth {
            d.provider
                .anvil_set_balance(
                    DEPLOYER,
                    missing * U256::from(2) + U256::from(10u64).pow(U256::from(24)),
                )
                .await
                .map_err(deploy::rpc)?;
            d.send(DEPLOYER, m.weth, IWETH9::depositCall {}, missing, "wrap ETH").await?;
        } else {
            d.send(
                DEPLOYER,
                token.address,
                MintableERC20::mintCall { account: DEPLOYER, value: missing },
                U256::ZERO,
                "mint",
            )
            .await?;
        }
    }
    d.approve(DEPLOYER, token.address, m.uniswap_v2.router).await?;
    d.approve(DEPLOYER, token.address, m.uniswap_v3.swap_router).await
}
