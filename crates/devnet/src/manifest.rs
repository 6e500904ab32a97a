//! The manifest: every address the devnet deployed, its chain id and demo accounts.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// Bumped whenever the deployment changes, so that old snapshots are redeployed, not trusted.
pub const DEPLOYMENT_VERSION: &str = concat!("vigil-devnet/", env!("CARGO_PKG_VERSION"), "/6");

/// A token on the devnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// The ERC-20 contract.
    pub address: Address,
    /// Decimals.
    pub decimals: u8,
    /// The Chainlink-style aggregator behind the Aave oracle's price for it (8 decimals, USD).
    pub aggregator: Address,
    /// The feed's heartbeat: it posts a round at least this often (seconds).
    pub heartbeat_secs: u64,
}

/// A Uniswap V3 pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V3Pool {
    /// `TOKEN0/TOKEN1` in the pool's own order.
    pub pair: String,
    /// The fee tier in hundredths of a basis point (500 = 0.05%).
    pub fee: u32,
    /// The pool contract.
    pub address: Address,
}

/// Uniswap V2 contracts and pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniswapV2 {
    /// UniswapV2Factory.
    pub factory: Address,
    /// UniswapV2Router02.
    pub router: Address,
    /// Pairs by `A/B` as deployed.
    pub pairs: BTreeMap<String, Address>,
}

/// Uniswap V3 contracts and pools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniswapV3 {
    /// UniswapV3Factory.
    pub factory: Address,
    /// SwapRouter.
    pub swap_router: Address,
    /// QuoterV2.
    pub quoter_v2: Address,
    /// NonfungiblePositionManager.
    pub position_manager: Address,
    /// The pools.
    pub pools: Vec<V3Pool>,
}

/// A Uniswap V4 pool (its key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V4Pool {
    /// `CURRENCY0/CURRENCY1` in the pool's own order ("ETH" for the native coin).
    pub pair: String,
    /// currency0 (the zero address: the native coin).
    pub currency0: Address,
    /// currency1.
    pub currency1: Address,
    /// The fee in hundredths of a basis point.
    pub fee: u32,
    /// The tick spacing.
    pub tick_spacing: i32,
    /// The hooks contract (none: the zero address).
    pub hooks: Address,
    /// The pool id (keccak256 of its key).
    pub id: B256,
}

/// Uniswap V4 contracts and pools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniswapV4 {
    /// PoolManager (the singleton holding every pool).
    pub pool_manager: Address,
    /// PositionManager (liquidity positions as NFTs).
    pub position_manager: Address,
    /// StateView (pool state for readers).
    pub state_view: Address,
    /// V4Quoter.
    pub quoter: Address,
    /// The devnet's own tool that moves a pool to a price (`vigil devnet price`).
    pub mover: Address,
    /// The pools.
    pub pools: Vec<V4Pool>,
}

/// A Balancer V2 pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalancerPool {
    /// What it holds ("USDC/WETH 80/20").
    pub name: String,
    /// "weighted" or "stable".
    pub kind: String,
    /// The pool (its own share token).
    pub address: Address,
    /// Its id in the Vault.
    pub id: B256,
    /// Its tokens, in the Vault's order (its own share token excluded).
    pub tokens: Vec<Address>,
    /// Each token's weight, for a weighted pool (empty for a stable pool).
    pub weights: Vec<f64>,
}

/// Balancer V2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balancer {
    /// The Vault (every pool's tokens, every swap).
    pub vault: Address,
    /// BalancerQueries (quotes by `eth_call`).
    pub queries: Address,
    /// The pools.
    pub pools: Vec<BalancerPool>,
}

/// The Aave V3 market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AaveV3 {
    /// PoolAddressesProvider.
    pub addresses_provider: Address,
    /// The Pool (proxy).
    pub pool: Address,
    /// The PoolConfigurator (proxy).
    pub pool_configurator: Address,
    /// AaveOracle.
    pub oracle: Address,
    /// AaveProtocolDataProvider.
    pub data_provider: Address,
    /// ACLManager.
    pub acl_manager: Address,
}

/// Everything about a deployed devnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`DEPLOYMENT_VERSION`] of the code that deployed it.
    pub version: String,
    /// The chain id.
    pub chain_id: u64,
    /// The account that deployed and owns everything, and provides liquidity.
    pub deployer: Address,
    /// Funded accounts of the "test … junk" mnemonic (indices 0..n).
    pub demo_accounts: Vec<Address>,
    /// The account that holds the sample Aave position.
    pub sample_position: Address,
    /// WETH9.
    pub weth: Address,
    /// Tokens by symbol (WETH included).
    pub tokens: BTreeMap<String, Token>,
    /// Multicall3, at its canonical address.
    pub multicall3: Address,
    /// Uniswap V2.
    pub uniswap_v2: UniswapV2,
    /// Uniswap V3.
    pub uniswap_v3: UniswapV3,
    /// A Uniswap V2 fork with its own factory and prices (SushiSwap's).
    pub sushiswap: UniswapV2,
    /// Uniswap V4.
    pub uniswap_v4: UniswapV4,
    /// Permit2 (signature-based allowances).
    pub permit2: Address,
    /// The Universal Router (Uniswap V2, V3 and V4 swaps with Permit2).
    pub universal_router: Address,
    /// Balancer V2.
    pub balancer: Balancer,
    /// Aave V3.
    pub aave_v3: AaveV3,
    /// Chainlink-style aggregators of USD per unit of a fiat currency (8 decimals), by
    /// currency code.
    pub fiat_feeds: BTreeMap<String, Address>,
}

impl Manifest {
    /// The token with this symbol (case-insensitive).
    pub fn token(&self, symbol: &str) -> Option<(&str, &Token)> {
        self.tokens
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(symbol))
            .map(|(s, t)| (s.as_str(), t))
    }
}
