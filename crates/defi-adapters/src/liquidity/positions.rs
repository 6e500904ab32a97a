//! An account's liquidity positions on every venue, with what each holds now, its range and
//! whether the price is in it, and the fees it has earned and not collected.

use alloy::{
    eips::BlockId,
    primitives::{Address, U256},
};
use serde::Serialize;

use super::{
    Batch, LiquidityError,
    bindings::{IBalancerPool, IUniswapV2Factory, IUniswapV2Pair, IV3PoolState, IV4StateView},
    math,
    pools::{self, Pool, PoolRef, Protocol},
    range::{self, LiquidityPosition, RangePool, tick24},
};
use crate::{ChainClient, Network};

/// One liquidity position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// The pool, with its state when read.
    pub pool: Pool,
    /// Who holds it.
    pub owner: Address,
    /// The position NFT (V3 and V4).
    pub token_id: Option<U256>,
    /// The price range in ticks, lower inclusive, upper exclusive (V3 and V4).
    pub range: Option<(i32, i32)>,
    /// Pool shares held (V2, Balancer) or the position's liquidity (V3, V4).
    pub liquidity: U256,
    /// What withdrawing everything would pay now, per pool token.
    pub amounts: Vec<U256>,
    /// Fees earned and not collected, per pool token (V3 and V4; V2 and Balancer fees grow
    /// the pool, so the share already holds them).
    pub fees: Vec<U256>,
}

impl Position {
    /// Whether the pool's price is inside the range; `None` for positions over every price.
    pub fn in_range(&self) -> Option<bool> {
        let (lower, upper) = self.range?;
        let tick = self.pool.tick?;
        Some(lower <= tick && tick < upper)
    }

    /// The position's share of its pool (V2 and Balancer), 0 to 1.
    pub fn pool_share(&self) -> Option<f64> {
        (!self.pool.protocol.has_range() && !self.pool.total_supply.is_zero())
            .then(|| math::to_f64(self.liquidity) / math::to_f64(self.pool.total_supply))
    }

    /// A key that stays the same for the position's life: "uniswap-v3/1234",
    /// "balancer/0x…", "sushiswap/0x…".
    pub fn key(&self) -> String {
        // Every position is an NFT or a share of its pool, so it always has a key.
        self.pool.position_key(self.token_id).unwrap_or_else(|| self.pool.protocol.slug())
    }
}

/// Every unordered pair of the network's tokens and its wrapped native coin: the V2 pairs an
/// account's shares are looked for in.
pub fn pair_candidates(network: &Network) -> Vec<(Address, Address)> {
    let mut tokens: Vec<Address> = network.tokens.iter().map(|t| t.address).collect();
    tokens.push(network.protocols.weth);
    tokens.sort();
    tokens.dedup();
    let mut pairs = Vec::new();
    for (i, &a) in tokens.iter().enumerate() {
        for &b in &tokens[i + 1..] {
            pairs.push((a, b));
        }
    }
    pairs
}

