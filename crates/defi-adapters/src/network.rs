//! Networks: chain id, RPC URLs and the protocol contracts Vigil uses on each.

use std::collections::BTreeMap;

use alloy::primitives::{Address, address};
use serde::{Deserialize, Serialize};
use url::Url;

/// Which interface a network's Uniswap V3 swap router has.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum V3RouterKind {
    /// The original SwapRouter: a `deadline` in every swap's parameters.
    #[default]
    SwapRouter,
    /// SwapRouter02 (Base and newer deployments): no `deadline` in the parameters; the
    /// deadline goes to `multicall(uint256 deadline, bytes[] data)` instead.
    SwapRouter02,
}

impl V3RouterKind {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The protocol contracts Vigil uses on a network (absent where a protocol is not deployed).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolAddresses {
    /// Wrapped native token.
    pub weth: Address,
    /// Multicall3.
    pub multicall3: Address,
    /// Uniswap V2 Router02.
    pub uniswap_v2_router: Option<Address>,
    /// Uniswap V2 factory.
    pub uniswap_v2_factory: Option<Address>,
    /// Uniswap V3 factory.
    pub uniswap_v3_factory: Option<Address>,
    /// Uniswap V3 QuoterV2.
    pub uniswap_v3_quoter_v2: Option<Address>,
    /// Uniswap V3 SwapRouter.
    pub uniswap_v3_swap_router: Option<Address>,
    /// Which interface `uniswap_v3_swap_router` has.
    #[serde(default, skip_serializing_if = "V3RouterKind::is_default")]
    pub uniswap_v3_router_kind: V3RouterKind,
    /// Uniswap V3 NonfungiblePositionManager (liquidity positions).
    pub uniswap_v3_position_manager: Option<Address>,
    /// Aave V3 PoolAddressesProvider.
    pub aave_v3_addresses_provider: Option<Address>,
    /// Aave V3 Pool.
    pub aave_v3_pool: Option<Address>,
    /// Aave V3's price oracle (USD with 8 decimals), the reference price for risk checks.
    pub aave_v3_oracle: Option<Address>,
    /// SushiSwap's V2 router (Uniswap V2's code, its own pools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sushiswap_v2_router: Option<Address>,
    /// SushiSwap's V2 factory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sushiswap_v2_factory: Option<Address>,
    /// Uniswap V4's PoolManager (every V4 pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniswap_v4_pool_manager: Option<Address>,
    /// Uniswap V4's V4Quoter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniswap_v4_quoter: Option<Address>,
    /// Uniswap V4's StateView (pool state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniswap_v4_state_view: Option<Address>,
    /// Uniswap V4's PositionManager (liquidity positions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniswap_v4_position_manager: Option<Address>,
    /// A block at or before the PositionManager's deployment: where the search for an
    /// account's V4 positions in its Transfer events starts (it cannot list them itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniswap_v4_position_manager_block: Option<u64>,
    /// Permit2 (token allowances by signature, which the Universal Router spends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permit2: Option<Address>,
    /// Uniswap's Universal Router (V2, V3 and V4 swaps in one transaction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universal_router: Option<Address>,
    /// Balancer V2's Vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balancer_vault: Option<Address>,
    /// BalancerQueries (swap quotes by `eth_call`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balancer_queries: Option<Address>,
    /// The Balancer pools routes may use, with their tokens (Balancer has no registry of
    /// pools by token pair on chain).
    #[serde(default, rename = "balancer_pool", skip_serializing_if = "Vec::is_empty")]
    pub balancer_pools: Vec<BalancerPoolRef>,
}

impl ProtocolAddresses {
    /// Every protocol contract given, by its name: what the network vouches for.
    pub fn contracts(&self) -> Vec<(Address, &'static str)> {
        [
            (Some(self.weth), "WETH"),
            (Some(self.multicall3), "Multicall3"),
            (self.uniswap_v2_router, "Uniswap V2 Router"),
            (self.uniswap_v2_factory, "Uniswap V2 Factory"),
            (self.uniswap_v3_factory, "Uniswap V3 Factory"),
            (self.uniswap_v3_quoter_v2, "Uniswap V3 Quoter"),
            (self.uniswap_v3_swap_router, "Uniswap V3 SwapRouter"),
            (self.uniswap_v3_position_manager, "Uniswap V3 Positions"),
            (self.aave_v3_addresses_provider, "Aave V3 Addresses Provider"),
            (self.aave_v3_pool, "Aave V3 Pool"),
            (self.aave_v3_oracle, "Aave V3 Oracle"),
            (self.sushiswap_v2_router, "SushiSwap Router"),
            (self.sushiswap_v2_factory, "SushiSwap Factory"),
            (self.uniswap_v4_pool_manager, "Uniswap V4 PoolManager"),
            (self.uniswap_v4_quoter, "Uniswap V4 Quoter"),
            (self.uniswap_v4_state_view, "Uniswap V4 StateView"),
            (self.uniswap_v4_position_manager, "Uniswap V4 Positions"),
            (self.permit2, "Permit2"),
            (self.universal_router, "Uniswap Universal Router"),
            (self.balancer_vault, "Balancer Vault"),
            (self.balancer_queries, "Balancer Queries"),
        ]
        .into_iter()
        .filter_map(|(a, name)| a.filter(|a| !a.is_zero()).map(|a| (a, name)))
        .collect()
    }
}

/// A Balancer pool routes may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalancerPoolRef {
    /// Its id in the Vault.
    pub id: alloy::primitives::B256,
    /// Its tokens (its own share token excluded).
    pub tokens: Vec<Address>,
}

