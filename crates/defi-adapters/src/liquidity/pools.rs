//! The pools a user can provide liquidity to between two tokens, on every venue the network
//! has, with the state that prices a deposit: Uniswap V2 and SushiSwap pairs, Uniswap V3 and
//! V4 pools of every usual fee tier, and the network's listed Balancer pools.

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, U256, aliases::U24, keccak256},
    sol_types::SolValue,
};
use serde::Serialize;

use super::{
    Batch, LiquidityError,
    bindings::{
        IBalancerPool, IBalancerPoolVault, IUniswapV2Factory, IUniswapV2Pair, IV3PoolState,
        IV4StateView,
    },
    math,
};
use crate::{
    ChainClient, Network,
    abi::IUniswapV3Factory,
    swap::{V3_FEE_TIERS, V4_TIERS, V4Pool, v4_pool},
};

/// The protocol a pool belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    /// Uniswap V2: a share of a constant-product pair.
    UniswapV2,
    /// SushiSwap: Uniswap V2's code with its own pairs.
    SushiSwap,
    /// Uniswap V3: a position NFT over a price range.
    UniswapV3,
    /// Uniswap V4: a position NFT over a price range, in the PoolManager.
    UniswapV4,
    /// Balancer V2: a share of a weighted or stable pool.
    Balancer,
}

impl Protocol {
    /// The protocol's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::UniswapV2 => "Uniswap V2",
            Self::SushiSwap => "SushiSwap",
            Self::UniswapV3 => "Uniswap V3",
            Self::UniswapV4 => "Uniswap V4",
            Self::Balancer => "Balancer",
        }
    }

    /// The protocol's name in keys and ids: "uniswap-v3", "sushiswap", "balancer".
    pub fn slug(self) -> String {
        self.name().to_ascii_lowercase().replace(' ', "-")
    }

    /// Whether positions have a price range (concentrated liquidity).
    pub fn has_range(self) -> bool {
        matches!(self, Self::UniswapV3 | Self::UniswapV4)
    }

    /// Parses a protocol as a person or a script names it ("v3", "uniswap-v4", "balancer").
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        Some(match s.as_str() {
            "v2" | "uniswap-v2" | "uniswapv2" => Self::UniswapV2,
            "sushi" | "sushiswap" => Self::SushiSwap,
            "v3" | "uniswap-v3" | "uniswapv3" => Self::UniswapV3,
            "v4" | "uniswap-v4" | "uniswapv4" => Self::UniswapV4,
            "balancer" | "balancer-v2" => Self::Balancer,
            _ => return None,
        })
    }
}

/// Where a pool is, as its protocol names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PoolRef {
    /// A V2 pair (Uniswap V2 or SushiSwap): the pair is also the share token.
    Pair(Address),
    /// A V3 pool, with its fee tier and tick spacing.
    V3 {
        /// The pool.
        pool: Address,
        /// The fee, in hundredths of a basis point.
        fee: u32,
        /// Its tick spacing.
        tick_spacing: i32,
    },
    /// A V4 pool by its key and id.
    V4 {
        /// The key (the native coin is currency0 at the zero address).
        key: V4Pool,
        /// keccak256 of the key.
        id: B256,
    },
    /// A Balancer pool: its id in the Vault and its share token.
    Balancer {
        /// The pool id.
        id: B256,
        /// The pool (its share token).
        pool: Address,
        /// Where the pool's own share token sits among its tokens (composable stable pools).
        bpt_index: Option<usize>,
    },
}

/// A pool and the state that prices a deposit into it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pool {
    /// Its protocol.
    pub protocol: Protocol,
    /// Where it is.
    pub reference: PoolRef,
    /// Its tokens in the pool's order; the zero address is the native coin (V4). A Balancer
    /// composable pool's own share token is left out.
    pub tokens: Vec<Address>,
    /// What the pool holds of each token (V2 and Balancer).
    pub balances: Vec<U256>,
    /// The square-root price, Q64.96 (V3 and V4).
    pub sqrt_price: Option<U256>,
    /// The current tick (V3 and V4).
    pub tick: Option<i32>,
    /// Liquidity in range now (V3 and V4).
    pub liquidity: u128,
    /// Shares in existence (V2 and Balancer).
    pub total_supply: U256,
}

impl Pool {
    /// The fee in hundredths of a basis point, for pools that have tiers.
    pub fn fee(&self) -> Option<u32> {
        match &self.reference {
            PoolRef::V3 { fee, .. } => Some(*fee),
            PoolRef::V4 { key, .. } => Some(key.fee),
            _ => None,
        }
    }

    /// The tick spacing of a concentrated pool.
    pub fn tick_spacing(&self) -> Option<i32> {
        match &self.reference {
            PoolRef::V3 { tick_spacing, .. } => Some(*tick_spacing),
            PoolRef::V4 { key, .. } => Some(key.tick_spacing),
            _ => None,
        }
    }

