//! Withdrawals and fee collection on each venue.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolValue},
};

use super::*;

pub(super) async fn remove(
    client: &ChainClient,
    network: &Network,
    request: &LiquidityRequest,
    position: &Position,
    fraction_bps: u32,
) -> Result<LiquidityPlan, LiquidityError> {
    let symbol = symbol_on(network);
    let account = request.account;
    let slip = request.slippage_bps;
    let pool = &position.pool;
    let weth = network.protocols.weth;
    let deadline = U256::from(request.deadline);
    let spender = spender(network, pool)?;
    let part = |v: U256| v * U256::from(fraction_bps) / U256::from(10_000u32);
    let share = part(position.liquidity);
    let amounts: Vec<U256> = position.amounts.iter().map(|&a| part(a)).collect();
    let mins: Vec<U256> = amounts.iter().map(|&a| less_slippage(a, slip)).collect();
    let label = format!(
        "Remove {}% of {} {}",
        f64::from(fraction_bps) / 100.0,
        pool.describe(),
        pool.tokens.iter().map(|&t| symbol(t)).collect::<Vec<_>>().join("/")
    );
    let mut steps = Vec::new();
    let mut out = amounts.clone();
    match &pool.reference {
        PoolRef::Pair(pair) => {
            let reads = read_allowances(client, network, account, spender, &[*pair], None).await?;
            let name = |_: Address| format!("{} pool shares", pool.protocol.name());
            steps.extend(approvals(
                network,
                account,
                spender,
                request.deadline,
                &[(*pair, share)],
                &reads.allowances,
                &name,
            )?);
            let (t0, t1) = (pool.tokens[0], pool.tokens[1]);
            let input = if request.native && (t0 == weth || t1 == weth) {
                let (token, ti, ei) = if t0 == weth { (t1, 1, 0) } else { (t0, 0, 1) };
                V2Router::removeLiquidityETHCall {
                    token,
                    liquidity: share,
                    amountTokenMin: mins[ti],
                    amountETHMin: mins[ei],
                    to: account,
                    deadline,
                }
                .abi_encode()
            } else {
                V2Router::removeLiquidityCall {
                    tokenA: t0,
                    tokenB: t1,
                    liquidity: share,
                    amountAMin: mins[0],
                    amountBMin: mins[1],
                    to: account,
                    deadline,
                }
                .abi_encode()
            };
            steps.push(step(label, account, spender.0, input, U256::ZERO));
        }
        PoolRef::V3 { .. } => {
            let token_id = position.token_id.unwrap_or_default();
            let decrease = Npm::decreaseLiquidityCall {
                params: Npm::DecreaseLiquidityParams {
                    tokenId: token_id,
                    liquidity: u128_of(share),
                    amount0Min: mins[0],
                    amount1Min: mins[1],
                    deadline,
                },
            };
            // What comes out is the principal and every fee earned: both are collected.
            out = amounts.iter().zip(&position.fees).map(|(a, f)| *a + *f).collect();
            let mut calls = vec![Bytes::from(decrease.abi_encode())];
            calls.extend(v3_collect_calls(network, request, position, &out));
            steps.push(step(
                label,
                account,
                spender.0,
                Npm::multicallCall { data: calls }.abi_encode(),
                U256::ZERO,
            ));
        }
        PoolRef::V4 { key, .. } => {
            let token_id = position.token_id.unwrap_or_default();
            let (m0, m1) = (u128_of(mins[0]), u128_of(mins[1]));
            let first = if fraction_bps == 10_000 {
                (
                    action::BURN_POSITION,
                    V4BurnParams {
                        tokenId: token_id,
                        amount0Min: m0,
                        amount1Min: m1,
                        hookData: Bytes::new(),
                    }
                    .abi_encode_params(),
                )
            } else {
                (
                    action::DECREASE_LIQUIDITY,
                    V4ModifyParams {
                        tokenId: token_id,
                        liquidity: share,
                        amount0: m0,
                        amount1: m1,
                        hookData: Bytes::new(),
                    }
                    .abi_encode_params(),
                )
            };
            // V4 pays the fees out with any change of liquidity.
            out = amounts.iter().zip(&position.fees).map(|(a, f)| *a + *f).collect();
            let script = [
                first,
                (
                    action::TAKE_PAIR,
                    V4CurrencyPairTo {
                        currency0: key.currency0,
                        currency1: key.currency1,
                        recipient: account,
                    }
                    .abi_encode_params(),
                ),
            ];
            let call = IV4PositionManager::modifyLiquiditiesCall {
                unlockData: v4_script(&script),
                deadline,
            };
            steps.push(step(label, account, spender.0, call.abi_encode(), U256::ZERO));
        }
        PoolRef::Balancer { id, bpt_index, .. } => {
            let queries =
                network.protocols.balancer_queries.ok_or_else(|| LiquidityError::NotDeployed {
                    network: network.name.clone(),
                    protocol: "BalancerQueries",
                })?;
            let kind = if bpt_index.is_some() {
                balancer_kind::EXIT_COMPOSABLE_PROPORTIONAL
            } else {
                balancer_kind::EXIT_WEIGHTED_PROPORTIONAL
            };
            let exit = |mins: Vec<U256>| IBalancerPoolVault::ExitPoolRequest {
                assets: balancer_assets(network, pool, request.native),
                minAmountsOut: mins,
                userData: Bytes::from((U256::from(kind), share).abi_encode_params()),
                toInternalBalance: false,
            };
            let n = balancer_assets(network, pool, request.native).len();
            let query = IBalancerPoolQueries::queryExitCall {
                poolId: *id,
                sender: account,
                recipient: account,
                request: exit(vec![U256::ZERO; n]),
            };
            let reads = read_allowances(
                client,
                network,
                account,
                spender,
                &[],
                Some((queries, query.abi_encode(), false)),
            )
            .await?;
            let (_, mut amounts_out) = reads.balancer.unwrap_or_default();
            let mins: Vec<U256> = amounts_out.iter().map(|&a| less_slippage(a, slip)).collect();
            if let Some(i) = bpt_index.filter(|i| *i < amounts_out.len()) {
                amounts_out.remove(i);
            }
            out = amounts_out;
            let call = IBalancerPoolVault::exitPoolCall {
                poolId: *id,
                sender: account,
                recipient: account,
                request: exit(mins),
            };
            steps.push(step(label, account, spender.0, call.abi_encode(), U256::ZERO));
        }
    }
    Ok(LiquidityPlan {
        plan: Plan { from: account, steps },
        amounts: out,
        range: position.range,
        findings: Vec::new(),
    })
}