/// A token Vigil shows by default on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownToken {
    /// Its symbol.
    pub symbol: String,
    /// The contract.
    pub address: Address,
    /// Its decimals.
    pub decimals: u8,
}

impl KnownToken {
    /// A token with this symbol, contract and decimals.
    pub fn new(symbol: &str, address: Address, decimals: u8) -> Self {
        Self { symbol: symbol.into(), address, decimals }
    }
}

/// A network Vigil can connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Short name used on the command line and in config (`ethereum`, `devnet`, …).
    pub name: String,
    /// EIP-155 chain id; every RPC endpoint must report it.
    pub chain_id: u64,
    /// RPC endpoints, tried in order with fail-over.
    pub rpc_urls: Vec<Url>,
    /// A WebSocket endpoint for new-block subscriptions; without one the monitor polls.
    pub ws_url: Option<Url>,
    /// Block explorer, for links.
    pub explorer: Option<Url>,
    /// The native token's symbol.
    pub native_symbol: String,
    /// Protocol contracts.
    pub protocols: ProtocolAddresses,
    /// Tokens shown by default.
    pub tokens: Vec<KnownToken>,
    /// Chainlink feeds of USD per unit of a fiat currency (8 decimals), by currency code: what
    /// values are converted with when the user's currency is not USD.
    pub fiat_feeds: BTreeMap<String, Address>,
    /// The most Vigil signs per gas on this network, in gwei, whatever a node says the fees
    /// are: the absolute ceiling against a lying node or a fee spike.
    pub max_fee_gwei: u64,
    /// A private submission endpoint: signed transactions go there alone, not to the public
    /// mempool where bots front-run and sandwich swaps. `None`: the RPC endpoints.
    pub private_tx_url: Option<Url>,
    /// Price feeds' heartbeats by the token they price (seconds): how often each posts at
    /// least, which says when it is stale. Unnamed tokens' feeds get a day.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub feed_heartbeats: BTreeMap<Address, u64>,
}

impl Network {
    /// What `address` is on this network, when Vigil knows it: a protocol contract by its
    /// name, or a token by its symbol.
    pub fn contract_name(&self, address: Address) -> Option<String> {
        if address.is_zero() {
            return None;
        }
        self.protocols
            .contracts()
            .into_iter()
            .find(|(a, _)| *a == address)
            .map(|(_, name)| name.to_owned())
            .or_else(|| self.tokens.iter().find(|t| t.address == address).map(|t| t.symbol.clone()))
    }

