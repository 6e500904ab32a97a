//! Deposits: the amounts a pool's price asks for, the range's findings, and the transaction on
//! each venue.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolValue},
};

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) async fn add(
    client: &ChainClient,
    network: &Network,
    request: &LiquidityRequest,
    pool: &Pool,
    token_index: usize,
    amount: U256,
    range: Option<RangeChoice>,
) -> Result<LiquidityPlan, LiquidityError> {
    let symbol = symbol_on(network);
    let account = request.account;
    let slip = request.slippage_bps;
    if amount.is_zero() {
        return Err(LiquidityError::Invalid("the amount must be more than zero".into()));
    }
    if token_index >= pool.tokens.len() {
        return Err(LiquidityError::Invalid(format!(
            "the pool has {} tokens; token {token_index} is not one",
            pool.tokens.len()
        )));
    }
    let weth = network.protocols.weth;
    let deadline = U256::from(request.deadline);
    let spender = spender(network, pool)?;
    let mut findings = Vec::new();
    let mut ticks = None;
    // What each token of the pool takes (rounded up, as a deposit is).
    let amounts: Vec<U256> = match pool.protocol {
        Protocol::UniswapV2 | Protocol::SushiSwap | Protocol::Balancer => {
            if pool.is_empty() {
                return Err(LiquidityError::Invalid(format!(
                    "this {} pool holds nothing yet: Vigil does not open pools, as the first deposit sets the price",
                    pool.protocol.name()
                )));
            }
            let held = pool.balances[token_index];
            pool.balances
                .iter()
                .enumerate()
                .map(
                    |(i, &b)| {
                        if i == token_index { amount } else { math::mul_div(amount, b, held, true) }
                    },
                )
                .collect()
        }
        Protocol::UniswapV3 | Protocol::UniswapV4 => {
            let sqrt_price = pool.sqrt_price.filter(|s| !s.is_zero()).ok_or_else(|| {
                LiquidityError::Invalid(
                    "this pool has no price yet: Vigil does not open pools".into(),
                )
            })?;
            let (lower, upper) = range.unwrap_or(RangeChoice::Full).ticks(pool)?;
            ticks = Some((lower, upper));
            let (a, b) = (math::sqrt_ratio_at_tick(lower), math::sqrt_ratio_at_tick(upper));
            let liquidity = math::liquidity_for_amount(sqrt_price, a, b, amount, token_index == 1);
            if liquidity == 0 {
                let other = symbol(pool.tokens[1 - token_index]);
                return Err(LiquidityError::Invalid(format!(
                    "the price is outside this range on the side where it holds only {other}: deposit {other} instead, or choose a range that includes the price"
                )));
            }
            let (x, y) = math::amounts_for_liquidity(sqrt_price, a, b, liquidity, true);
            range_findings(&mut findings, pool, lower, upper, liquidity, &symbol);
            vec![x, y]
        }
    };
    if matches!(pool.protocol, Protocol::UniswapV2 | Protocol::SushiSwap | Protocol::Balancer) {
        let biggest = amounts
            .iter()
            .zip(&pool.balances)
            .map(|(a, b)| math::to_f64(*a) / math::to_f64(*b).max(1.0))
            .fold(0.0, f64::max);
        if biggest > THIN_POOL_SHARE {
            findings.push(thin_pool(biggest));
        }
    }
    let pays_native = |t: Address| request.native && (t == weth || t.is_zero());
    let needs: Vec<(Address, U256)> = pool
        .tokens
        .iter()
        .zip(&amounts)
        .map(|(&t, &a)| (t, plus_slippage_if(pool, a, slip)))
        .filter(|(t, _)| !pays_native(*t))
        .collect();
    let balancer_query = match &pool.reference {
        PoolRef::Balancer { id, .. } => {
            let queries =
                network.protocols.balancer_queries.ok_or_else(|| LiquidityError::NotDeployed {
                    network: network.name.clone(),
                    protocol: "BalancerQueries",
                })?;
            let call = IBalancerPoolQueries::queryJoinCall {
                poolId: *id,
                sender: account,
                recipient: account,
                request: join_request(network, pool, &amounts, U256::ZERO, request.native),
            };
            Some((queries, call.abi_encode(), true))
        }
        _ => None,
    };
    let tokens: Vec<Address> = needs.iter().map(|(t, _)| *t).collect();
    let reads = read_allowances(client, network, account, spender, &tokens, balancer_query).await?;
    let mut steps =
        approvals(network, account, spender, request.deadline, &needs, &reads.allowances, &symbol)?;
    let label = format!(
        "Add liquidity to {} {}",
        pool.describe(),
        pool.tokens.iter().map(|&t| symbol(t)).collect::<Vec<_>>().join("/")
    );
    let native_value = |i: usize| {
        if pays_native(pool.tokens[i]) {
            plus_slippage_if(pool, amounts[i], slip)
        } else {
            U256::ZERO
        }
    };
    let value: U256 = (0..pool.tokens.len()).map(native_value).fold(U256::ZERO, |a, b| a + b);
    match &pool.reference {
        PoolRef::Pair(_) => {
            let (router, _) = spender;
            let (t0, t1) = (pool.tokens[0], pool.tokens[1]);
            let input = if request.native && (t0 == weth || t1 == weth) {
                let (token, ti, ei) = if t0 == weth { (t1, 1, 0) } else { (t0, 0, 1) };
                V2Router::addLiquidityETHCall {
                    token,
                    amountTokenDesired: amounts[ti],
                    amountTokenMin: less_slippage(amounts[ti], slip),
                    amountETHMin: less_slippage(amounts[ei], slip),
                    to: account,
                    deadline,
                }
                .abi_encode()
            } else {
                V2Router::addLiquidityCall {
                    tokenA: t0,
                    tokenB: t1,
                    amountADesired: amounts[0],
                    amountBDesired: amounts[1],
                    amountAMin: less_slippage(amounts[0], slip),
                    amountBMin: less_slippage(amounts[1], slip),
                    to: account,
                    deadline,
                }
                .abi_encode()
            };
            // addLiquidityETH takes exactly the ether the price asks and refunds the rest.
            steps.push(step(
                label,
                account,
                router,
                input,
                if request.native { amounts[if t0 == weth { 0 } else { 1 }] } else { U256::ZERO },
            ));
        }
        PoolRef::V3 { fee, .. } => {
            let (npm, _) = spender;
            let (lower, upper) = ticks.unwrap_or_default();
            let mint = Npm::mintCall {
                params: Npm::MintParams {
                    token0: pool.tokens[0],
                    token1: pool.tokens[1],
                    fee: alloy::primitives::aliases::U24::from(*fee),
                    tickLower: tick24(lower),
                    tickUpper: tick24(upper),
                    amount0Desired: amounts[0],
                    amount1Desired: amounts[1],
                    amount0Min: less_slippage(amounts[0], slip),
                    amount1Min: less_slippage(amounts[1], slip),
                    recipient: account,
                    deadline,
                },
            };
            let v3_value = (0..2)
                .filter(|&i| pays_native(pool.tokens[i]))
                .map(|i| amounts[i])
                .fold(U256::ZERO, |a, b| a + b);
            let input = if v3_value.is_zero() {
                mint.abi_encode()
            } else {
                // The manager wraps what it needs of the ether sent and refunds the rest.
                let calls = vec![
                    Bytes::from(mint.abi_encode()),
                    Bytes::from(Npm::refundETHCall {}.abi_encode()),
                ];
                Npm::multicallCall { data: calls }.abi_encode()
            };
            steps.push(step(label, account, npm, input, v3_value));
        }
        PoolRef::V4 { key, .. } => {
            let (posm, _) = spender;
            let (lower, upper) = ticks.unwrap_or_default();
            let sqrt_price = pool.sqrt_price.unwrap_or_default();
            let (a, b) = (math::sqrt_ratio_at_tick(lower), math::sqrt_ratio_at_tick(upper));
            let liquidity = math::liquidity_for_amounts(sqrt_price, a, b, amounts[0], amounts[1]);
            let mint = V4MintParams {
                poolKey: pool_key(key),
                tickLower: tick24(lower),
                tickUpper: tick24(upper),
                liquidity: U256::from(liquidity),
                amount0Max: u128_of(plus_slippage(amounts[0], slip)),
                amount1Max: u128_of(plus_slippage(amounts[1], slip)),
                owner: account,
                hookData: Bytes::new(),
            };
            let mut script = vec![
                (action::MINT_POSITION, mint.abi_encode_params()),
                (
                    action::SETTLE_PAIR,
                    V4CurrencyPair { currency0: key.currency0, currency1: key.currency1 }
                        .abi_encode_params(),
                ),
            ];
            if key.currency0.is_zero() {
                // Ether is settled from what was sent; the rest comes back.
                script.push((
                    action::SWEEP,
                    V4CurrencyTo { currency: Address::ZERO, recipient: account }
                        .abi_encode_params(),
                ));
            }
            let call = IV4PositionManager::modifyLiquiditiesCall {
                unlockData: v4_script(&script),
                deadline,
            };
            // V4 pools of the native coin hold ether itself: it is sent whatever `native` says.
            let v4_value =
                if key.currency0.is_zero() { U256::from(mint.amount0Max) } else { U256::ZERO };
            steps.push(step(label, account, posm, call.abi_encode(), v4_value));
        }
        PoolRef::Balancer { id, .. } => {
            let (vault, _) = spender;
            let (shares, _) = reads.balancer.clone().unwrap_or_default();
            let call = IBalancerPoolVault::joinPoolCall {
                poolId: *id,
                sender: account,
                recipient: account,
                request: join_request(
                    network,
                    pool,
                    &amounts,
                    less_slippage(shares, slip),
                    request.native,
                ),
            };
            steps.push(step(label, account, vault, call.abi_encode(), value));
        }
    }
    Ok(LiquidityPlan { plan: Plan { from: account, steps }, amounts, range: ticks, findings })
}