    /// The key of a position in this pool: its NFT's id (`token_id`, V3 and V4) or, for a
    /// share of the pool, the pool ("uniswap-v3/1234", "balancer/0x…", "sushiswap/0x…").
    pub fn position_key(&self, token_id: Option<U256>) -> Option<String> {
        let protocol = self.protocol.slug();
        match (token_id, &self.reference) {
            (Some(id), _) => Some(format!("{protocol}/{id}")),
            (None, PoolRef::Pair(pair)) => Some(format!("{protocol}/{pair:#x}")),
            (None, PoolRef::Balancer { id, .. }) => Some(format!("{protocol}/{id:#x}")),
            (None, _) => None,
        }
    }

    /// "Uniswap V3 0.05%", "Balancer", "SushiSwap".
    pub fn describe(&self) -> String {
        match self.fee() {
            Some(fee) => format!("{} {}%", self.protocol.name(), f64::from(fee) / 10_000.0),
            None => self.protocol.name().to_owned(),
        }
    }

    /// The pool's price of token1 in raw units of token0 (token1 per token0), from its
    /// square-root price or its balances; `None` for an empty pool. For a Balancer pool this
    /// is the balance ratio, which is the price only for equal weights.
    pub fn raw_price(&self) -> Option<f64> {
        if let Some(s) = self.sqrt_price {
            return (!s.is_zero()).then(|| math::price_of_sqrt(s));
        }
        let (a, b) = (self.balances.first()?, self.balances.get(1)?);
        (!a.is_zero()).then(|| math::to_f64(*b) / math::to_f64(*a))
    }

    /// Whether the pool holds nothing yet (a first deposit sets its price).
    pub fn is_empty(&self) -> bool {
        match self.protocol {
            Protocol::UniswapV3 | Protocol::UniswapV4 => {
                self.sqrt_price.is_none_or(|s| s.is_zero())
            }
            _ => self.total_supply.is_zero(),
        }
    }
}

/// A V4 pool's id: keccak256 of its abi-encoded key.
pub fn v4_pool_id(key: &V4Pool) -> B256 {
    keccak256(crate::swap::pool_key(key).abi_encode())
}

/// V3's tick spacing for a fee tier.
pub fn v3_tick_spacing(fee: u32) -> i32 {
    match fee {
        100 => 1,
        500 => 10,
        3000 => 60,
        _ => 200,
    }
}

