//! The Universal Router's `execute` calls: its commands and inputs for Uniswap V4 swaps (one
//! pool or a path) and for an order split over Uniswap V2, V3 and V4 routes, paid through
//! Permit2 (2.1.0's `Commands.sol` and v4-periphery's `Actions.sol`).

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolValue},
};

use super::{
    Quote, SwapKind, V4Pool, Venue,
    plan::limits,
    quotes::{path_keys, pool_key, v3_path},
    split,
};
use crate::abi::{
    IUniversalRouter, V4ExactInputParams, V4ExactInputSingleParams, V4ExactOutputParams,
    V4ExactOutputSingleParams,
};

/// Universal Router commands (2.1.0's `Commands.sol`).
const PERMIT2_TRANSFER_FROM: u8 = 0x02;
const SWEEP: u8 = 0x04;
const WRAP_ETH: u8 = 0x0b;
const UNWRAP_WETH: u8 = 0x0c;
const V4_SWAP: u8 = 0x10;
/// V4 router actions (v4-periphery's `Actions.sol`).
const SWAP_EXACT_IN_SINGLE: u8 = 0x06;
const SWAP_EXACT_IN: u8 = 0x07;
const SWAP_EXACT_OUT_SINGLE: u8 = 0x08;
const SWAP_EXACT_OUT: u8 = 0x09;
const SETTLE_ALL: u8 = 0x0c;
const TAKE: u8 = 0x0e;
const TAKE_ALL: u8 = 0x0f;
/// The Universal Router's stand-ins: the caller, the router itself, its whole balance, and
/// "whatever is owed" in a V4 settlement.
const MSG_SENDER: Address = Address::with_last_byte(1);
const ADDRESS_THIS: Address = Address::with_last_byte(2);
const CONTRACT_BALANCE: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);
const OPEN_DELTA: U256 = U256::ZERO;

/// The Universal Router's `execute` for a V4 swap along `route` (one pool or several).
#[allow(clippy::too_many_arguments)]
pub(super) fn v4_execute(
    weth: Address,
    route: (&[Address], &[V4Pool]),
    kind: SwapKind,
    quote: &Quote,
    limits: (U256, U256),
    natives: (bool, bool),
    deadline: U256,
) -> Option<Vec<u8>> {
    let mut commands = Vec::new();
    let mut inputs = Vec::new();
    let amounts = (quote.amount_in, quote.amount_out);
    v4_commands(&mut commands, &mut inputs, weth, route, kind, amounts, limits, natives)?;
    Some(IUniversalRouter::executeCall { commands: commands.into(), inputs, deadline }.abi_encode())
}

/// The Universal Router commands of a one-hop V4 swap of `amounts` (in, out) within `limits`
/// (most in, least out). The pool's side of WETH is native ether: the user's WETH is unwrapped
/// on the way in and wrapped on the way out, unless the user pays or receives ether itself.
#[allow(clippy::too_many_arguments)]
fn v4_commands(
    commands: &mut Vec<u8>,
    inputs: &mut Vec<Bytes>,
    weth: Address,
    (path, pools): (&[Address], &[V4Pool]),
    kind: SwapKind,
    (amount_in, amount_out): (U256, U256),
    (max_in, min_out): (U256, U256),
    (native_in, native_out): (bool, bool),
) -> Option<()> {
    let currency = |t: &Address| if *t == weth { Address::ZERO } else { *t };
    let (c_in, c_out) = (currency(path.first()?), currency(path.last()?));
    // The user's WETH into a native pool: moved to the router through Permit2, unwrapped.
    let unwrap_in = c_in.is_zero() && !native_in;
    if unwrap_in {
        commands.push(PERMIT2_TRANSFER_FROM);
        inputs.push(
            (weth, ADDRESS_THIS, alloy::primitives::U160::saturating_from(max_in))
                .abi_encode_params()
                .into(),
        );
        commands.push(UNWRAP_WETH);
        inputs.push((ADDRESS_THIS, max_in).abi_encode_params().into());
    }
    let (action, swap): (u8, Bytes) = match (pools, kind) {
        ([pool], SwapKind::ExactIn) => (
            SWAP_EXACT_IN_SINGLE,
            V4ExactInputSingleParams {
                poolKey: pool_key(pool),
                zeroForOne: c_in == pool.currency0,
                amountIn: u128::try_from(amount_in).ok()?,
                amountOutMinimum: u128::try_from(min_out).ok()?,
                hookData: Bytes::new(),
            }
            .abi_encode()
            .into(),
        ),
        ([pool], SwapKind::ExactOut) => (
            SWAP_EXACT_OUT_SINGLE,
            V4ExactOutputSingleParams {
                poolKey: pool_key(pool),
                zeroForOne: c_in == pool.currency0,
                amountOut: u128::try_from(amount_out).ok()?,
                amountInMaximum: u128::try_from(max_in).ok()?,
                hookData: Bytes::new(),
            }
            .abi_encode()
            .into(),
        ),
        // Several pools: exact in names each hop by the currency after it, exact out by the
        // one before it (the router walks an exact-output path backwards).
        (_, SwapKind::ExactIn) => {
            let named: Vec<Address> = path[1..].iter().map(currency).collect();
            (
                SWAP_EXACT_IN,
                V4ExactInputParams {
                    currencyIn: c_in,
                    path: path_keys(pools, &named),
                    maxHopSlippage: Vec::new(),
                    amountIn: u128::try_from(amount_in).ok()?,
                    amountOutMinimum: u128::try_from(min_out).ok()?,
                }
                .abi_encode()
                .into(),
            )
        }
        (_, SwapKind::ExactOut) => {
            let named: Vec<Address> = path[..path.len() - 1].iter().map(currency).collect();
            (
                SWAP_EXACT_OUT,
                V4ExactOutputParams {
                    currencyOut: c_out,
                    path: path_keys(pools, &named),
                    maxHopSlippage: Vec::new(),
                    amountOut: u128::try_from(amount_out).ok()?,
                    amountInMaximum: u128::try_from(max_in).ok()?,
                }
                .abi_encode()
                .into(),
            )
        }
    };
    let mut actions = vec![action];
    let mut params = vec![swap];
    // Paid from the user through Permit2, or (ether) from what the router holds.
    actions.push(SETTLE_ALL);
    params.push((c_in, max_in).abi_encode_params().into());
    // Ether out to a user who wants WETH: taken by the router, wrapped below.
    let wrap_out = c_out.is_zero() && !native_out;
    if wrap_out {
        actions.push(TAKE);
        params.push((c_out, ADDRESS_THIS, OPEN_DELTA).abi_encode_params().into());
    } else {
        actions.push(TAKE_ALL);
        params.push((c_out, min_out).abi_encode_params().into());
    }
    commands.push(V4_SWAP);
    inputs.push((Bytes::from(actions), params).abi_encode_params().into());
    if wrap_out || (unwrap_in && kind == SwapKind::ExactOut) {
        // The ether the router holds (the output, or what the input's maximum left) as WETH.
        commands.push(WRAP_ETH);
        inputs.push((MSG_SENDER, CONTRACT_BALANCE).abi_encode_params().into());
    }
    if native_in && kind == SwapKind::ExactOut {
        commands.push(SWEEP);
        inputs.push(
            (Address::ZERO, MSG_SENDER, alloy::primitives::U160::ZERO).abi_encode_params().into(),
        );
    }
    Some(())
}

