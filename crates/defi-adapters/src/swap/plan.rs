//! The transactions of a swap along a chosen route: the approval when the allowance is short,
//! then the swap through the venue's router with the slippage limits and the deadline.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};

use super::{
    Quote, SwapKind, Venue,
    quotes::{balancer_swap, batch_steps, v3_path},
    split,
    universal::{split_execute, v4_execute, v4_route},
};
use crate::{
    Network, V3RouterKind,
    abi::{IBalancerVault, IERC20, ISwapRouter02, IUniswapV2Router02, IV3SwapRouter},
    permit2::PermitGrant,
    simulate::{Plan, Step},
};

/// Slippage tolerance above which sandwich bots profit: a warning in the preview.
pub const DEFAULT_SLIPPAGE_BPS: u32 = 50;

/// What the user asked for, beyond the route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapParams {
    /// The account that pays and receives.
    pub account: Address,
    /// Slippage tolerance in basis points (50 = 0.5%).
    pub slippage_bps: u32,
    /// Unix time after which the swap must revert.
    pub deadline: u64,
    /// Approve an unlimited amount instead of exactly what this swap needs.
    pub unlimited_approval: bool,
    /// The token's current allowance to the router (no approval step if it suffices).
    pub current_allowance: U256,
    /// Pay in the native coin: the router wraps it (the route starts at WETH).
    pub native_in: bool,
    /// Receive the native coin: the router unwraps it (the route ends at WETH).
    pub native_out: bool,
    /// The account's Permit2 nonce for (the input token, the Universal Router): the allowance
    /// a Universal Router swap signs uses it.
    pub permit2_nonce: u64,
}

/// The limits slippage puts on a quote: (most that may be spent, least that must arrive).
pub fn limits(quote: &Quote, kind: SwapKind, slippage_bps: u32) -> (U256, U256) {
    let bps = U256::from(10_000u32);
    let slip = U256::from(slippage_bps.min(10_000));
    match kind {
        SwapKind::ExactIn => (quote.amount_in, quote.amount_out * (bps - slip) / bps),
        // Rounded up, so the tolerance is never tighter than asked.
        SwapKind::ExactOut => ((quote.amount_in * (bps + slip)).div_ceil(bps), quote.amount_out),
    }
}

