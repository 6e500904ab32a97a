//! Each venue's candidate routes between two tokens, the quote call its contract answers, and
//! how that answer decodes: Uniswap V2 and its fork SushiSwap, Uniswap V3 and V4, Balancer V2.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use super::{SWAP_BASE_GAS, SwapKind, V2_GAS_PER_HOP, V3_FEE_TIERS, V4Pool, Venue};
use crate::{
    Network,
    abi::{IBalancerQueries, IBalancerVault, IQuoterV2, IUniswapV2Router02, IV4Quoter, PoolKey},
};

/// Uniswap V4's usual fee tiers and their tick spacings (hookless pools).
pub(crate) const V4_TIERS: [(u32, i32); 4] = [(100, 1), (500, 10), (3000, 60), (10_000, 200)];
/// Gas a Balancer V2 single swap costs, roughly (its queries report none): measured on the
/// devnet's weighted and stable pools at 94,000 and 133,000.
const BALANCER_SWAP_GAS: u64 = 130_000;
/// Gas the Universal Router adds around a V4 swap (dispatch, settlement), roughly.
const UNIVERSAL_ROUTER_GAS: u64 = 40_000;

/// A V4 pool key with `a` and `b` in order; WETH is the pool's native ether.
pub(crate) fn v4_pool(
    weth: Address,
    a: Address,
    b: Address,
    fee: u32,
    tick_spacing: i32,
) -> V4Pool {
    let currency = |t: Address| if t == weth { Address::ZERO } else { t };
    let (x, y) = (currency(a), currency(b));
    let (currency0, currency1) = if x < y { (x, y) } else { (y, x) };
    V4Pool { currency0, currency1, fee, tick_spacing, hooks: Address::ZERO }
}

/// The pool's key as Solidity takes it.
pub(crate) fn pool_key(pool: &V4Pool) -> PoolKey {
    PoolKey {
        currency0: pool.currency0,
        currency1: pool.currency1,
        fee: alloy::primitives::Uint::from(pool.fee),
        // Invariant: tick spacings are the small tiers above or a user's pool's, within int24.
        tickSpacing: alloy::primitives::aliases::I24::try_from(pool.tick_spacing)
            .unwrap_or(alloy::primitives::aliases::I24::ONE),
        hooks: pool.hooks,
    }
}

/// Whether selling `token_in` (WETH for ether) moves the pool from currency0 to currency1.
pub(crate) fn zero_for_one(weth: Address, pool: &V4Pool, token_in: Address) -> bool {
    let currency = if token_in == weth { Address::ZERO } else { token_in };
    currency == pool.currency0
}

/// A Balancer single swap of `amount` between two tokens of `pool_id`.
pub(crate) fn balancer_swap(
    pool_id: alloy::primitives::B256,
    kind: SwapKind,
    asset_in: Address,
    asset_out: Address,
    amount: U256,
) -> IBalancerVault::SingleSwap {
    IBalancerVault::SingleSwap {
        poolId: pool_id,
        kind: if kind == SwapKind::ExactIn { 0 } else { 1 },
        assetIn: asset_in,
        assetOut: asset_out,
        amount,
        userData: Bytes::new(),
    }
}

/// Uniswap V3's packed path: token (20 bytes), fee (3 bytes), token, … For exact-out the path
/// is reversed (output first), as the quoter expects.
pub(crate) fn v3_path(tokens: &[Address], fees: &[u32], reversed: bool) -> Bytes {
    let mut out = Vec::with_capacity(tokens.len() * 23);
    let hops: Vec<(Address, u32, Address)> =
        tokens.windows(2).zip(fees).map(|(w, &f)| (w[0], f, w[1])).collect();
    let ordered: Vec<(Address, u32, Address)> =
        if reversed { hops.iter().rev().map(|&(a, f, b)| (b, f, a)).collect() } else { hops };
    for (i, (a, fee, b)) in ordered.iter().enumerate() {
        if i == 0 {
            out.extend_from_slice(a.as_slice());
        }
        out.extend_from_slice(&fee.to_be_bytes()[1..]);
        out.extend_from_slice(b.as_slice());
    }
    out.into()
}

/// The tokens two-hop routes may pass through: the wrapped native coin and the network's
/// stablecoins.
pub(crate) fn hubs(network: &Network) -> Vec<Address> {
    const STABLECOINS: [&str; 3] = ["USDC", "USDT", "DAI"];
    let mut hubs = vec![network.protocols.weth];
    hubs.extend(
        network
            .tokens
            .iter()
            .filter(|t| STABLECOINS.contains(&t.symbol.as_str()))
            .map(|t| t.address),
    );
    hubs.dedup();
    hubs
}