    /// The heartbeat of the feed that prices `token` (seconds).
    pub fn heartbeat_of(&self, token: Address) -> u64 {
        self.feed_heartbeats.get(&token).copied().unwrap_or(crate::aave::DEFAULT_HEARTBEAT_SECS)
    }
}

/// Flashbots Protect: Ethereum's private submission endpoint Vigil uses by default.
pub const FLASHBOTS_PROTECT: &str = "https://rpc.flashbots.net/fast";

/// The fee ceiling of a chain Vigil has no figure for, in gwei: far above any ordinary fee
/// on an Ethereum-like chain.
pub const DEFAULT_MAX_FEE_GWEI: u64 = 1_000;

/// The fee ceiling of a chain, in gwei: its base fee doubled in the busiest hours seen, with
/// room; chains whose gas is cheap in other ways (Polygon) have a higher one.
pub fn default_max_fee_gwei(chain_id: u64) -> u64 {
    match chain_id {
        1 => 500,
        10 | 8453 | 42161 => 50,
        137 => 5_000,
        _ => DEFAULT_MAX_FEE_GWEI,
    }
}

/// Permit2's address on every chain that has it.
pub const PERMIT2: Address = address!("000000000022D473030F116dDEE9F6B43aC78BA3");
/// Balancer V2's Vault, the same on every chain.
pub const BALANCER_VAULT: Address = address!("BA12222222228d8Ba445958a75a0704d566BF2C8");

/// Multicall3's address on every chain that has it.
const MULTICALL3: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");

/// Whether `url` points at this computer.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Why an RPC URL may not be used: anything but https (or wss) to another computer. A node
/// reached in clear text can be impersonated by anyone on the way, and what it answers is what
/// gets signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not encrypted: use https:// (plain http only for a node on this computer)")]
pub struct InsecureTransport(pub String);

/// Checks that `url` is encrypted, or on this computer.
pub fn check_transport(url: &Url) -> Result<(), InsecureTransport> {
    match url.scheme() {
        "https" | "wss" => Ok(()),
        "http" | "ws" if is_loopback(url) => Ok(()),
        _ => Err(InsecureTransport(crate::client::redact(url))),
    }
}

/// The WebSocket URL a node serves on the same address as its HTTP URL.
pub fn ws_of(http: &Url) -> Option<Url> {
    let scheme = match http.scheme() {
        "http" => "ws",
        "https" => "wss",
        _ => return None,
    };
    let mut ws = http.clone();
    ws.set_scheme(scheme).ok()?;
    Some(ws)
}

fn url(s: &str) -> Url {
    // Invariant: only called with the literal URLs below, which are valid.
    #[allow(clippy::expect_used)]
    Url::parse(s).expect("built-in URLs are valid")
}

