//! Each venue's candidate routes between two tokens, the quote call its contract answers, and
//! how that answer decodes: Uniswap V2 and its fork SushiSwap, Uniswap V3 and V4, Balancer V2.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use super::{SWAP_BASE_GAS, SwapKind, V2_GAS_PER_HOP, V3_FEE_TIERS, Venue};
use crate::{
    Network,
    abi::{IQuoterV2, IUniswapV2Router02},
};

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

/// Every candidate venue between two tokens on `network`.
pub fn candidates(network: &Network, token_in: Address, token_out: Address) -> Vec<Venue> {
    let p = &network.protocols;
    let weth = p.weth;
    let mut venues = Vec::new();
    let two_hop = token_in != weth && token_out != weth;
    if p.uniswap_v2_router.is_some() {
        venues.push(Venue::UniswapV2 { path: vec![token_in, token_out] });
        if two_hop {
            venues.push(Venue::UniswapV2 { path: vec![token_in, weth, token_out] });
        }
    }
    if p.uniswap_v3_quoter_v2.is_some() {
        for fee in V3_FEE_TIERS {
            venues.push(Venue::UniswapV3 { path: vec![token_in, token_out], fees: vec![fee] });
        }
        if two_hop {
            for a in V3_FEE_TIERS {
                for b in V3_FEE_TIERS {
                    venues.push(Venue::UniswapV3 {
                        path: vec![token_in, weth, token_out],
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
    })
}

/// (amount in, amount out, gas) from a quote's return data.
pub(crate) fn decode_quote(
    venue: &Venue,
    kind: SwapKind,
    amount: U256,
    data: &Bytes,
) -> Option<(U256, U256, u64)> {
    match venue {
        Venue::UniswapV2 { path } => {
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
    }
}