/// Every candidate venue between two tokens on `network`: direct pools, and two hops through
/// WETH and the stablecoins on the V2-style venues and Uniswap V3.
pub fn candidates(network: &Network, token_in: Address, token_out: Address) -> Vec<Venue> {
    let p = &network.protocols;
    let weth = p.weth;
    let mut venues = Vec::new();
    let hubs: Vec<Address> =
        hubs(network).into_iter().filter(|h| *h != token_in && *h != token_out).collect();
    if p.uniswap_v2_router.is_some() {
        venues.push(Venue::UniswapV2 { path: vec![token_in, token_out] });
        for &hub in &hubs {
            venues.push(Venue::UniswapV2 { path: vec![token_in, hub, token_out] });
        }
    }
    if p.sushiswap_v2_router.is_some() {
        venues.push(Venue::SushiSwap { path: vec![token_in, token_out] });
        for &hub in &hubs {
            venues.push(Venue::SushiSwap { path: vec![token_in, hub, token_out] });
        }
    }
    if p.uniswap_v4_quoter.is_some() {
        for (fee, spacing) in V4_TIERS {
            let pool = v4_pool(weth, token_in, token_out, fee, spacing);
            venues.push(Venue::UniswapV4 { token_in, token_out, pool });
        }
        // Two pools through a hub, at the tiers that hold most liquidity.
        const HOP_TIERS: [(u32, i32); 3] = [(100, 1), (500, 10), (3000, 60)];
        for &hub in &hubs {
            for (fee_a, spacing_a) in HOP_TIERS {
                for (fee_b, spacing_b) in HOP_TIERS {
                    let pools = vec![
                        v4_pool(weth, token_in, hub, fee_a, spacing_a),
                        v4_pool(weth, hub, token_out, fee_b, spacing_b),
                    ];
                    venues
                        .push(Venue::UniswapV4Hops { path: vec![token_in, hub, token_out], pools });
                }
            }
        }
    }
    if p.balancer_queries.is_some() && p.balancer_vault.is_some() {
        let pools = &p.balancer_pools;
        for pool in pools {
            if pool.tokens.contains(&token_in) && pool.tokens.contains(&token_out) {
                venues.push(Venue::Balancer { pool_id: pool.id, token_in, token_out });
            }
        }
        // Two pools through a hub, in one batch swap.
        for &hub in &hubs {
            for first in
                pools.iter().filter(|x| x.tokens.contains(&token_in) && x.tokens.contains(&hub))
            {
                for second in pools
                    .iter()
                    .filter(|x| x.tokens.contains(&hub) && x.tokens.contains(&token_out))
                {
                    if first.id != second.id {
                        venues.push(Venue::BalancerHops {
                            pool_ids: vec![first.id, second.id],
                            path: vec![token_in, hub, token_out],
                        });
                    }
                }
            }
        }
    }
    if p.uniswap_v3_quoter_v2.is_some() {
        for fee in V3_FEE_TIERS {
            venues.push(Venue::UniswapV3 { path: vec![token_in, token_out], fees: vec![fee] });
        }
        for &hub in &hubs {
            // Through a stablecoin, the stable side trades at the stable tiers.
            let second: &[u32] = if hub == weth { &V3_FEE_TIERS } else { &[100, 500, 3000] };
            for &a in &V3_FEE_TIERS {
                for &b in second {
                    venues.push(Venue::UniswapV3 {
                        path: vec![token_in, hub, token_out],
                        fees: vec![a, b],
                    });
                }
            }
        }
    }
    venues
}