/// V2 and Balancer deposits take exactly the amounts asked; V3 and V4 are asked with room.
fn plus_slippage_if(pool: &Pool, amount: U256, bps: u32) -> U256 {
    if pool.protocol == Protocol::UniswapV4 { plus_slippage(amount, bps) } else { amount }
}

/// A Balancer join of exact `amounts` (pool tokens, no share token) for at least `min_shares`.
fn join_request(
    network: &Network,
    pool: &Pool,
    amounts: &[U256],
    min_shares: U256,
    native: bool,
) -> IBalancerPoolVault::JoinPoolRequest {
    let assets = balancer_assets(network, pool, native);
    let bpt_index = match &pool.reference {
        PoolRef::Balancer { bpt_index, .. } => *bpt_index,
        _ => None,
    };
    let mut max_in = amounts.to_vec();
    if let Some(i) = bpt_index {
        max_in.insert(i.min(max_in.len()), U256::ZERO);
    }
    let user_data = (U256::from(balancer_kind::JOIN_EXACT_TOKENS_IN), amounts.to_vec(), min_shares)
        .abi_encode_params();
    IBalancerPoolVault::JoinPoolRequest {
        assets,
        maxAmountsIn: max_in,
        userData: Bytes::from(user_data),
        fromInternalBalance: false,
    }
}