impl Network {
    /// The local devnet described by its manifest, at `rpc_url`.
    pub fn devnet(manifest: &vigil_devnet::Manifest, rpc_url: Url) -> Self {
        Self {
            name: vigil_devnet::NETWORK.into(),
            chain_id: manifest.chain_id,
            // anvil serves WebSocket on its HTTP port.
            ws_url: ws_of(&rpc_url),
            rpc_urls: vec![rpc_url],
            explorer: None,
            native_symbol: "ETH".into(),
            tokens: manifest
                .tokens
                .iter()
                .map(|(symbol, t)| KnownToken::new(symbol, t.address, t.decimals))
                .collect(),
            protocols: ProtocolAddresses {
                weth: manifest.weth,
                multicall3: manifest.multicall3,
                uniswap_v2_router: Some(manifest.uniswap_v2.router),
                uniswap_v2_factory: Some(manifest.uniswap_v2.factory),
                uniswap_v3_factory: Some(manifest.uniswap_v3.factory),
                uniswap_v3_quoter_v2: Some(manifest.uniswap_v3.quoter_v2),
                uniswap_v3_swap_router: Some(manifest.uniswap_v3.swap_router),
                uniswap_v3_router_kind: V3RouterKind::SwapRouter,
                uniswap_v3_position_manager: Some(manifest.uniswap_v3.position_manager),
                aave_v3_addresses_provider: Some(manifest.aave_v3.addresses_provider),
                aave_v3_pool: Some(manifest.aave_v3.pool),
                aave_v3_oracle: Some(manifest.aave_v3.oracle),
                sushiswap_v2_router: Some(manifest.sushiswap.router),
                sushiswap_v2_factory: Some(manifest.sushiswap.factory),
                uniswap_v4_pool_manager: Some(manifest.uniswap_v4.pool_manager),
                uniswap_v4_quoter: Some(manifest.uniswap_v4.quoter),
                uniswap_v4_state_view: Some(manifest.uniswap_v4.state_view),
                uniswap_v4_position_manager: Some(manifest.uniswap_v4.position_manager),
                uniswap_v4_position_manager_block: None,
                permit2: Some(manifest.permit2),
                universal_router: Some(manifest.universal_router),
                balancer_vault: Some(manifest.balancer.vault),
                balancer_queries: Some(manifest.balancer.queries),
                balancer_pools: manifest
                    .balancer
                    .pools
                    .iter()
                    .map(|p| BalancerPoolRef { id: p.id, tokens: p.tokens.clone() })
                    .collect(),
            },
            fiat_feeds: manifest.fiat_feeds.clone(),
            max_fee_gwei: DEFAULT_MAX_FEE_GWEI,
            private_tx_url: None,
            feed_heartbeats: manifest
                .tokens
                .values()
                .map(|t| (t.address, t.heartbeat_secs))
                .collect(),
        }
    }