/// V3's collect of everything owed, to the account (or, paid in the native coin, through the
/// manager, which unwraps WETH and passes the other token on). `least` is what must arrive.
fn v3_collect_calls(
    network: &Network,
    request: &LiquidityRequest,
    position: &Position,
    least: &[U256],
) -> Vec<Bytes> {
    let weth = network.protocols.weth;
    let token_id = position.token_id.unwrap_or_default();
    let native = request.native && position.pool.tokens.contains(&weth);
    let collect = Npm::collectCall {
        params: Npm::CollectParams {
            tokenId: token_id,
            recipient: if native { Address::ZERO } else { request.account },
            amount0Max: u128::MAX,
            amount1Max: u128::MAX,
        },
    };
    let mut calls = vec![Bytes::from(collect.abi_encode())];
    if native {
        for (i, &t) in position.pool.tokens.iter().enumerate() {
            let least =
                less_slippage(least.get(i).copied().unwrap_or_default(), request.slippage_bps);
            let call = if t == weth {
                Npm::unwrapWETH9Call { amountMinimum: least, recipient: request.account }
                    .abi_encode()
            } else {
                Npm::sweepTokenCall { token: t, amountMinimum: least, recipient: request.account }
                    .abi_encode()
            };
            calls.push(Bytes::from(call));
        }
    }
    calls
}

pub(super) fn collect(
    network: &Network,
    request: &LiquidityRequest,
    position: &Position,
) -> Result<LiquidityPlan, LiquidityError> {
    let symbol = symbol_on(network);
    let pool = &position.pool;
    let (manager, _) = spender(network, pool)?;
    let label = format!(
        "Collect fees of {} {}",
        pool.describe(),
        pool.tokens.iter().map(|&t| symbol(t)).collect::<Vec<_>>().join("/")
    );
    let account = request.account;
    let input = match &pool.reference {
        PoolRef::V3 { .. } => {
            let calls = v3_collect_calls(network, request, position, &position.fees);
            if calls.len() == 1 {
                calls[0].to_vec()
            } else {
                Npm::multicallCall { data: calls }.abi_encode()
            }
        }
        PoolRef::V4 { key, .. } => {
            // Changing a position by zero liquidity pays its fees out.
            let script = [
                (
                    action::DECREASE_LIQUIDITY,
                    V4ModifyParams {
                        tokenId: position.token_id.unwrap_or_default(),
                        liquidity: U256::ZERO,
                        amount0: 0,
                        amount1: 0,
                        hookData: Bytes::new(),
                    }
                    .abi_encode_params(),
                ),
                (
                    action::TAKE_PAIR,
                    V4CurrencyPairTo {
                        currency0: key.currency0,
                        currency1: key.currency1,
                        recipient: account,
                    }
                    .abi_encode_params(),
                ),
            ];
            IV4PositionManager::modifyLiquiditiesCall {
                unlockData: v4_script(&script),
                deadline: U256::from(request.deadline),
            }
            .abi_encode()
        }
        _ => {
            return Err(LiquidityError::Invalid(format!(
                "{} fees are added to the pool and grow your share: removing liquidity takes them with it",
                pool.protocol.name()
            )));
        }
    };
    Ok(LiquidityPlan {
        plan: Plan { from: account, steps: vec![step(label, account, manager, input, U256::ZERO)] },
        amounts: position.fees.clone(),
        range: position.range,
        findings: Vec::new(),
    })
}