fn thin_pool(share: f64) -> Finding {
    Finding::new(
        Severity::Warning,
        "thin_pool",
        format!(
            "The pool has little liquidity: your deposit would be {:.0}% of it. Its price is easy to move, and trades against a thin pool can cost you.",
            share * 100.0
        ),
    )
}

/// The findings particular to a price range: outside the price, very narrow, a thin pool.
fn range_findings(
    findings: &mut Vec<Finding>,
    pool: &Pool,
    lower: i32,
    upper: i32,
    liquidity: u128,
    symbol: &dyn Fn(Address) -> String,
) {
    let tick = pool.tick.unwrap_or_default();
    if tick < lower || tick >= upper {
        let only = if tick < lower { symbol(pool.tokens[0]) } else { symbol(pool.tokens[1]) };
        findings.push(Finding::new(
            Severity::Warning,
            "range_outside_price",
            format!("The price is already outside this range: the position holds only {only} and earns no fees until the price comes back into it."),
        ));
    }
    let width = math::price_at_tick(upper) / math::price_at_tick(lower);
    if width < NARROW_RANGE {
        findings.push(Finding::new(
            Severity::Warning,
            "narrow_range",
            format!("The range is very narrow ({:.2}% wide): an ordinary price move takes the price out of it, and then it earns nothing.", (width - 1.0) * 100.0),
        ));
    }
    if pool.liquidity > 0 && liquidity as f64 > THIN_POOL_SHARE * pool.liquidity as f64 {
        findings.push(thin_pool(liquidity as f64 / (pool.liquidity as f64 + liquidity as f64)));
    }
    if pool.liquidity == 0 {
        findings.push(Finding::new(
            Severity::Warning,
            "thin_pool",
            "The pool has no liquidity at its current price: its price is whatever the last trade left, and easy to move.".into(),
        ));
    }
}