pub(crate) fn quote_call(
    network: &Network,
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
) -> Option<(Address, Bytes)> {
    let p = &network.protocols;
    Some(match (venue, kind) {
        (Venue::UniswapV2 { path }, SwapKind::ExactIn) => (
            p.uniswap_v2_router?,
            IUniswapV2Router02::getAmountsOutCall { amountIn: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV2 { path }, SwapKind::ExactOut) => (
            p.uniswap_v2_router?,
            IUniswapV2Router02::getAmountsInCall { amountOut: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV3 { path, fees }, SwapKind::ExactIn) => (
            p.uniswap_v3_quoter_v2?,
            IQuoterV2::quoteExactInputCall { path: v3_path(path, fees, false), amountIn: amount }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV3 { path, fees }, SwapKind::ExactOut) => (
            p.uniswap_v3_quoter_v2?,
            IQuoterV2::quoteExactOutputCall { path: v3_path(path, fees, true), amountOut: amount }
                .abi_encode()
                .into(),
        ),
        (Venue::SushiSwap { path }, SwapKind::ExactIn) => (
            p.sushiswap_v2_router?,
            IUniswapV2Router02::getAmountsOutCall { amountIn: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::SushiSwap { path }, SwapKind::ExactOut) => (
            p.sushiswap_v2_router?,
            IUniswapV2Router02::getAmountsInCall { amountOut: amount, path: path.clone() }
                .abi_encode()
                .into(),
        ),
        (Venue::UniswapV4 { token_in, pool, .. }, kind) => {
            let params = IV4Quoter::QuoteExactSingleParams {
                poolKey: pool_key(pool),
                zeroForOne: zero_for_one(p.weth, pool, *token_in),
                exactAmount: u128::try_from(amount).ok()?,
                hookData: Bytes::new(),
            };
            let call = match kind {
                SwapKind::ExactIn => IV4Quoter::quoteExactInputSingleCall { params }.abi_encode(),
                SwapKind::ExactOut => IV4Quoter::quoteExactOutputSingleCall { params }.abi_encode(),
            };
            (p.uniswap_v4_quoter?, call.into())
        }
        (Venue::Balancer { pool_id, token_in, token_out }, kind) => {
            // The queries take any sender; nothing moves.
            let funds = IBalancerVault::FundManagement {
                sender: p.multicall3,
                fromInternalBalance: false,
                recipient: p.multicall3,
                toInternalBalance: false,
            };
            let swap = balancer_swap(*pool_id, kind, *token_in, *token_out, amount);
            (
                p.balancer_queries?,
                IBalancerQueries::querySwapCall { singleSwap: swap, funds }.abi_encode().into(),
            )
        }
        (Venue::UniswapV4Hops { path, pools }, kind) => {
            let currency = |t: &Address| if *t == p.weth { Address::ZERO } else { *t };
            // Exact in names each hop by the currency after it; exact out, before it.
            let (exact, named): (Address, Vec<Address>) = match kind {
                SwapKind::ExactIn => {
                    (currency(path.first()?), path[1..].iter().map(currency).collect())
                }
                SwapKind::ExactOut => {
                    (currency(path.last()?), path[..path.len() - 1].iter().map(currency).collect())
                }
            };
            let params = IV4Quoter::QuoteExactParams {
                exactCurrency: exact,
                path: path_keys(pools, &named),
                exactAmount: u128::try_from(amount).ok()?,
            };
            let call = match kind {
                SwapKind::ExactIn => IV4Quoter::quoteExactInputCall { params }.abi_encode(),
                SwapKind::ExactOut => IV4Quoter::quoteExactOutputCall { params }.abi_encode(),
            };
            (p.uniswap_v4_quoter?, call.into())
        }
        (Venue::BalancerHops { pool_ids, path }, kind) => {
            let funds = IBalancerVault::FundManagement {
                sender: p.multicall3,
                fromInternalBalance: false,
                recipient: p.multicall3,
                toInternalBalance: false,
            };
            let call = IBalancerQueries::queryBatchSwapCall {
                kind: u8::from(kind == SwapKind::ExactOut),
                swaps: batch_steps(pool_ids, kind, amount),
                assets: path.clone(),
                funds,
            };
            (p.balancer_queries?, call.abi_encode().into())
        }
        // A split is made of quotes; it is never quoted whole.
        (Venue::Split { .. }, _) => return None,
    })
}

/// A V4 path: each pool with the currency that names it (see the router's two directions).
pub(crate) fn path_keys(pools: &[V4Pool], currencies: &[Address]) -> Vec<crate::abi::PathKey> {
    pools
        .iter()
        .zip(currencies)
        .map(|(pool, &currency)| {
            let key = pool_key(pool);
            crate::abi::PathKey {
                intermediateCurrency: currency,
                fee: key.fee,
                tickSpacing: key.tickSpacing,
                hooks: key.hooks,
                hookData: Bytes::new(),
            }
        })
        .collect()
}

/// A Balancer batch swap's steps along pools `pool_ids` (assets in path order): exact in,
/// from the first pool on, each hop taking the last one's output (amount 0); exact out, from
/// the last pool back, each hop giving what the next one needs.
pub(crate) fn batch_steps(
    pool_ids: &[alloy::primitives::B256],
    kind: SwapKind,
    amount: U256,
) -> Vec<IBalancerVault::BatchSwapStep> {
    let step = |i: usize, amount: U256| IBalancerVault::BatchSwapStep {
        poolId: pool_ids[i],
        assetInIndex: U256::from(i),
        assetOutIndex: U256::from(i + 1),
        amount,
        userData: Bytes::new(),
    };
    let first = |i: usize| if i == 0 { amount } else { U256::ZERO };
    match kind {
        SwapKind::ExactIn => (0..pool_ids.len()).map(|i| step(i, first(i))).collect(),
        SwapKind::ExactOut => {
            (0..pool_ids.len()).rev().enumerate().map(|(n, i)| step(i, first(n))).collect()
        }
    }
}

/// (amount in, amount out, gas) from a quote's return data.
pub(crate) fn decode_quote(
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
    data: &Bytes,
) -> Option<(U256, U256, u64)> {
    match venue {
        Venue::UniswapV2 { path } | Venue::SushiSwap { path } => {
            let amounts = match kind {
                SwapKind::ExactIn => {
                    IUniswapV2Router02::getAmountsOutCall::abi_decode_returns(data).ok()?
                }
                SwapKind::ExactOut => {
                    IUniswapV2Router02::getAmountsInCall::abi_decode_returns(data).ok()?
                }
            };
            let gas = SWAP_BASE_GAS + V2_GAS_PER_HOP * (path.len() as u64 - 1);
            Some((*amounts.first()?, *amounts.last()?, gas))
        }
        Venue::UniswapV3 { .. } => match kind {
            SwapKind::ExactIn => {
                let r = IQuoterV2::quoteExactInputCall::abi_decode_returns(data).ok()?;
                Some((amount, r.amountOut, SWAP_BASE_GAS + r.gasEstimate.saturating_to::<u64>()))
            }
            SwapKind::ExactOut => {
                let r = IQuoterV2::quoteExactOutputCall::abi_decode_returns(data).ok()?;
                Some((r.amountIn, amount, SWAP_BASE_GAS + r.gasEstimate.saturating_to::<u64>()))
            }
        },
        Venue::UniswapV4 { .. } => {
            let (quoted, gas) = match kind {
                SwapKind::ExactIn => {
                    let r = IV4Quoter::quoteExactInputSingleCall::abi_decode_returns(data).ok()?;
                    (r.amountOut, r.gasEstimate)
                }
                SwapKind::ExactOut => {
                    let r = IV4Quoter::quoteExactOutputSingleCall::abi_decode_returns(data).ok()?;
                    (r.amountIn, r.gasEstimate)
                }
            };
            let gas = SWAP_BASE_GAS + UNIVERSAL_ROUTER_GAS + gas.saturating_to::<u64>();
            Some(match kind {
                SwapKind::ExactIn => (amount, quoted, gas),
                SwapKind::ExactOut => (quoted, amount, gas),
            })
        }
        Venue::Split { .. } => None,
        Venue::UniswapV4Hops { pools, .. } => {
            let (quoted, gas) = match kind {
                SwapKind::ExactIn => {
                    let r = IV4Quoter::quoteExactInputCall::abi_decode_returns(data).ok()?;
                    (r.amountOut, r.gasEstimate)
                }
                SwapKind::ExactOut => {
                    let r = IV4Quoter::quoteExactOutputCall::abi_decode_returns(data).ok()?;
                    (r.amountIn, r.gasEstimate)
                }
            };
            let gas = SWAP_BASE_GAS
                + UNIVERSAL_ROUTER_GAS
                + gas.saturating_to::<u64>().max(pools.len() as u64);
            Some(match kind {
                SwapKind::ExactIn => (amount, quoted, gas),
                SwapKind::ExactOut => (quoted, amount, gas),
            })
        }
        Venue::BalancerHops { pool_ids, .. } => {
            // The Vault's deltas: what it takes (positive) and pays (negative), per asset.
            let deltas = IBalancerQueries::queryBatchSwapCall::abi_decode_returns(data).ok()?;
            let paid_in = deltas.first()?.into_raw();
            let paid_out = deltas.last()?.unsigned_abs();
            let gas = SWAP_BASE_GAS + BALANCER_SWAP_GAS * pool_ids.len() as u64;
            (!paid_in.is_zero() && !paid_out.is_zero()).then_some((paid_in, paid_out, gas))
        }
        Venue::Balancer { .. } => {
            let quoted = IBalancerQueries::querySwapCall::abi_decode_returns(data).ok()?;
            let gas = SWAP_BASE_GAS + BALANCER_SWAP_GAS;
            Some(match kind {
                SwapKind::ExactIn => (amount, quoted, gas),
                SwapKind::ExactOut => (quoted, amount, gas),
            })
        }
    }
}
