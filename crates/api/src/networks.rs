//! Networks, the chosen one, tokens, and the settings that hold them.

use serde::{Deserialize, Serialize};

use crate::Level;

/// One network in the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkView {
    /// Its name.
    pub name: String,
    /// Its chain id (EVM networks), when known without asking a node.
    pub chain_id: Option<u64>,
    /// A network on this computer (the devnet, the local validator).
    pub local: bool,
}

/// Every network and cluster the user can act on, and the chosen ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Networks {
    /// EVM networks.
    pub evm: Vec<NetworkView>,
    /// Solana clusters.
    pub solana: Vec<NetworkView>,
    /// The chosen EVM network.
    pub network: String,
    /// The chosen Solana cluster.
    pub solana_network: String,
}

/// Choose the network (or cluster) to act on; remembered across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectNetwork {
    /// The EVM network, if it changes.
    pub network: Option<String>,
    /// The Solana cluster, if it changes.
    pub solana_network: Option<String>,
}

/// A request about one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkRequest {
    /// The network.
    pub network: String,
}

/// The tokens a picker offers, with an account's balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensRequest {
    /// The network.
    pub network: String,
    /// The account whose balances are shown; `None`: the first one.
    pub account: Option<String>,
}

/// A token to check on chain and remember for a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddTokenRequest {
    /// The network.
    pub network: String,
    /// The token contract.
    pub address: String,
}

/// A token in a picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Its symbol (what forms send).
    pub symbol: String,
    /// Its contract; `None` for the native coin.
    pub address: Option<String>,
    /// Its decimals.
    pub decimals: u8,
    /// The account's balance in whole units, when it could be read.
    pub balance: Option<String>,
}

/// A network's RPC endpoints, and the protocol contracts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSetting {
    /// Its name.
    pub name: String,
    /// Its chain id.
    pub chain_id: u64,
    /// RPC URLs, tried in order.
    pub rpc_urls: Vec<String>,
    /// Protocol contracts by [`PROTOCOL_KEYS`] key, for a chain Vigil has no built-in
    /// addresses for (empty: the built-in ones of its chain id). `weth` and `multicall3` are
    /// required when any is given.
    pub protocols: Vec<(String, String)>,
}

/// The protocol contracts a network can name, as (key, label).
pub const PROTOCOL_KEYS: [(&str, &str); 21] = [
    ("weth", "Wrapped native token (WETH)"),
    ("multicall3", "Multicall3"),
    ("uniswap_v2_router", "Uniswap V2 Router02"),
    ("uniswap_v2_factory", "Uniswap V2 factory"),
    ("uniswap_v3_factory", "Uniswap V3 factory"),
    ("uniswap_v3_quoter_v2", "Uniswap V3 QuoterV2"),
    ("uniswap_v3_swap_router", "Uniswap V3 SwapRouter"),
    ("uniswap_v3_position_manager", "Uniswap V3 position manager"),
    ("aave_v3_addresses_provider", "Aave V3 PoolAddressesProvider"),
    ("aave_v3_pool", "Aave V3 Pool"),
    ("aave_v3_oracle", "Aave V3 oracle"),
    ("sushiswap_v2_router", "SushiSwap V2 router"),
    ("sushiswap_v2_factory", "SushiSwap V2 factory"),
    ("uniswap_v4_pool_manager", "Uniswap V4 PoolManager"),
    ("uniswap_v4_quoter", "Uniswap V4 Quoter"),
    ("uniswap_v4_state_view", "Uniswap V4 StateView"),
    ("uniswap_v4_position_manager", "Uniswap V4 PositionManager"),
    ("permit2", "Permit2"),
    ("universal_router", "Uniswap Universal Router"),
    ("balancer_vault", "Balancer V2 Vault"),
    ("balancer_queries", "Balancer V2 queries"),
];

/// A public Solana cluster's RPC endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolanaNetworkSetting {
    /// The cluster: mainnet-beta, devnet or testnet.
    pub name: String,
    /// The user's RPC URLs, tried in order (empty: the cluster's public endpoint).
    pub rpc_urls: Vec<String>,
    /// The public endpoint used without the user's (shown, not saved).
    #[serde(default)]
    pub default_urls: Vec<String>,
}

/// The settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Networks with the user's RPC URLs.
    pub networks: Vec<NetworkSetting>,
    /// Solana clusters with the user's RPC URLs.
    #[serde(default)]
    pub solana_networks: Vec<SolanaNetworkSetting>,
    /// Inactivity before locking, seconds.
    pub lock_after_secs: u64,
    /// The currency.
    pub currency: String,
    /// Default swap slippage, percent.
    pub slippage_percent: f64,
    /// The lowest alert level that raises a desktop notification (`Ok`: all).
    pub notify_level: Level,
}

/// Test an RPC URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcTestRequest {
    /// The URL.
    pub url: String,
    /// The chain id it must serve.
    pub chain_id: u64,
}

/// An RPC URL's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcTest {
    /// The chain id it serves.
    pub chain_id: u64,
    /// Its latest block.
    pub block: u64,
    /// How long the answer took, ms.
    pub latency_ms: u64,
}