/// Every liquidity position of `owner` on `network` at `block`: shares of V2 pairs among the
/// network's tokens on Uniswap V2 and SushiSwap, V3 NFTs, the V4 NFTs among `v4_ids` (from
/// [`super::owned_v4_ids`]) and shares of the network's listed Balancer pools. Venues the
/// network lacks are skipped; the venues are read concurrently.
pub async fn fetch_positions(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    v4_ids: &[U256],
    block: BlockId,
) -> Result<Vec<Position>, LiquidityError> {
    let p = &network.protocols;
    let (shares, v3, v4) = tokio::try_join!(
        share_positions(client, network, owner, block),
        async {
            if p.uniswap_v3_position_manager.is_some() && p.uniswap_v3_factory.is_some() {
                let found = range::fetch_positions(client, network, &[owner], block).await?;
                range_positions(client, network, found, block).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if p.uniswap_v4_position_manager.is_some() && p.uniswap_v4_state_view.is_some() {
                let found =
                    range::fetch_v4_positions(client, network, owner, v4_ids, block).await?;
                range_positions(client, network, found, block).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    let mut all = shares;
    all.extend(v3);
    all.extend(v4);
    Ok(all)
}

/// Shares of V2 pairs and Balancer pools: two round trips (which pairs exist, then the
/// balances and pool state).
async fn share_positions(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    block: BlockId,
) -> Result<Vec<Position>, LiquidityError> {
    let p = &network.protocols;
    let factories: Vec<(Protocol, Address)> = [
        (Protocol::UniswapV2, p.uniswap_v2_factory),
        (Protocol::SushiSwap, p.sushiswap_v2_factory),
    ]
    .into_iter()
    .filter_map(|(protocol, f)| f.map(|f| (protocol, f)))
    .collect();
    let mut first = Batch::default();
    let mut lookups = Vec::new();
    for (a, b) in pair_candidates(network) {
        for &(protocol, factory) in &factories {
            let at = first.push(factory, &IUniswapV2Factory::getPairCall { tokenA: a, tokenB: b });
            lookups.push((protocol, at));
        }
    }
    let mut balancer = Vec::new();
    if let Some(vault) = p.balancer_vault {
        for pool in &p.balancer_pools {
            let address = Address::from_slice(&pool.id[..20]);
            let held = first.push(address, &IBalancerPool::balanceOfCall { owner });
            balancer.push((pools::read_balancer(&mut first, vault, pool.id), held));
        }
    }
    let answers = first.send(client, p.multicall3, block).await?;
    let mut positions = Vec::new();
    for (read, held) in balancer {
        let shares: U256 = answers.get::<IBalancerPool::balanceOfCall>(held).unwrap_or_default();
        if shares.is_zero() {
            continue;
        }
        if let Some(pool) = pools::decode_balancer(&answers, &read) {
            positions.push(share_position(pool, owner, shares));
        }
    }
    let mut second = Batch::default();
    let mut pairs = Vec::new();
    for (protocol, at) in lookups {
        let pair: Address = answers.get::<IUniswapV2Factory::getPairCall>(at).unwrap_or_default();
        if !pair.is_zero() {
            let held = second.push(pair, &IUniswapV2Pair::balanceOfCall { owner });
            pairs.push((protocol, pair, held, pools::read_pair(&mut second, pair)));
        }
    }
    let answers = second.send(client, p.multicall3, block).await?;
    for (protocol, pair, held, read) in pairs {
        let shares: U256 = answers.get::<IUniswapV2Pair::balanceOfCall>(held).unwrap_or_default();
        if shares.is_zero() {
            continue;
        }
        if let Some(pool) = pools::decode_pair(&answers, protocol, pair, &read) {
            positions.push(share_position(pool, owner, shares));
        }
    }
    Ok(positions)
}

/// A share of `pool`: its part of every balance, rounded down as an exit pays.
fn share_position(pool: Pool, owner: Address, shares: U256) -> Position {
    let amounts =
        pool.balances.iter().map(|&b| math::mul_div(b, shares, pool.total_supply, false)).collect();
    Position {
        pool,
        owner,
        token_id: None,
        range: None,
        liquidity: shares,
        amounts,
        fees: Vec::new(),
    }
}

/// Values range positions: each pool's price and fee growth, then what each position holds
/// and has earned; one round trip.
async fn range_positions(
    client: &ChainClient,
    network: &Network,
    found: Vec<LiquidityPosition>,
    block: BlockId,
) -> Result<Vec<Position>, LiquidityError> {
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let view = network.protocols.uniswap_v4_state_view.unwrap_or_default();
    let mut batch = Batch::default();
    struct Reads {
        slot0: usize,
        liquidity: usize,
        growth: [usize; 4],
    }
    let reads: Vec<Reads> = found
        .iter()
        .map(|p| match p.pool {
            RangePool::V3(pool) => Reads {
                slot0: batch.push(pool, &IV3PoolState::slot0Call {}),
                liquidity: batch.push(pool, &IV3PoolState::liquidityCall {}),
                growth: [
                    batch.push(pool, &IV3PoolState::feeGrowthGlobal0X128Call {}),
                    batch.push(pool, &IV3PoolState::feeGrowthGlobal1X128Call {}),
                    batch.push(pool, &IV3PoolState::ticksCall { tick: tick24(p.tick_lower) }),
                    batch.push(pool, &IV3PoolState::ticksCall { tick: tick24(p.tick_upper) }),
                ],
            },
            RangePool::V4(id) => {
                let inside = batch.push(
                    view,
                    &IV4StateView::getFeeGrowthInsideCall {
                        poolId: id,
                        tickLower: tick24(p.tick_lower),
                        tickUpper: tick24(p.tick_upper),
                    },
                );
                Reads {
                    slot0: batch.push(view, &IV4StateView::getSlot0Call { poolId: id }),
                    liquidity: batch.push(view, &IV4StateView::getLiquidityCall { poolId: id }),
                    growth: [inside; 4],
                }
            }
        })
        .collect();
    let answers = batch.send(client, network.protocols.multicall3, block).await?;
    let mut out = Vec::new();
    for (p, r) in found.into_iter().zip(reads) {
        let decode =
            |what: &str| LiquidityError::Decode(format!("{what} of position {}", p.token_id));
        let (sqrt_price, tick, pool_liquidity, inside) = match p.pool {
            RangePool::V3(_) => {
                let s = answers
                    .get::<IV3PoolState::slot0Call>(r.slot0)
                    .ok_or_else(|| decode("the pool price"))?;
                let global0 = answers
                    .get::<IV3PoolState::feeGrowthGlobal0X128Call>(r.growth[0])
                    .ok_or_else(|| decode("fee growth"))?;
                let global1 = answers
                    .get::<IV3PoolState::feeGrowthGlobal1X128Call>(r.growth[1])
                    .ok_or_else(|| decode("fee growth"))?;
                let lower = answers
                    .get::<IV3PoolState::ticksCall>(r.growth[2])
                    .ok_or_else(|| decode("the lower tick"))?;
                let upper = answers
                    .get::<IV3PoolState::ticksCall>(r.growth[3])
                    .ok_or_else(|| decode("the upper tick"))?;
                let tick = s.tick.as_i32();
                let inside = |global, lower_out, upper_out| {
                    math::fee_growth_inside(
                        global,
                        lower_out,
                        upper_out,
                        tick,
                        p.tick_lower,
                        p.tick_upper,
                    )
                };
                (
                    U256::from(s.sqrtPriceX96),
                    tick,
                    answers.get::<IV3PoolState::liquidityCall>(r.liquidity).unwrap_or_default(),
                    (
                        inside(global0, lower.feeGrowthOutside0X128, upper.feeGrowthOutside0X128),
                        inside(global1, lower.feeGrowthOutside1X128, upper.feeGrowthOutside1X128),
                    ),
                )
            }
            RangePool::V4(_) => {
                let s = answers
                    .get::<IV4StateView::getSlot0Call>(r.slot0)
                    .ok_or_else(|| decode("the pool price"))?;
                let g = answers
                    .get::<IV4StateView::getFeeGrowthInsideCall>(r.growth[0])
                    .ok_or_else(|| decode("fee growth"))?;
                (
                    U256::from(s.sqrtPriceX96),
                    s.tick.as_i32(),
                    answers.get::<IV4StateView::getLiquidityCall>(r.liquidity).unwrap_or_default(),
                    (g.feeGrowthInside0X128, g.feeGrowthInside1X128),
                )
            }
        };
        let (a, b) =
            (math::sqrt_ratio_at_tick(p.tick_lower), math::sqrt_ratio_at_tick(p.tick_upper));
        let (amount0, amount1) = math::amounts_for_liquidity(sqrt_price, a, b, p.liquidity, false);
        let fees = vec![
            U256::from(p.owed.0) + math::fees_owed(p.liquidity, inside.0, p.fee_growth_last.0),
            U256::from(p.owed.1) + math::fees_owed(p.liquidity, inside.1, p.fee_growth_last.1),
        ];
        let reference = match (p.pool, p.v4_key) {
            (RangePool::V4(id), Some(key)) => PoolRef::V4 { key, id },
            (RangePool::V3(pool), _) => {
                PoolRef::V3 { pool, fee: p.fee, tick_spacing: pools::v3_tick_spacing(p.fee) }
            }
            // fetch_v4_positions always gives V4 positions their key.
            (RangePool::V4(_), None) => continue,
        };
        out.push(Position {
            pool: Pool {
                protocol: p.protocol(),
                reference,
                tokens: vec![p.token0, p.token1],
                balances: Vec::new(),
                sqrt_price: Some(sqrt_price),
                tick: Some(tick),
                liquidity: pool_liquidity,
                total_supply: U256::ZERO,
            },
            owner: p.owner,
            token_id: Some(p.token_id),
            range: Some((p.tick_lower, p.tick_upper)),
            liquidity: U256::from(p.liquidity),
            amounts: vec![amount0, amount1],
            fees,
        });
    }
    Ok(out)
}