    /// The built-in public networks, with public RPC endpoints the user can replace.
    pub fn builtin() -> Vec<Self> {
        // Uniswap V3 uses the same factory, QuoterV2 and SwapRouter addresses on Ethereum,
        // Arbitrum, Optimism and Polygon; Base has its own deployment.
        let v3_factory = address!("1F98431c8aD98523631AE4a59f267346ea31F984");
        let v3_quoter = address!("61fFE014bA17989E743c5F6cB21bF9697530B21e");
        let v3_router = address!("E592427A0AEce92De3Edee1F18E0157C05861564");
        let v3_positions = address!("C36442b4a4522E871399CD717aBDD847Ab11FE88");
        let net = |name: &str,
                   chain_id,
                   rpc: &str,
                   explorer: &str,
                   native: &str,
                   protocols: ProtocolAddresses| {
            let wrapped = if native == "ETH" { "WETH".to_owned() } else { format!("W{native}") };
            let weth = protocols.weth;
            Self {
                name: name.into(),
                chain_id,
                rpc_urls: vec![url(rpc)],
                // Public nodes rarely offer WebSocket: the user adds one in the settings.
                ws_url: None,
                explorer: Some(url(explorer)),
                native_symbol: native.into(),
                tokens: vec![KnownToken::new(&wrapped, protocols.weth, 18)],
                protocols,
                fiat_feeds: BTreeMap::new(),
                max_fee_gwei: default_max_fee_gwei(chain_id),
                // Flashbots Protect on Ethereum; elsewhere the user can name one.
                private_tx_url: (chain_id == 1).then(|| url(FLASHBOTS_PROTECT)),
                // Chainlink's ETH / USD feed posts at least hourly on Ethereum.
                feed_heartbeats: if chain_id == 1 {
                    BTreeMap::from([(weth, 3600)])
                } else {
                    BTreeMap::new()
                },
            }
        };
        // Arbitrum, Optimism and Polygon share the Uniswap V3 and Aave V3 addresses.
        let standard = |weth| ProtocolAddresses {
            weth,
            multicall3: MULTICALL3,
            uniswap_v2_router: None,
            uniswap_v2_factory: None,
            uniswap_v3_factory: Some(v3_factory),
            uniswap_v3_quoter_v2: Some(v3_quoter),
            uniswap_v3_swap_router: Some(v3_router),
            uniswap_v3_router_kind: V3RouterKind::SwapRouter,
            uniswap_v3_position_manager: Some(v3_positions),
            aave_v3_addresses_provider: Some(address!("a97684ead0e402dC232d5A977953DF7ECBaB3CDb")),
            aave_v3_pool: Some(address!("794a61358D6845594F94dc1DB02A252b5b4814aD")),
            aave_v3_oracle: Some(address!("b56c2F0B653B2e0b10C9b928C8580Ac5Df02C7C7")),
            // Balancer V2's Vault has one address on every chain.
            balancer_vault: Some(BALANCER_VAULT),
            ..ProtocolAddresses::default()
        };
        let mut networks = vec![
            net(
                "ethereum",
                1,
                "https://ethereum-rpc.publicnode.com",
                "https://etherscan.io",
                "ETH",
                ProtocolAddresses {
                    weth: address!("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
                    multicall3: MULTICALL3,
                    uniswap_v2_router: Some(address!("7a250d5630B4cF539739dF2C5dAcb4c659F2488D")),
                    uniswap_v2_factory: Some(address!("5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f")),
                    uniswap_v3_factory: Some(v3_factory),
                    uniswap_v3_quoter_v2: Some(v3_quoter),
                    uniswap_v3_swap_router: Some(v3_router),
                    uniswap_v3_router_kind: V3RouterKind::SwapRouter,
                    uniswap_v3_position_manager: Some(v3_positions),
                    aave_v3_addresses_provider: Some(address!(
                        "2f39d218133AFaB8F2B819B1066c7E434Ad94E9e"
                    )),
                    aave_v3_pool: Some(address!("87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2")),
                    aave_v3_oracle: Some(address!("54586bE62E3c3580375aE3723C145253060Ca0C2")),
                    // docs.sushi.com's Ethereum deployment.
                    sushiswap_v2_router: Some(address!("d9e1cE17f2641f24aE83637ab66a2cca9C378B9F")),
                    sushiswap_v2_factory: Some(address!(
                        "C0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac"
                    )),
                    // docs.uniswap.org/contracts/v4/deployments, Ethereum.
                    uniswap_v4_pool_manager: Some(address!(
                        "000000000004444c5dc75cB358380D2e3dE08A90"
                    )),
                    uniswap_v4_quoter: Some(address!("52F0E24D1c21C8A0cB1e5a5dD6198556BD9E1203")),
                    uniswap_v4_state_view: Some(address!(
                        "7fFE42C4a5DEeA5b0feC41C94C136Cf115597227"
                    )),
                    uniswap_v4_position_manager: Some(address!(
                        "bD216513d74C8cf14cf4747E6AaA6420FF64ee9e"
                    )),
                    // Late December 2024, before V4 was deployed in January 2025.
                    uniswap_v4_position_manager_block: Some(21_480_000),
                    permit2: Some(PERMIT2),
                    universal_router: Some(address!("66a9893cC07D91D95644AEDD05D03f95e1dBA8Af")),
                    // @balancer-labs/v2-deployments' mainnet output.
                    balancer_vault: Some(BALANCER_VAULT),
                    balancer_queries: Some(address!("E39B5e3B6D74016b2F6A9673D7d7493B6DF549d5")),
                    balancer_pools: vec![],
                },
            ),
            net(
                "arbitrum",
                42161,
                "https://arbitrum-one-rpc.publicnode.com",
                "https://arbiscan.io",
                "ETH",
                standard(address!("82aF49447D8a07e3bd95BD0d56f35241523fBab1")),
            ),
            net(
                "optimism",
                10,
                "https://optimism-rpc.publicnode.com",
                "https://optimistic.etherscan.io",
                "ETH",
                standard(address!("4200000000000000000000000000000000000006")),
            ),
            net(
                "base",
                8453,
                "https://base-rpc.publicnode.com",
                "https://basescan.org",
                "ETH",
                ProtocolAddresses {
                    weth: address!("4200000000000000000000000000000000000006"),
                    multicall3: MULTICALL3,
                    uniswap_v2_router: Some(address!("4752ba5DBc23f44D87826276BF6Fd6b1C372aD24")),
                    uniswap_v2_factory: Some(address!("8909Dc15e40173Ff4699343b6eB8132c65e18eC6")),
                    uniswap_v3_factory: Some(address!("33128a8fC17869897dcE68Ed026d694621f6FDfD")),
                    uniswap_v3_quoter_v2: Some(address!(
                        "3d4e44Eb1374240CE5F1B871ab261CD16335B76a"
                    )),
                    // SwapRouter02: its ExactInputSingleParams has no deadline field.
                    uniswap_v3_swap_router: Some(address!(
                        "2626664c2603336E57B271c5C0b26F421741e481"
                    )),
                    uniswap_v3_router_kind: V3RouterKind::SwapRouter02,
                    uniswap_v3_position_manager: Some(address!(
                        "03a520b32C04BF3bEEf7BEb72E919cf822Ed34f1"
                    )),
                    aave_v3_addresses_provider: Some(address!(
                        "e20fCBdBfFC4Dd138cE8b2E6FBb6CB49777ad64D"
                    )),
                    aave_v3_pool: Some(address!("A238Dd80C259a72e81d7e4664a9801593F98d1c5")),
                    aave_v3_oracle: Some(address!("2Cc0Fc26eD4563A5ce5e8bdcfe1A2878676Ae156")),
                    // docs.uniswap.org/contracts/v4/deployments, Base.
                    uniswap_v4_pool_manager: Some(address!(
                        "498581fF718922c3f8e6A244956aF099B2652b2b"
                    )),
                    uniswap_v4_quoter: Some(address!("0d5e0F971ED27FBfF6c2837bf31316121532048D")),
                    uniswap_v4_state_view: Some(address!(
                        "A3c0c9b65baD0b08107Aa264b0f3dB444b867A71"
                    )),
                    uniswap_v4_position_manager: Some(address!(
                        "7C5f5A4bBd8fD63184577525326123B519429bDc"
                    )),
                    // Late December 2024, before V4 was deployed on Base in January 2025.
                    uniswap_v4_position_manager_block: Some(24_300_000),
                    permit2: Some(PERMIT2),
                    universal_router: Some(address!("6fF5693b99212Da76ad316178A184AB56D299b43")),
                    balancer_vault: Some(BALANCER_VAULT),
                    ..ProtocolAddresses::default()
                },
            ),
            net(
                "polygon",
                137,
                "https://polygon-bor-rpc.publicnode.com",
                "https://polygonscan.com",
                "POL",
                standard(address!("0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270")),
            ),
        ];
        // Chainlink's fiat feeds on Ethereum (USD per unit, 8 decimals).
        networks[0].fiat_feeds = BTreeMap::from([
            ("EUR".to_owned(), address!("b49f677943BC038e9857d61E7d053CaA2C1734C1")),
            ("GBP".to_owned(), address!("5c0Ab2d9b5a7ed9f470386e82BB36A3613cDd4b5")),
            ("CHF".to_owned(), address!("449d117117838fFA61263B61dA6301AA2a88B13A")),
            ("JPY".to_owned(), address!("BcE206caE7f0ec07b545EddE332A47C2F75bbeb3")),
        ]);
        // USDC (Circle's own, not a bridged one), USDT, DAI and the chain's main wrapped
        // bitcoin, at their addresses on each chain.
        let stables = |usdc, usdt, dai, btc: (&str, Address)| {
            vec![
                KnownToken::new("USDC", usdc, 6),
                KnownToken::new("USDT", usdt, 6),
                KnownToken::new("DAI", dai, 18),
                KnownToken::new(btc.0, btc.1, 8),
            ]
        };
        let tokens = [
            stables(
                address!("A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
                address!("dAC17F958D2ee523a2206206994597C13D831ec7"),
                address!("6B175474E89094C44Da98b954EedeAC495271d0F"),
                ("WBTC", address!("2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599")),
            ),
            stables(
                address!("af88d065e77c8cC2239327C5EDb3A432268e5831"),
                address!("Fd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9"),
                address!("DA10009cBd5D07dd0CeCc66161FC93D7c9000da1"),
                ("WBTC", address!("2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f")),
            ),
            stables(
                address!("0b2C639c533813f4Aa9D7837cAf62653d097Ff85"),
                address!("94b008aA00579c1307B0EF2c499aD98a8ce58e58"),
                address!("DA10009cBd5D07dd0CeCc66161FC93D7c9000da1"),
                ("WBTC", address!("68f180fcCe6836688e9084f035309E29Bf0A2095")),
            ),
            stables(
                address!("833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"),
                address!("fde4C96c8593536E31F229EA8f37b2ADa2699bb2"),
                address!("50c5725949A6F0c72E6C4a641F24049A917DB0Cb"),
                // Base's main wrapped bitcoin is Coinbase's cbBTC, the one Aave lists there.
                ("cbBTC", address!("cbB7C0000aB88B473b1f5aFd9ef808440eed33Bf")),
            ),
            stables(
                address!("3c499c542cEF5E3811e1192ce70d8cC03d5c3359"),
                address!("c2132D05D31c914a87C6611C10748AEb04B58e8F"),
                address!("8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063"),
                ("WBTC", address!("1BFD67037B42Cf73acF2047067bd4F2C47D9BfD6")),
            ),
        ];
        for (network, tokens) in networks.iter_mut().zip(tokens) {
            network.tokens.extend(tokens);
        }
        networks
    }

    /// Whether this is a node on this computer (the devnet, or any chain whose every endpoint
    /// is on loopback), whose blocks may come only on demand: an old latest block is not a
    /// lagging node there.
    pub fn is_local(&self) -> bool {
        self.chain_id == vigil_devnet::CHAIN_ID
            || (!self.rpc_urls.is_empty() && self.rpc_urls.iter().all(is_loopback))
    }

    /// The known token with this symbol (case-insensitive).
    pub fn token(&self, symbol: &str) -> Option<&KnownToken> {
        self.tokens.iter().find(|t| t.symbol.eq_ignore_ascii_case(symbol))
    }

    /// The built-in network called `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::builtin().into_iter().find(|n| n.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_networks_have_distinct_names_and_chain_ids() {
        let nets = Network::builtin();
        let names: Vec<_> = nets.iter().map(|n| (n.name.as_str(), n.chain_id)).collect();
        assert_eq!(
            names,
            [
                ("ethereum", 1),
                ("arbitrum", 42161),
                ("optimism", 10),
                ("base", 8453),
                ("polygon", 137)
            ]
        );
        assert!(
            nets.iter().all(|n| n.protocols.multicall3 == MULTICALL3 && !n.rpc_urls.is_empty())
        );
    }

    #[test]
    fn every_builtin_network_has_the_stablecoins_and_a_wrapped_bitcoin() {
        for n in Network::builtin() {
            let symbols: Vec<&str> = n.tokens.iter().map(|t| t.symbol.as_str()).collect();
            for wanted in ["USDC", "USDT", "DAI"] {
                assert!(symbols.contains(&wanted), "{} lacks {wanted}: {symbols:?}", n.name);
            }
            assert!(symbols.iter().any(|s| s.ends_with("BTC")), "{}: {symbols:?}", n.name);
            let mut addresses: Vec<_> = n.tokens.iter().map(|t| t.address).collect();
            addresses.sort();
            addresses.dedup();
            assert_eq!(addresses.len(), n.tokens.len(), "{}: a token listed twice", n.name);
            let usdc = n.token("USDC").map(|t| t.decimals);
            assert_eq!(usdc, Some(6), "{}", n.name);
        }
        let base = Network::named("base").map(|b| b.protocols.uniswap_v3_router_kind);
        assert_eq!(base, Some(V3RouterKind::SwapRouter02), "Base has only SwapRouter02");
    }
}
