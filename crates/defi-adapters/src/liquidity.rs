//! Uniswap V3 liquidity positions: which ones an account holds, and whether each pool's price
//! is inside the position's range (outside it, the position earns no fees and is all one token).

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes, U256, aliases::U24},
    sol_types::SolCall,
};
use serde::{Deserialize, Serialize};

use crate::{
    ChainClient, ClientError, Network,
    abi::{INonfungiblePositionManager as Npm, IUniswapV3Factory, IUniswapV3Pool},
    multicall,
};

/// Errors reading liquidity positions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiquidityError {
    /// The network has no Uniswap V3 position manager.
    #[error("{0} has no Uniswap V3 deployment known to Vigil")]
    NotDeployed(String),
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A contract answered something that does not decode.
    #[error("unexpected answer from Uniswap V3: {0}")]
    Decode(String),
}

/// One Uniswap V3 position NFT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidityPosition {
    /// The NFT's id.
    pub token_id: U256,
    /// Who holds it.
    pub owner: Address,
    /// The pool.
    pub pool: Address,
    /// The pool's tokens, sorted as the pool sorts them.
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
}

impl LiquidityPosition {
    /// Whether a pool at `tick` is inside the range (Uniswap's own rule: lower ≤ tick < upper).
    pub fn in_range(&self, tick: i32) -> bool {
        self.tick_lower <= tick && tick < self.tick_upper
    }
}

fn decode<C: SolCall>(
    answer: Option<&Option<Bytes>>,
    what: &str,
) -> Result<C::Return, LiquidityError> {
    answer
        .and_then(|a| a.as_ref())
        .and_then(|d| C::abi_decode_returns(d).ok())
        .ok_or_else(|| LiquidityError::Decode(what.to_owned()))
}

/// The open positions (liquidity above zero) of `owners`, at `block`: three Multicall3 round
/// trips (how many NFTs each owner has, their ids, then each position and its pool). Positions
/// change only when their owner acts, so the monitor reads this rarely and the prices every
/// block ([`tick_calls`]).
pub async fn fetch_positions(
    client: &ChainClient,
    network: &Network,
    owners: &[Address],
    block: BlockId,
) -> Result<Vec<LiquidityPosition>, LiquidityError> {
    let (Some(npm), Some(factory)) =
        (network.protocols.uniswap_v3_position_manager, network.protocols.uniswap_v3_factory)
    else {
        return Err(LiquidityError::NotDeployed(network.name.clone()));
    };
    let mc = network.protocols.multicall3;
    let call = |c: Vec<u8>| (npm, Bytes::from(c));
    let counts = multicall::aggregate_batch(
        client,
        mc,
        vec![owners.iter().map(|&owner| call(Npm::balanceOfCall { owner }.abi_encode())).collect()],
        block,
    )
    .await?;
    let mut ids_of = Vec::new();
    for (owner, answer) in owners.iter().zip(counts.iter().flatten()) {
        let n: U256 = decode::<Npm::balanceOfCall>(Some(answer), "balanceOf")?;
        // A bound against a hostile or broken contract; nobody holds this many positions.
        for index in 0..n.saturating_to::<u64>().min(1_000) {
            ids_of.push((*owner, U256::from(index)));
        }
    }
    if ids_of.is_empty() {
        return Ok(Vec::new());
    }
    let ids = multicall::aggregate_batch(
        client,
        mc,
        vec![
            ids_of
                .iter()
                .map(|&(owner, index)| {
                    call(Npm::tokenOfOwnerByIndexCall { owner, index }.abi_encode())
                })
                .collect(),
        ],
        block,
    )
    .await?;
    let ids: Vec<(Address, U256)> = ids_of
        .iter()
        .zip(ids.iter().flatten())
        .map(|(&(owner, _), a)| {
            Ok((owner, decode::<Npm::tokenOfOwnerByIndexCall>(Some(a), "tokenOfOwnerByIndex")?))
        })
        .collect::<Result<_, LiquidityError>>()?;
    // Each position, and its pool from the factory (the same call for the same pool is cheap).
    let calls = ids
        .iter()
        .map(|&(_, token_id)| call(Npm::positionsCall { tokenId: token_id }.abi_encode()))
        .collect();
    let answers = multicall::aggregate_batch(client, mc, vec![calls], block).await?;
    let mut positions = Vec::new();
    for (&(owner, token_id), a) in ids.iter().zip(answers.iter().flatten()) {
        let p = decode::<Npm::positionsCall>(Some(a), "positions")?;
        if p.liquidity == 0 {
            continue;
        }
        positions.push(LiquidityPosition {
            token_id,
            owner,
            pool: Address::ZERO,
            token0: p.token0,
            token1: p.token1,
            fee: p.fee.to::<u32>(),
            tick_lower: p.tickLower.as_i32(),
            tick_upper: p.tickUpper.as_i32(),
            liquidity: p.liquidity,
        });
    }
    let mut pools: BTreeMap<(Address, Address, u32), Address> = BTreeMap::new();
    for p in &positions {
        pools.insert((p.token0, p.token1, p.fee), Address::ZERO);
    }
    let keys: Vec<_> = pools.keys().copied().collect();
    let calls = keys
        .iter()
        .map(|&(token_a, token_b, fee)| {
            let c = IUniswapV3Factory::getPoolCall {
                tokenA: token_a,
                tokenB: token_b,
                fee: U24::from(fee),
            };
            (factory, Bytes::from(c.abi_encode()))
        })
        .collect();
    let answers = multicall::aggregate_batch(client, mc, vec![calls], block).await?;
    for (key, a) in keys.iter().zip(answers.iter().flatten()) {
        pools.insert(*key, decode::<IUniswapV3Factory::getPoolCall>(Some(a), "getPool")?);
    }
    for p in &mut positions {
        p.pool = pools.get(&(p.token0, p.token1, p.fee)).copied().unwrap_or_default();
    }
    Ok(positions)
}

/// The calls that read the current tick of every pool in `pools`, for a caller's own batch.
pub fn tick_calls(pools: &[Address]) -> Vec<(Address, Bytes)> {
    pools
        .iter()
        .map(|&pool| (pool, Bytes::from(IUniswapV3Pool::slot0Call {}.abi_encode())))
        .collect()
}

/// Decodes the answers to [`tick_calls`]: each pool's tick.
pub fn decode_ticks(
    answers: &[Option<Bytes>],
    pools: &[Address],
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
            decode::<IUniswapV3Pool::slot0Call>(Some(a), &format!("slot0 of {pool}"))
                .map(|s| s.tick.as_i32())
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
            pool: Address::ZERO,
            token0: Address::ZERO,
            token1: Address::ZERO,
            fee: 500,
            tick_lower: -10,
            tick_upper: 10,
            liquidity: 1,
        };
        assert!(p.in_range(-10) && p.in_range(9));
        assert!(!p.in_range(10) && !p.in_range(-11));
    }
}