/// Every pool between `a` and `b` on `network` that exists, with its state, in two Multicall3
/// round trips. WETH stands for the native coin in V4, whose pools hold ether itself.
pub async fn find_pools(
    client: &ChainClient,
    network: &Network,
    a: Address,
    b: Address,
) -> Result<Vec<Pool>, LiquidityError> {
    let p = &network.protocols;
    let mut first = Batch::default();
    let v2: Vec<(Protocol, usize)> = [
        (Protocol::UniswapV2, p.uniswap_v2_factory),
        (Protocol::SushiSwap, p.sushiswap_v2_factory),
    ]
    .into_iter()
    .filter_map(|(protocol, f)| {
        f.map(|f| {
            (protocol, first.push(f, &IUniswapV2Factory::getPairCall { tokenA: a, tokenB: b }))
        })
    })
    .collect();
    let v3: Vec<(u32, usize)> = match p.uniswap_v3_factory {
        Some(f) => V3_FEE_TIERS
            .iter()
            .map(|&fee| {
                (
                    fee,
                    first.push(
                        f,
                        &IUniswapV3Factory::getPoolCall {
                            tokenA: a,
                            tokenB: b,
                            fee: U24::from(fee),
                        },
                    ),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let mut v4 = Vec::new();
    if let Some(view) = p.uniswap_v4_state_view {
        for (fee, spacing) in V4_TIERS {
            let key = v4_pool(p.weth, a, b, fee, spacing);
            let id = v4_pool_id(&key);
            let slot0 = first.push(view, &IV4StateView::getSlot0Call { poolId: id });
            let liquidity = first.push(view, &IV4StateView::getLiquidityCall { poolId: id });
            v4.push((key, id, slot0, liquidity));
        }
    }
    let mut balancer = Vec::new();
    if let Some(vault) = p.balancer_vault {
        for pool in
            p.balancer_pools.iter().filter(|x| x.tokens.contains(&a) && x.tokens.contains(&b))
        {
            balancer.push(read_balancer(&mut first, vault, pool.id));
        }
    }
    let answers = first.send(client, p.multicall3, BlockId::latest()).await?;
    let mut pools = Vec::new();
    let mut second = Batch::default();
    let mut pairs = Vec::new();
    for (protocol, i) in v2 {
        let pair: Address = answers.get::<IUniswapV2Factory::getPairCall>(i).unwrap_or_default();
        if !pair.is_zero() {
            pairs.push((protocol, pair, read_pair(&mut second, pair)));
        }
    }
    let mut v3_pools = Vec::new();
    for (fee, i) in v3 {
        let pool: Address = answers.get::<IUniswapV3Factory::getPoolCall>(i).unwrap_or_default();
        if !pool.is_zero() {
            let slot0 = second.push(pool, &IV3PoolState::slot0Call {});
            let liquidity = second.push(pool, &IV3PoolState::liquidityCall {});
            v3_pools.push((fee, pool, slot0, liquidity));
        }
    }
    for (key, id, slot0, liquidity) in v4 {
        let Some(s) = answers.get::<IV4StateView::getSlot0Call>(slot0) else { continue };
        if s.sqrtPriceX96.is_zero() {
            continue; // not initialized
        }
        pools.push(Pool {
            protocol: Protocol::UniswapV4,
            reference: PoolRef::V4 { key, id },
            tokens: vec![key.currency0, key.currency1],
            balances: Vec::new(),
            sqrt_price: Some(U256::from(s.sqrtPriceX96)),
            tick: Some(s.tick.as_i32()),
            liquidity: answers.get::<IV4StateView::getLiquidityCall>(liquidity).unwrap_or_default(),
            total_supply: U256::ZERO,
        });
    }
    for read in balancer {
        if let Some(pool) = decode_balancer(&answers, &read) {
            pools.push(pool);
        }
    }
    let answers = second.send(client, p.multicall3, BlockId::latest()).await?;
    for (protocol, pair, read) in pairs {
        if let Some(pool) = decode_pair(&answers, protocol, pair, &read) {
            pools.push(pool);
        }
    }
    let (t0, t1) = if a < b { (a, b) } else { (b, a) };
    for (fee, pool, slot0, liquidity) in v3_pools {
        let Some(s) = answers.get::<IV3PoolState::slot0Call>(slot0) else { continue };
        pools.push(Pool {
            protocol: Protocol::UniswapV3,
            reference: PoolRef::V3 { pool, fee, tick_spacing: v3_tick_spacing(fee) },
            tokens: vec![t0, t1],
            balances: Vec::new(),
            sqrt_price: Some(U256::from(s.sqrtPriceX96)),
            tick: Some(s.tick.as_i32()),
            liquidity: answers.get::<IV3PoolState::liquidityCall>(liquidity).unwrap_or_default(),
            total_supply: U256::ZERO,
        });
    }
    pools.sort_by_key(|p| (p.protocol, p.fee()));
    Ok(pools)
}

/// Where a V2 pair's reads sit in a batch.
pub(super) struct PairRead {
    token0: usize,
    token1: usize,
    reserves: usize,
    supply: usize,
}

pub(super) fn read_pair(batch: &mut Batch, pair: Address) -> PairRead {
    PairRead {
        token0: batch.push(pair, &IUniswapV2Pair::token0Call {}),
        token1: batch.push(pair, &IUniswapV2Pair::token1Call {}),
        reserves: batch.push(pair, &IUniswapV2Pair::getReservesCall {}),
        supply: batch.push(pair, &IUniswapV2Pair::totalSupplyCall {}),
    }
}

pub(super) fn decode_pair(
    answers: &super::Answers,
    protocol: Protocol,
    pair: Address,
    read: &PairRead,
) -> Option<Pool> {
    let reserves = answers.get::<IUniswapV2Pair::getReservesCall>(read.reserves)?;
    Some(Pool {
        protocol,
        reference: PoolRef::Pair(pair),
        tokens: vec![
            answers.get::<IUniswapV2Pair::token0Call>(read.token0)?,
            answers.get::<IUniswapV2Pair::token1Call>(read.token1)?,
        ],
        balances: vec![U256::from(reserves.reserve0), U256::from(reserves.reserve1)],
        sqrt_price: None,
        tick: None,
        liquidity: 0,
        total_supply: answers.get::<IUniswapV2Pair::totalSupplyCall>(read.supply)?,
    })
}

/// Where a Balancer pool's reads sit in a batch.
pub(super) struct BalancerRead {
    id: B256,
    tokens: usize,
    supply: usize,
}

pub(super) fn read_balancer(batch: &mut Batch, vault: Address, id: B256) -> BalancerRead {
    let pool = Address::from_slice(&id[..20]);
    BalancerRead {
        id,
        tokens: batch.push(vault, &IBalancerPoolVault::getPoolTokensCall { poolId: id }),
        supply: batch.push(pool, &IBalancerPool::getActualSupplyCall {}),
    }
}

pub(super) fn decode_balancer(answers: &super::Answers, read: &BalancerRead) -> Option<Pool> {
    // A pool's address is the first 20 bytes of its id.
    let pool = Address::from_slice(&read.id[..20]);
    let t = answers.get::<IBalancerPoolVault::getPoolTokensCall>(read.tokens)?;
    let bpt_index = t.tokens.iter().position(|&x| x == pool);
    let (tokens, balances) = t
        .tokens
        .iter()
        .zip(&t.balances)
        .filter(|(x, _)| **x != pool)
        .map(|(x, b)| (*x, *b))
        .unzip();
    Some(Pool {
        protocol: Protocol::Balancer,
        reference: PoolRef::Balancer { id: read.id, pool, bpt_index },
        tokens,
        balances,
        sqrt_price: None,
        tick: None,
        liquidity: 0,
        total_supply: answers.get::<IBalancerPool::getActualSupplyCall>(read.supply)?,
    })
}
