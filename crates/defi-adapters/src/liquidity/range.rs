//! Range positions: which Uniswap V3 and V4 position NFTs an owner holds, with their range,
//! liquidity and fee checkpoints, and whether each pool's price is inside the range (outside
//! it, the position earns no fees and is all one token). The notifier reads the positions
//! rarely and the pools' ticks every block ([`tick_calls`]).

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256, aliases::U24},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use super::{
    Batch, LiquidityError,
    bindings::{IV3PoolState, IV4PositionManager, IV4StateView},
};
use crate::{
    ChainClient, Network,
    abi::{INonfungiblePositionManager as Npm, IUniswapV3Factory},
    swap::V4Pool,
};

/// The pool a range position is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RangePool {
    /// A Uniswap V3 pool contract.
    V3(Address),
    /// A Uniswap V4 pool, by its id in the PoolManager.
    V4(B256),
}

impl std::fmt::Display for RangePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::V3(a) => write!(f, "{}", a.to_checksum(None)),
            Self::V4(id) => write!(f, "{id}"),
        }
    }
}

/// One Uniswap V3 or V4 position NFT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidityPosition {
    /// The NFT's id.
    pub token_id: U256,
    /// Who holds it.
    pub owner: Address,
    /// The pool.
    pub pool: RangePool,
    /// The pool's tokens, sorted as the pool sorts them (V4: the zero address is the native
    /// coin).
    pub token0: Address,
    /// The second token.
    pub token1: Address,
    /// The fee tier in hundredths of a basis point (500 is 0.05%).
    pub fee: u32,
    /// The range's lower tick (inclusive).
    pub tick_lower: i32,
    /// The range's upper tick (exclusive).
    pub tick_upper: i32,
    /// The liquidity; zero once withdrawn.
    pub liquidity: u128,
    /// Fee growth inside the range when the position last changed (per token, Q128).
    pub fee_growth_last: (U256, U256),
    /// Fees already credited to the position and not collected (V3).
    pub owed: (u128, u128),
    /// The V4 pool's key (V4 only).
    pub v4_key: Option<V4Pool>,
}

impl LiquidityPosition {
    /// Whether a pool at `tick` is inside the range (Uniswap's own rule: lower ≤ tick < upper).
    pub fn in_range(&self, tick: i32) -> bool {
        self.tick_lower <= tick && tick < self.tick_upper
    }

    /// "Uniswap V3" or "Uniswap V4".
    pub fn protocol(&self) -> super::Protocol {
        match self.pool {
            RangePool::V3(_) => super::Protocol::UniswapV3,
            RangePool::V4(_) => super::Protocol::UniswapV4,
        }
    }
}

/// The Uniswap V3 positions of `owners` at `block` that hold liquidity or uncollected fees:
/// four Multicall3 round trips (how many NFTs each owner has, their ids, each position, then
/// each pool from the factory).
pub async fn fetch_positions(
    client: &ChainClient,
    network: &Network,
    owners: &[Address],
    block: BlockId,
) -> Result<Vec<LiquidityPosition>, LiquidityError> {
    let (Some(npm), Some(factory)) =
        (network.protocols.uniswap_v3_position_manager, network.protocols.uniswap_v3_factory)
    else {
        return Err(LiquidityError::NotDeployed {
            network: network.name.clone(),
            protocol: "Uniswap V3",
        });
    };
    let mc = network.protocols.multicall3;
    let mut counts = Batch::default();
    let count_at: Vec<usize> =
        owners.iter().map(|&owner| counts.push(npm, &Npm::balanceOfCall { owner })).collect();
    let counts = counts.send(client, mc, block).await?;
    let mut ids = Batch::default();
    let mut id_of = Vec::new();
    for (&owner, &i) in owners.iter().zip(&count_at) {
        let n: U256 = counts
            .get::<Npm::balanceOfCall>(i)
            .ok_or_else(|| LiquidityError::Decode("Uniswap V3's balanceOf".into()))?;
        // A bound against a hostile or broken contract; nobody holds this many positions.
        for index in 0..n.saturating_to::<u64>().min(1_000) {
            let at =
                ids.push(npm, &Npm::tokenOfOwnerByIndexCall { owner, index: U256::from(index) });
            id_of.push((owner, at));
        }
    }
    if id_of.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ids.send(client, mc, block).await?;
    let mut reads = Batch::default();
    let mut read_of = Vec::new();
    for (owner, at) in id_of {
        let token_id = ids
            .get::<Npm::tokenOfOwnerByIndexCall>(at)
            .ok_or_else(|| LiquidityError::Decode("Uniswap V3's tokenOfOwnerByIndex".into()))?;
        read_of.push((owner, token_id, reads.push(npm, &Npm::positionsCall { tokenId: token_id })));
    }
    let answers = reads.send(client, mc, block).await?;
    let mut positions = Vec::new();
    for (owner, token_id, at) in read_of {
        let p = answers
            .get::<Npm::positionsCall>(at)
            .ok_or_else(|| LiquidityError::Decode(format!("Uniswap V3 position {token_id}")))?;
        if p.liquidity == 0 && p.tokensOwed0 == 0 && p.tokensOwed1 == 0 {
            continue; // closed: nothing in it, nothing to collect
        }
        positions.push(LiquidityPosition {
            token_id,
            owner,
            pool: RangePool::V3(Address::ZERO),
            token0: p.token0,
            token1: p.token1,
            fee: p.fee.to::<u32>(),
            tick_lower: p.tickLower.as_i32(),
            tick_upper: p.tickUpper.as_i32(),
            liquidity: p.liquidity,
            fee_growth_last: (p.feeGrowthInside0LastX128, p.feeGrowthInside1LastX128),
            owed: (p.tokensOwed0, p.tokensOwed1),
            v4_key: None,
        });
    }
    let mut pools: BTreeMap<(Address, Address, u32), usize> = BTreeMap::new();
    let mut lookups = Batch::default();
    for p in &positions {
        pools.entry((p.token0, p.token1, p.fee)).or_insert_with(|| {
            let call = IUniswapV3Factory::getPoolCall {
                tokenA: p.token0,
                tokenB: p.token1,
                fee: U24::from(p.fee),
            };
            lookups.push(factory, &call)
        });
    }
    let answers = lookups.send(client, mc, block).await?;
    for p in &mut positions {
        let at = pools.get(&(p.token0, p.token1, p.fee)).copied().unwrap_or(usize::MAX);
        let pool = answers
            .get::<IUniswapV3Factory::getPoolCall>(at)
            .ok_or_else(|| LiquidityError::Decode("Uniswap V3's getPool".into()))?;
        p.pool = RangePool::V3(pool);
    }
    Ok(positions)
}

