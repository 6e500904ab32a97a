//! What positions are worth: token prices in USD from the network's Aave oracle, and for
//! tokens it does not price, through the price of a Uniswap pool they share with one it does.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, U256},
};

use super::{Batch, LiquidityError, math, pools::Pool};
use crate::{ChainClient, Network, abi::IAaveOracle};

/// Aave's oracle quotes USD with 8 decimals.
const ORACLE_UNIT: f64 = 1e8;

/// The USD price of each of `tokens` the network's Aave oracle knows (the zero address is the
/// native coin, priced as its wrapped token), in one round trip; none without an oracle.
pub async fn usd_prices(
    client: &ChainClient,
    network: &Network,
    tokens: &[Address],
) -> Result<BTreeMap<Address, f64>, LiquidityError> {
    let Some(oracle) = network.protocols.aave_v3_oracle else { return Ok(BTreeMap::new()) };
    let weth = network.protocols.weth;
    let mut batch = Batch::default();
    let at: Vec<(Address, usize)> = tokens
        .iter()
        .map(|&t| {
            let asset = if t.is_zero() { weth } else { t };
            (t, batch.push(oracle, &IAaveOracle::getAssetPriceCall { asset }))
        })
        .collect();
    let answers = batch.send(client, network.protocols.multicall3, BlockId::latest()).await?;
    Ok(at
        .into_iter()
        .filter_map(|(t, i)| {
            let price: U256 = answers.get::<IAaveOracle::getAssetPriceCall>(i)?;
            (!price.is_zero()).then(|| (t, math::to_f64(price) / ORACLE_UNIT))
        })
        .collect())
}

/// Prices the tokens `prices` lacks through the Uniswap pools in `pools` that pair them with a
/// priced token (a pool's price is a market price; a Balancer pool's balances are not, unless
/// its weights are equal, so it is not used).
pub fn price_through_pools(
    prices: &mut BTreeMap<Address, f64>,
    pools: &[&Pool],
    decimals: &dyn Fn(Address) -> u8,
) {
    for pool in pools {
        if pool.protocol == super::Protocol::Balancer || pool.tokens.len() != 2 {
            continue;
        }
        let (t0, t1) = (pool.tokens[0], pool.tokens[1]);
        let Some(raw) = pool.raw_price().filter(|p| *p > 0.0 && p.is_finite()) else { continue };
        // Whole token1 per whole token0.
        let price = raw * 10f64.powi(i32::from(decimals(t0)) - i32::from(decimals(t1)));
        match (prices.get(&t0).copied(), prices.get(&t1).copied()) {
            (Some(p0), None) => {
                prices.insert(t1, p0 / price);
            }
            (None, Some(p1)) => {
                prices.insert(t0, p1 * price);
            }
            _ => {}
        }
    }
}

/// The value of raw `amounts` of `tokens`, when every token with a non-zero amount is priced.
pub fn value_of(
    tokens: &[Address],
    amounts: &[U256],
    prices: &BTreeMap<Address, f64>,
    decimals: &dyn Fn(Address) -> u8,
) -> Option<f64> {
    tokens.iter().zip(amounts).try_fold(0.0, |sum, (t, a)| {
        if a.is_zero() {
            return Some(sum);
        }
        let whole = math::to_f64(*a) / 10f64.powi(i32::from(decimals(*t)));
        Some(sum + whole * prices.get(t)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::liquidity::{PoolRef, Protocol};

    #[test]
    fn a_pool_prices_its_other_token_in_whole_units() {
        let (weth, usdc) = (Address::repeat_byte(1), Address::repeat_byte(2));
        // 2,000 USDC (6 decimals) per WETH (18): raw price 2000e6 / 1e18.
        let pool = Pool {
            protocol: Protocol::UniswapV2,
            reference: PoolRef::Pair(Address::ZERO),
            tokens: vec![weth, usdc],
            balances: vec![U256::from(10u64).pow(U256::from(18)), U256::from(2_000_000_000u64)],
            sqrt_price: None,
            tick: None,
            liquidity: 0,
            total_supply: U256::from(1),
        };
        let decimals = |t: Address| if t == weth { 18 } else { 6 };
        let mut prices = BTreeMap::from([(usdc, 1.0)]);
        price_through_pools(&mut prices, &[&pool], &decimals);
        assert!((prices[&weth] - 2000.0).abs() < 1e-6, "{prices:?}");
        let v = value_of(
            &[weth, usdc],
            &[U256::from(10u64).pow(U256::from(17)), U256::from(5_000_000u64)],
            &prices,
            &decimals,
        );
        assert!((v.unwrap() - 205.0).abs() < 1e-6);
        assert_eq!(
            value_of(&[Address::repeat_byte(9)], &[U256::from(1)], &prices, &decimals),
            None
        );
    }
}