/// A V4 route's tokens (input first) and pools.
pub(super) fn v4_route(venue: &Venue) -> Option<(Vec<Address>, Vec<V4Pool>)> {
    match venue {
        Venue::UniswapV4 { token_in, token_out, pool } => {
            Some((vec![*token_in, *token_out], vec![*pool]))
        }
        Venue::UniswapV4Hops { path, pools } => Some((path.clone(), pools.clone())),
        _ => None,
    }
}

/// Universal Router commands for Uniswap V2 and V3 (2.1.0's `Commands.sol`).
const V3_SWAP_EXACT_IN: u8 = 0x00;
const V3_SWAP_EXACT_OUT: u8 = 0x01;
const V2_SWAP_EXACT_IN: u8 = 0x08;
const V2_SWAP_EXACT_OUT: u8 = 0x09;

/// The Universal Router's `execute` for a split order: each leg on its own pool, paid from the
/// user through Permit2, received by the user; each within its own share of the slippage.
pub(super) fn split_execute(
    weth: Address,
    legs: &[split::Leg],
    kind: SwapKind,
    slippage_bps: u32,
    deadline: U256,
) -> Option<Vec<u8>> {
    let mut commands = Vec::new();
    let mut inputs: Vec<Bytes> = Vec::new();
    for leg in legs {
        let as_quote = Quote {
            venue: leg.venue.clone(),
            amount_in: leg.amount_in,
            amount_out: leg.amount_out,
            gas: leg.gas,
            gas_in_token: None,
            price_impact_bps: None,
        };
        let (max_in, min_out) = limits(&as_quote, kind, slippage_bps);
        let input: Bytes = match (&leg.venue, kind) {
            (Venue::UniswapV2 { path }, SwapKind::ExactIn) => {
                commands.push(V2_SWAP_EXACT_IN);
                (MSG_SENDER, leg.amount_in, min_out, path.clone(), true).abi_encode_params().into()
            }
            (Venue::UniswapV2 { path }, SwapKind::ExactOut) => {
                commands.push(V2_SWAP_EXACT_OUT);
                (MSG_SENDER, leg.amount_out, max_in, path.clone(), true).abi_encode_params().into()
            }
            (Venue::UniswapV3 { path, fees }, SwapKind::ExactIn) => {
                commands.push(V3_SWAP_EXACT_IN);
                let path = v3_path(path, fees, false);
                (MSG_SENDER, leg.amount_in, min_out, path, true).abi_encode_params().into()
            }
            (Venue::UniswapV3 { path, fees }, SwapKind::ExactOut) => {
                commands.push(V3_SWAP_EXACT_OUT);
                let path = v3_path(path, fees, true);
                (MSG_SENDER, leg.amount_out, max_in, path, true).abi_encode_params().into()
            }
            (Venue::UniswapV4 { .. }, kind) => {
                let amounts = (leg.amount_in, leg.amount_out);
                let limits = (max_in, min_out);
                let (path, pools) = v4_route(&leg.venue)?;
                v4_commands(
                    &mut commands,
                    &mut inputs,
                    weth,
                    (&path, &pools),
                    kind,
                    amounts,
                    limits,
                    (false, false),
                )?;
                continue;
            }
            _ => return None,
        };
        inputs.push(input);
    }
    Some(IUniversalRouter::executeCall { commands: commands.into(), inputs, deadline }.abi_encode())
}