/// The V4 positions among `ids` that `owner` still holds, at `block`, with liquidity: one
/// Multicall3 round trip. (V4's PositionManager does not list an owner's NFTs; the ids come
/// from its Transfer events, [`super::owned_v4_ids`].)
pub async fn fetch_v4_positions(
    client: &ChainClient,
    network: &Network,
    owner: Address,
    ids: &[U256],
    block: BlockId,
) -> Result<Vec<LiquidityPosition>, LiquidityError> {
    let (Some(posm), Some(view)) =
        (network.protocols.uniswap_v4_position_manager, network.protocols.uniswap_v4_state_view)
    else {
        return Err(LiquidityError::NotDeployed {
            network: network.name.clone(),
            protocol: "Uniswap V4",
        });
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mc = network.protocols.multicall3;
    let mut batch = Batch::default();
    let reads: Vec<(U256, usize, usize, usize)> = ids
        .iter()
        .map(|&token_id| {
            (
                token_id,
                batch.push(posm, &IV4PositionManager::ownerOfCall { tokenId: token_id }),
                batch.push(
                    posm,
                    &IV4PositionManager::getPoolAndPositionInfoCall { tokenId: token_id },
                ),
                batch.push(
                    posm,
                    &IV4PositionManager::getPositionLiquidityCall { tokenId: token_id },
                ),
            )
        })
        .collect();
    let answers = batch.send(client, mc, block).await?;
    let mut positions = Vec::new();
    for (token_id, owner_at, info_at, liquidity_at) in reads {
        // Burned or sold: ownerOf reverts or names someone else.
        if answers.get::<IV4PositionManager::ownerOfCall>(owner_at) != Some(owner) {
            continue;
        }
        let Some(info) = answers.get::<IV4PositionManager::getPoolAndPositionInfoCall>(info_at)
        else {
            continue;
        };
        let liquidity = answers
            .get::<IV4PositionManager::getPositionLiquidityCall>(liquidity_at)
            .unwrap_or_default();
        if liquidity == 0 {
            continue; // emptied: V4 pays fees out on every change, so nothing is left to collect
        }
        let k = info.poolKey;
        let key = V4Pool {
            currency0: k.currency0,
            currency1: k.currency1,
            fee: k.fee.to::<u32>(),
            tick_spacing: k.tickSpacing.as_i32(),
            hooks: k.hooks,
        };
        let (tick_lower, tick_upper) = unpack_ticks(info.info);
        positions.push(LiquidityPosition {
            token_id,
            owner,
            pool: RangePool::V4(super::v4_pool_id(&key)),
            token0: key.currency0,
            token1: key.currency1,
            fee: key.fee,
            tick_lower,
            tick_upper,
            liquidity,
            fee_growth_last: (U256::ZERO, U256::ZERO),
            owed: (0, 0),
            v4_key: Some(key),
        });
    }
    // The fee checkpoints are the PoolManager's, under the PositionManager and the id as salt.
    let mut batch = Batch::default();
    let at: Vec<usize> = positions
        .iter()
        .map(|p| {
            let RangePool::V4(pool_id) = p.pool else { return usize::MAX };
            batch.push(
                view,
                &IV4StateView::getPositionInfoCall {
                    poolId: pool_id,
                    owner: posm,
                    tickLower: tick24(p.tick_lower),
                    tickUpper: tick24(p.tick_upper),
                    salt: B256::from(p.token_id),
                },
            )
        })
        .collect();
    let answers = batch.send(client, mc, block).await?;
    for (p, i) in positions.iter_mut().zip(at) {
        if let Some(info) = answers.get::<IV4StateView::getPositionInfoCall>(i) {
            p.fee_growth_last = (info.feeGrowthInside0LastX128, info.feeGrowthInside1LastX128);
        }
    }
    Ok(positions)
}

/// A tick as Solidity's int24 (ticks are bounded by ±887,272, well inside it).
pub(crate) fn tick24(tick: i32) -> alloy::primitives::aliases::I24 {
    alloy::primitives::aliases::I24::try_from(tick).unwrap_or_default()
}

/// The ticks packed in a V4 PositionInfo: 200 bits of pool id, then the upper tick (24 bits),
/// the lower tick (24 bits) and the subscriber flag (8 bits).
fn unpack_ticks(info: U256) -> (i32, i32) {
    let tick = |offset: usize| {
        let raw = ((info >> offset) & U256::from(0xFF_FFFFu32)).to::<u32>();
        // Sign-extend 24 bits.
        ((raw << 8) as i32) >> 8
    };
    (tick(8), tick(32))
}

/// The calls that read the current tick of every pool in `pools`, for a caller's own batch
/// (V4 pools are read through `state_view`).
pub fn tick_calls(pools: &[RangePool], state_view: Option<Address>) -> Vec<(Address, Bytes)> {
    pools
        .iter()
        .map(|pool| match pool {
            RangePool::V3(a) => (*a, Bytes::from(IV3PoolState::slot0Call {}.abi_encode())),
            RangePool::V4(id) => (
                state_view.unwrap_or_default(),
                Bytes::from(IV4StateView::getSlot0Call { poolId: *id }.abi_encode()),
            ),
        })
        .collect()
}

/// Decodes the answers to [`tick_calls`]: each pool's tick.
pub fn decode_ticks(
    answers: &[Option<Bytes>],
    pools: &[RangePool],
) -> Result<Vec<i32>, LiquidityError> {
    if answers.len() != pools.len() {
        return Err(LiquidityError::Decode(format!(
            "{} ticks for {} pools",
            answers.len(),
            pools.len()
        )));
    }
    answers
        .iter()
        .zip(pools)
        .map(|(a, pool)| {
            let data = a.as_ref();
            let tick = match pool {
                RangePool::V3(_) => data
                    .and_then(|d| IV3PoolState::slot0Call::abi_decode_returns(d).ok())
                    .map(|s| s.tick.as_i32()),
                RangePool::V4(_) => data
                    .and_then(|d| IV4StateView::getSlot0Call::abi_decode_returns(d).ok())
                    .map(|s| s.tick.as_i32()),
            };
            tick.ok_or_else(|| LiquidityError::Decode(format!("the tick of pool {pool}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_lower_inclusive_upper_exclusive() {
        let p = LiquidityPosition {
            token_id: U256::from(1),
            owner: Address::ZERO,
            pool: RangePool::V3(Address::ZERO),
            token0: Address::ZERO,
            token1: Address::ZERO,
            fee: 500,
            tick_lower: -10,
            tick_upper: 10,
            liquidity: 1,
            fee_growth_last: (U256::ZERO, U256::ZERO),
            owed: (0, 0),
            v4_key: None,
        };
        assert!(p.in_range(-10) && p.in_range(9));
        assert!(!p.in_range(10) && !p.in_range(-11));
    }

    #[test]
    fn v4_position_info_unpacks_negative_and_positive_ticks() {
        let pack = |lower: i32, upper: i32| {
            let t = |v: i32| U256::from((v as u32) & 0xFF_FFFF);
            (U256::from(0xABCDu32) << 56) | (t(upper) << 32) | (t(lower) << 8) | U256::from(1)
        };
        assert_eq!(unpack_ticks(pack(-887_220, 887_220)), (-887_220, 887_220));
        assert_eq!(unpack_ticks(pack(-60, -1)), (-60, -1));
    }
}