/// The transactions of a swap along `quote`: the approval if the allowance is short, then the
/// swap with the slippage limits and deadline.
pub fn plan(network: &Network, quote: &Quote, kind: SwapKind, params: &SwapParams) -> Option<Plan> {
    let (max_in, min_out) = limits(quote, kind, params.slippage_bps);
    let deadline = U256::from(params.deadline);
    let to = params.account;
    let (native_in, native_out) = (params.native_in, params.native_out);
    // What the swap transaction carries in native coin.
    let value = match (native_in, kind) {
        (false, _) => U256::ZERO,
        (true, SwapKind::ExactIn) => quote.amount_in,
        (true, SwapKind::ExactOut) => max_in,
    };
    let native = native_in || native_out;
    let one_leg = matches!(quote.venue, Venue::UniswapV2 { .. } | Venue::UniswapV3 { .. });
    let (router, input): (Address, Vec<u8>) = match &quote.venue {
        // A Uniswap V2 or V3 route through the Universal Router: a split of one leg.
        venue if one_leg && through_universal_router(network, venue, native) => {
            let leg = split::Leg {
                venue: venue.clone(),
                parts: split::PARTS,
                amount_in: quote.amount_in,
                amount_out: quote.amount_out,
                gas: quote.gas,
            };
            let weth = network.protocols.weth;
            let input = split_execute(weth, &[leg], kind, params.slippage_bps, deadline)?;
            (network.protocols.universal_router?, input)
        }
        Venue::UniswapV2 { path } | Venue::SushiSwap { path } => {
            let (path, amount_in, amount_out) = (path.clone(), quote.amount_in, quote.amount_out);
            let input = match (kind, native_in, native_out) {
                (SwapKind::ExactIn, true, _) => IUniswapV2Router02::swapExactETHForTokensCall {
                    amountOutMin: min_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactOut, true, _) => IUniswapV2Router02::swapETHForExactTokensCall {
                    amountOut: amount_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactIn, false, true) => IUniswapV2Router02::swapExactTokensForETHCall {
                    amountIn: amount_in,
                    amountOutMin: min_out,
                    path,
                    to,
                    deadline,
                }
                .abi_encode(),
                (SwapKind::ExactOut, false, true) => {
                    IUniswapV2Router02::swapTokensForExactETHCall {
                        amountOut: amount_out,
                        amountInMax: max_in,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
                (SwapKind::ExactIn, false, false) => {
                    IUniswapV2Router02::swapExactTokensForTokensCall {
                        amountIn: amount_in,
                        amountOutMin: min_out,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
                (SwapKind::ExactOut, false, false) => {
                    IUniswapV2Router02::swapTokensForExactTokensCall {
                        amountOut: amount_out,
                        amountInMax: max_in,
                        path,
                        to,
                        deadline,
                    }
                    .abi_encode()
                }
            };
            (spender(network, &quote.venue, native)?, input)
        }
        // A split runs in one Universal Router transaction; it pays and receives tokens, not
        // ether (a split is offered only for them).
        Venue::Split { legs } => {
            if native_in || native_out {
                return None;
            }
            let router = network.protocols.universal_router?;
            let input =
                split_execute(network.protocols.weth, legs, kind, params.slippage_bps, deadline)?;
            (router, input)
        }
        Venue::UniswapV4 { .. } | Venue::UniswapV4Hops { .. } => {
            let router = network.protocols.universal_router?;
            let (path, pools) = v4_route(&quote.venue)?;
            let input = v4_execute(
                network.protocols.weth,
                (&path, &pools),
                kind,
                quote,
                (max_in, min_out),
                (native_in, native_out),
                deadline,
            )?;
            (router, input)
        }
        Venue::Balancer { pool_id, token_in, token_out } => {
            let vault = network.protocols.balancer_vault?;
            let asset_in = if native_in { Address::ZERO } else { *token_in };
            let asset_out = if native_out { Address::ZERO } else { *token_out };
            let (exact, limit) = match kind {
                SwapKind::ExactIn => (quote.amount_in, min_out),
                SwapKind::ExactOut => (quote.amount_out, max_in),
            };
            let funds = IBalancerVault::FundManagement {
                sender: to,
                fromInternalBalance: false,
                recipient: to,
                toInternalBalance: false,
            };
            let input = IBalancerVault::swapCall {
                singleSwap: balancer_swap(*pool_id, kind, asset_in, asset_out, exact),
                funds,
                limit,
                deadline,
            }
            .abi_encode();
            (vault, input)
        }
        Venue::BalancerHops { pool_ids, path } => {
            let vault = network.protocols.balancer_vault?;
            // Ether is the Vault's zero address: it wraps what comes in and unwraps what goes out.
            let mut assets = path.clone();
            if native_in {
                assets[0] = Address::ZERO;
            }
            if native_out {
                let last = assets.len() - 1;
                assets[last] = Address::ZERO;
            }
            let exact = match kind {
                SwapKind::ExactIn => quote.amount_in,
                SwapKind::ExactOut => quote.amount_out,
            };
            // Per asset: the most the Vault may take (positive), the least it must pay
            // (negative); the hubs net to zero.
            let mut limits = vec![alloy::primitives::I256::ZERO; assets.len()];
            limits[0] = alloy::primitives::I256::from_raw(max_in);
            let last = limits.len() - 1;
            limits[last] = -alloy::primitives::I256::from_raw(min_out);
            let funds = IBalancerVault::FundManagement {
                sender: to,
                fromInternalBalance: false,
                recipient: to,
                toInternalBalance: false,
            };
            let input = IBalancerVault::batchSwapCall {
                kind: u8::from(kind == SwapKind::ExactOut),
                swaps: batch_steps(pool_ids, kind, exact),
                assets,
                funds,
                limits,
                deadline,
            }
            .abi_encode();
            (vault, input)
        }
        Venue::UniswapV3 { path, fees } => {
            let router = network.protocols.uniswap_v3_swap_router?;
            // Native out: the router receives WETH and unwraps it to the user in the same call.
            let recipient = if native_out { router } else { to };
            let router02 = network.protocols.uniswap_v3_router_kind == V3RouterKind::SwapRouter02;
            let swap = match (kind, router02) {
                (SwapKind::ExactIn, false) => IV3SwapRouter::exactInputCall {
                    params: IV3SwapRouter::ExactInputParams {
                        path: v3_path(path, fees, false),
                        recipient,
                        deadline,
                        amountIn: quote.amount_in,
                        amountOutMinimum: min_out,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactOut, false) => IV3SwapRouter::exactOutputCall {
                    params: IV3SwapRouter::ExactOutputParams {
                        path: v3_path(path, fees, true),
                        recipient,
                        deadline,
                        amountOut: quote.amount_out,
                        amountInMaximum: max_in,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactIn, true) => ISwapRouter02::exactInputCall {
                    params: ISwapRouter02::ExactInputParams {
                        path: v3_path(path, fees, false),
                        recipient,
                        amountIn: quote.amount_in,
                        amountOutMinimum: min_out,
                    },
                }
                .abi_encode(),
                (SwapKind::ExactOut, true) => ISwapRouter02::exactOutputCall {
                    params: ISwapRouter02::ExactOutputParams {
                        path: v3_path(path, fees, true),
                        recipient,
                        amountOut: quote.amount_out,
                        amountInMaximum: max_in,
                    },
                }
                .abi_encode(),
            };
            let mut calls = vec![Bytes::from(swap)];
            if native_out {
                let least = if kind == SwapKind::ExactIn { min_out } else { quote.amount_out };
                // The same selector on both routers.
                calls.push(
                    IV3SwapRouter::unwrapWETH9Call { amountMinimum: least, recipient: to }
                        .abi_encode()
                        .into(),
                );
            }
            if native_in && kind == SwapKind::ExactOut {
                // The unspent part of the maximum comes back.
                calls.push(IV3SwapRouter::refundETHCall {}.abi_encode().into());
            }
            let input = if router02 {
                // Its swaps carry no deadline: the multicall enforces one.
                ISwapRouter02::multicallCall { deadline, data: calls }.abi_encode()
            } else if calls.len() == 1 {
                calls.remove(0).to_vec()
            } else {
                IV3SwapRouter::multicallCall { data: calls }.abi_encode()
            };
            (router, input)
        }
    };
    let token_in = quote.venue.token_in()?;
    let spender = spender(network, &quote.venue, native)?;
    let mut steps = Vec::new();
    if !native_in && params.current_allowance < max_in {
        let amount = if params.unlimited_approval { U256::MAX } else { max_in };
        let label = if spender == router {
            "Approve the router to spend the input token".to_owned()
        } else {
            "Approve Permit2 to move the input token".to_owned()
        };
        steps.push(Step::new(
            label,
            alloy::rpc::types::TransactionRequest::default()
                .to(token_in)
                .input(Bytes::from(IERC20::approveCall { spender, amount }.abi_encode()).into()),
        ));
    }
    // The Universal Router takes tokens through Permit2: an allowance for this swap alone,
    // ending with its deadline, signed by the user and carried by the swap itself.
    if spender != router && !native_in {
        let grant = PermitGrant {
            permit2: spender,
            token: token_in,
            spender: router,
            amount: max_in,
            expiration: params.deadline,
            nonce: params.permit2_nonce,
            sig_deadline: params.deadline,
        };
        steps.push(Step {
            label: "Sign a Permit2 allowance of this swap's amount for the Universal Router (a signature, not a transaction)".into(),
            request: grant.stand_in(),
            permit: Some(Box::new(grant)),
        });
    }
    steps.push(Step::new(
        format!("Swap on {}", quote.venue.describe(network)),
        alloy::rpc::types::TransactionRequest::default()
            .to(router)
            .value(value)
            .input(Bytes::from(input).into()),
    ));
    Some(Plan { from: params.account, steps })
}

/// Whether a swap along `venue` runs through the Universal Router: Uniswap V4 and splits
/// always; Uniswap V2 and V3 routes too where the network has it, paid by a Permit2 signature,
/// unless ether is paid or received (their own routers wrap and unwrap it in the same call).
pub fn through_universal_router(network: &Network, venue: &Venue, native: bool) -> bool {
    let p = &network.protocols;
    match venue {
        Venue::UniswapV4 { .. } | Venue::UniswapV4Hops { .. } | Venue::Split { .. } => true,
        Venue::UniswapV2 { .. } | Venue::UniswapV3 { .. } => {
            !native && p.universal_router.is_some() && p.permit2.is_some()
        }
        _ => false,
    }
}

/// Who the input token is approved to for `venue` (`native`: ether is paid or received): its
/// router, the Balancer Vault, or Permit2 (which the Universal Router spends through).
pub fn spender(network: &Network, venue: &Venue, native: bool) -> Option<Address> {
    let p = &network.protocols;
    if through_universal_router(network, venue, native) {
        return p.permit2;
    }
    match venue {
        Venue::UniswapV2 { .. } => p.uniswap_v2_router,
        Venue::SushiSwap { .. } => p.sushiswap_v2_router,
        Venue::UniswapV3 { .. } => p.uniswap_v3_swap_router,
        Venue::UniswapV4 { .. } | Venue::UniswapV4Hops { .. } | Venue::Split { .. } => p.permit2,
        Venue::Balancer { .. } | Venue::BalancerHops { .. } => p.balancer_vault,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::swap::{price_impact_bps, quotes::v3_path};

    #[test]
    fn v3_paths_are_packed_and_reversed_for_exact_out() {
        let (a, b, c) =
            (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb), Address::repeat_byte(0xcc));
        let forward = v3_path(&[a, b, c], &[500, 3000], false);
        assert_eq!(forward.len(), 20 + 3 + 20 + 3 + 20);
        assert_eq!(&forward[..20], a.as_slice());
        assert_eq!(&forward[20..23], &[0x00, 0x01, 0xf4]);
        assert_eq!(&forward[43..46], &[0x00, 0x0b, 0xb8]);
        let reversed = v3_path(&[a, b, c], &[500, 3000], true);
        assert_eq!(&reversed[..20], c.as_slice());
        assert_eq!(&reversed[20..23], &[0x00, 0x0b, 0xb8]);
        assert_eq!(&reversed[43..46], &[0x00, 0x01, 0xf4]);
        assert_eq!(&reversed[46..], a.as_slice());
    }

    #[test]
    fn slippage_limits_round_in_the_users_favour() {
        let q = |amount_in: u64, amount_out: u64| Quote {
            venue: Venue::UniswapV2 { path: vec![] },
            amount_in: U256::from(amount_in),
            amount_out: U256::from(amount_out),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: None,
        };
        assert_eq!(
            limits(&q(100, 10_000), SwapKind::ExactIn, 50),
            (U256::from(100), U256::from(9_950))
        );
        assert_eq!(
            limits(&q(10_001, 100), SwapKind::ExactOut, 50),
            (U256::from(10_052), U256::from(100))
        );
        assert_eq!(limits(&q(100, 999), SwapKind::ExactIn, 0).1, U256::from(999));
    }

    #[test]
    fn price_impact_compares_the_trade_rate_with_the_probe_rate() {
        let u = |v: u64| U256::from(v);
        assert_eq!(price_impact_bps((u(1000), u(1980)), (u(1), u(2))), Some(100));
        assert_eq!(price_impact_bps((u(1000), u(2000)), (u(1), u(2))), Some(0));
        // A better rate than the probe (rounding in the probe) is no impact, not negative.
        assert_eq!(price_impact_bps((u(1000), u(2100)), (u(1), u(2))), Some(0));
        assert_eq!(price_impact_bps((u(0), u(0)), (u(1), u(2))), None);
    }

    #[test]
    fn swap_router02_gets_its_own_parameters_and_the_deadline_in_the_multicall() {
        let mut network = Network::named("base").unwrap();
        // With a Universal Router, a token-for-token V3 route goes through it; without one,
        // through the network's SwapRouter.
        let ur_quote = Quote {
            venue: Venue::UniswapV3 {
                path: vec![network.token("USDC").unwrap().address, network.protocols.weth],
                fees: vec![500],
            },
            amount_in: U256::from(1_000_000u64),
            amount_out: U256::from(1u64),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: None,
        };
        assert!(through_universal_router(&network, &ur_quote.venue, false));
        assert!(
            !through_universal_router(&network, &ur_quote.venue, true),
            "ether: the router wraps it"
        );
        network.protocols.universal_router = None;
        let (usdc, weth) = (network.token("USDC").unwrap().address, network.protocols.weth);
        let quote = Quote {
            venue: Venue::UniswapV3 { path: vec![usdc, weth], fees: vec![500] },
            amount_in: U256::from(1_000_000u64),
            amount_out: U256::from(400_000_000_000_000u64),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: None,
        };
        let params = SwapParams {
            account: Address::repeat_byte(7),
            slippage_bps: 50,
            deadline: 1_900_000_000,
            unlimited_approval: false,
            current_allowance: U256::MAX,
            native_in: false,
            native_out: false,
            permit2_nonce: 0,
        };
        let input = |network: &Network| {
            let plan = plan(network, &quote, SwapKind::ExactIn, &params).unwrap();
            plan.steps[0].request.input.input().unwrap().clone()
        };
        let call = ISwapRouter02::multicallCall::abi_decode(&input(&network)).unwrap();
        assert_eq!(call.deadline, U256::from(1_900_000_000u64));
        let swap = ISwapRouter02::exactInputCall::abi_decode(&call.data[0]).unwrap();
        assert_eq!(swap.params.recipient, params.account);
        assert_eq!(swap.params.amountOutMinimum, U256::from(398_000_000_000_000u64));
        // The original router keeps the deadline in the parameters.
        network.protocols.uniswap_v3_router_kind = V3RouterKind::SwapRouter;
        let swap = IV3SwapRouter::exactInputCall::abi_decode(&input(&network)).unwrap();
        assert_eq!(swap.params.deadline, U256::from(1_900_000_000u64));
    }

    #[test]
    fn venues_are_described_for_people() {
        let network = Network::named("ethereum").unwrap();
        let weth = network.protocols.weth;
        let usdc = network.token("USDC").unwrap().address;
        let (x, y) = (Address::repeat_byte(1), Address::repeat_byte(2));
        assert_eq!(
            Venue::UniswapV2 { path: vec![x, weth, y] }.describe(&network),
            "Uniswap V2 via WETH"
        );
        assert_eq!(
            Venue::UniswapV3 { path: vec![x, usdc, y], fees: vec![3000, 100] }.describe(&network),
            "Uniswap V3 0.3% + 0.01% via USDC"
        );
        assert_eq!(
            Venue::UniswapV3 { path: vec![x, y], fees: vec![500] }.describe(&network),
            "Uniswap V3 0.05%"
        );
    }
}
