//! The transactions that add liquidity, remove it and collect fees on each venue, their risk
//! findings, and the preview that simulates them like any other plan.
//!
//! - Uniswap V2 and SushiSwap through their router (`addLiquidity`, `removeLiquidity`, and the
//!   `ETH` variants when the user pays or is paid in the native coin).
//! - Uniswap V3 through its position manager (`mint`, `increaseLiquidity`, and
//!   `decreaseLiquidity` with `collect` in one `multicall`).
//! - Uniswap V4 through its PositionManager's action scripts, paid through Permit2.
//! - Balancer through the Vault's `joinPool` and `exitPool`, priced by BalancerQueries.

use alloy::{
    eips::BlockId,
    primitives::{Address, Bytes, U256, aliases::U48, aliases::U160},
    sol_types::{SolCall, SolValue},
};

mod add;
mod remove;

use super::{
    Batch, LiquidityError,
    bindings::{
        IBalancerPoolQueries, IBalancerPoolVault, IUniswapV2LiquidityRouter as V2Router,
        IV3PositionManager as Npm, IV4PositionManager, V4BurnParams, V4CurrencyPair,
        V4CurrencyPairTo, V4CurrencyTo, V4MintParams, V4ModifyParams,
    },
    math,
    pools::{Pool, PoolRef, Protocol},
    positions::Position,
    range::tick24,
};
use crate::{
    ChainClient, Network,
    abi::{IERC20, IPermit2},
    preview::{self, Finding, PlanReview, PreviewError, Severity},
    simulate::{AssetId, Plan, Step},
    swap::pool_key,
};

/// V4 PositionManager actions (v4-periphery `Actions.sol`).
mod action {
    pub(super) const DECREASE_LIQUIDITY: u8 = 0x01;
    pub(super) const MINT_POSITION: u8 = 0x02;
    pub(super) const BURN_POSITION: u8 = 0x03;
    pub(super) const SETTLE_PAIR: u8 = 0x0d;
    pub(super) const TAKE_PAIR: u8 = 0x11;
    pub(super) const SWEEP: u8 = 0x14;
}

/// Balancer join and exit kinds.
mod balancer_kind {
    /// Both pool types: exact tokens in, at least this many shares out.
    pub(super) const JOIN_EXACT_TOKENS_IN: u8 = 1;
    /// Weighted pools: exact shares in, every token out in proportion.
    pub(super) const EXIT_WEIGHTED_PROPORTIONAL: u8 = 1;
    /// Composable stable pools: the same exit, under another number.
    pub(super) const EXIT_COMPOSABLE_PROPORTIONAL: u8 = 2;
}

/// A price range narrower than this (upper over lower price) is a warning: the price leaves it
/// with ordinary moves.
const NARROW_RANGE: f64 = 1.02;
/// A deposit bigger than this share of what the pool holds is a warning: the pool is thin.
const THIN_POOL_SHARE: f64 = 0.10;

/// Which part of the price range a new V3 or V4 position covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeChoice {
    /// Every price (the pool's lowest to highest usable tick).
    Full,
    /// From the current price divided by (1 + p) to multiplied by (1 + p): `0.1` is ±10%.
    AroundPrice(f64),
    /// Explicit ticks (snapped to the pool's spacing).
    Ticks(i32, i32),
}

impl RangeChoice {
    /// The ticks of this choice in `pool`, snapped to its spacing, lower below upper.
    pub fn ticks(self, pool: &Pool) -> Result<(i32, i32), LiquidityError> {
        let spacing = pool.tick_spacing().unwrap_or(1);
        let (lower, upper) = match self {
            Self::Full => (math::min_usable_tick(spacing), math::max_usable_tick(spacing)),
            Self::AroundPrice(p) => {
                let price = pool
                    .raw_price()
                    .ok_or_else(|| LiquidityError::Invalid("the pool has no price yet".into()))?;
                if !(p > 0.0 && p.is_finite()) {
                    return Err(LiquidityError::Invalid(format!(
                        "a range of ±{p} is not a positive width: use, for example, 0.1 for ±10%"
                    )));
                }
                let below = math::tick_for_price(price / (1.0 + p), spacing);
                let above = math::tick_for_price(price * (1.0 + p), spacing);
                (below, above.max(below + spacing))
            }
            Self::Ticks(a, b) => {
                let snap = |t: i32| math::tick_for_price(math::price_at_tick(t), spacing);
                (snap(a.min(b)), snap(a.max(b)))
            }
        };
        if lower >= upper {
            return Err(LiquidityError::Invalid(format!(
                "the range {lower}..{upper} is empty: choose a wider one"
            )));
        }
        Ok((lower, upper))
    }
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum LiquidityAction {
    /// Deposit `amount` of the pool's token at `token_index` and what the pool's price asks
    /// of the other tokens (Balancer: in proportion to its balances).
    Add {
        /// The pool, as [`super::find_pools`] read it.
        pool: Pool,
        /// Which of `pool.tokens` the amount is of.
        token_index: usize,
        /// How much of it, raw units.
        amount: U256,
        /// The price range of the new position (V3 and V4; `None`: every price).
        range: Option<RangeChoice>,
    },
    /// Withdraw `fraction_bps` / 10,000 of a position (10,000: all of it).
    Remove {
        /// The position.
        position: Position,
        /// How much of it, basis points.
        fraction_bps: u32,
    },
    /// Collect a V3 or V4 position's fees.
    Collect {
        /// The position.
        position: Position,
    },
}

/// An action for an account, with its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidityRequest {
    /// Who acts.
    pub account: Address,
    /// What to do.
    pub action: LiquidityAction,
    /// How far the amounts may move against the user before the transaction reverts, bps.
    pub slippage_bps: u32,
    /// Unix time after which it must revert.
    pub deadline: u64,
    /// Pay and be paid in the native coin where the pool holds its wrapped token.
    pub native: bool,
}

/// A planned liquidity action: its transactions, what it expects to move, and the findings.
#[derive(Debug, Clone, PartialEq)]
pub struct LiquidityPlan {
    /// The transactions.
    pub plan: Plan,
    /// Per pool token: what goes in (add) or comes out (remove, collect), raw units.
    pub amounts: Vec<U256>,
    /// The range, in ticks (V3 and V4 new positions).
    pub range: Option<(i32, i32)>,
    /// Risk findings particular to liquidity.
    pub findings: Vec<Finding>,
}

fn u128_of(v: U256) -> u128 {
    v.saturating_to()
}

fn less_slippage(v: U256, bps: u32) -> U256 {
    v * U256::from(10_000 - bps.min(10_000)) / U256::from(10_000u32)
}

fn plus_slippage(v: U256, bps: u32) -> U256 {
    (v * U256::from(10_000 + bps.min(10_000))).div_ceil(U256::from(10_000u32))
}

fn step(label: String, from: Address, to: Address, input: Vec<u8>, value: U256) -> Step {
    let request = alloy::rpc::types::TransactionRequest::default()
        .from(from)
        .to(to)
        .input(Bytes::from(input).into())
        .value(value);
    Step::new(label, request)
}

/// The script `modifyLiquidities` runs: the actions, one byte each, and their parameters.
fn v4_script(actions: &[(u8, Vec<u8>)]) -> Bytes {
    let bytes: Vec<u8> = actions.iter().map(|(a, _)| *a).collect();
    let params: Vec<Bytes> = actions.iter().map(|(_, p)| Bytes::from(p.clone())).collect();
    Bytes::from((Bytes::from(bytes), params).abi_encode_params())
}

/// The spender a venue's deposits are approved to, and whether it goes through Permit2.
fn spender(network: &Network, pool: &Pool) -> Result<(Address, bool), LiquidityError> {
    let p = &network.protocols;
    let missing = |protocol: &'static str| LiquidityError::NotDeployed {
        network: network.name.clone(),
        protocol,
    };
    Ok(match pool.protocol {
        Protocol::UniswapV2 => (p.uniswap_v2_router.ok_or_else(|| missing("Uniswap V2"))?, false),
        Protocol::SushiSwap => (p.sushiswap_v2_router.ok_or_else(|| missing("SushiSwap"))?, false),
        Protocol::UniswapV3 => {
            (p.uniswap_v3_position_manager.ok_or_else(|| missing("Uniswap V3"))?, false)
        }
        Protocol::UniswapV4 => {
            (p.uniswap_v4_position_manager.ok_or_else(|| missing("Uniswap V4"))?, true)
        }
        Protocol::Balancer => (p.balancer_vault.ok_or_else(|| missing("Balancer"))?, false),
    })
}

/// What the chain is asked before planning: allowances, and Balancer's own answers.
struct Reads {
    /// (token, allowance to the spender, allowance to Permit2 when the venue uses it).
    allowances: Vec<(Address, U256, U256)>,
    /// Balancer: the query's shares and amounts.
    balancer: Option<(U256, Vec<U256>)>,
}

/// Plans `request` on `network`: one round trip reads the allowances it needs (and for
/// Balancer, the Vault's own answer to the join or exit).
pub async fn plan(
    client: &ChainClient,
    network: &Network,
    request: &LiquidityRequest,
) -> Result<LiquidityPlan, LiquidityError> {
    match &request.action {
        LiquidityAction::Add { pool, token_index, amount, range } => {
            add::add(client, network, request, pool, *token_index, *amount, *range).await
        }
        LiquidityAction::Remove { position, fraction_bps } => {
            if !(1..=10_000).contains(fraction_bps) {
                return Err(LiquidityError::Invalid(format!(
                    "remove between 0.01% and 100% of a position (not {}%)",
                    f64::from(*fraction_bps) / 100.0
                )));
            }
            remove::remove(client, network, request, position, *fraction_bps).await
        }
        LiquidityAction::Collect { position } => remove::collect(network, request, position),
    }
}

/// The approvals a deposit of `amounts` of `tokens` needs, as steps; tokens paid in the
/// native coin need none.
fn approvals(
    network: &Network,
    account: Address,
    spender: (Address, bool),
    deadline: u64,
    needs: &[(Address, U256)],
    allowances: &[(Address, U256, U256)],
    symbol: &dyn Fn(Address) -> String,
) -> Result<Vec<Step>, LiquidityError> {
    let mut steps = Vec::new();
    for &(token, amount) in needs {
        if token.is_zero() || amount.is_zero() {
            continue;
        }
        let (_, direct, to_permit2) = allowances
            .iter()
            .find(|(t, _, _)| *t == token)
            .copied()
            .unwrap_or((token, U256::ZERO, U256::ZERO));
        let (spender, via_permit2) = spender;
        if via_permit2 {
            let permit2 = network.protocols.permit2.ok_or_else(|| LiquidityError::NotDeployed {
                network: network.name.clone(),
                protocol: "Permit2",
            })?;
            if to_permit2 < amount {
                let call = IERC20::approveCall { spender: permit2, amount };
                steps.push(step(
                    format!("Approve {} for Permit2", symbol(token)),
                    account,
                    token,
                    call.abi_encode(),
                    U256::ZERO,
                ));
            }
            if direct < amount {
                let call = IPermit2::approveCall {
                    token,
                    spender,
                    amount: U160::saturating_from(amount),
                    expiration: U48::saturating_from(deadline),
                };
                steps.push(step(
                    format!("Allow the position manager {} through Permit2", symbol(token)),
                    account,
                    permit2,
                    call.abi_encode(),
                    U256::ZERO,
                ));
            }
        } else if direct < amount {
            let call = IERC20::approveCall { spender, amount };
            steps.push(step(
                format!("Approve {}", symbol(token)),
                account,
                token,
                call.abi_encode(),
                U256::ZERO,
            ));
        }
    }
    Ok(steps)
}

/// Reads the allowances of `tokens` from `account` to `spender` (and to Permit2), and runs a
/// Balancer query when given, in one round trip.
async fn read_allowances(
    client: &ChainClient,
    network: &Network,
    account: Address,
    spender: (Address, bool),
    tokens: &[Address],
    balancer_query: Option<(Address, Vec<u8>, bool)>,
) -> Result<Reads, LiquidityError> {
    let mut batch = Batch::default();
    let permit2 = network.protocols.permit2.unwrap_or_default();
    let at: Vec<(Address, usize, Option<usize>)> = tokens
        .iter()
        .filter(|t| !t.is_zero())
        .map(|&token| {
            if spender.1 {
                let direct = batch.push(
                    permit2,
                    &IPermit2::allowanceCall { user: account, token, spender: spender.0 },
                );
                let to_permit2 =
                    batch.push(token, &IERC20::allowanceCall { owner: account, spender: permit2 });
                (token, direct, Some(to_permit2))
            } else {
                (
                    token,
                    batch
                        .push(token, &IERC20::allowanceCall { owner: account, spender: spender.0 }),
                    None,
                )
            }
        })
        .collect();
    let query_at = balancer_query.as_ref().map(|(to, data, _)| {
        batch.calls.push((*to, Bytes::from(data.clone())));
        batch.calls.len() - 1
    });
    let answers = batch.send(client, network.protocols.multicall3, BlockId::latest()).await?;
    let allowances = at
        .into_iter()
        .map(|(token, direct, to_permit2)| {
            let direct = if spender.1 {
                answers
                    .get::<IPermit2::allowanceCall>(direct)
                    .map(|a| U256::from(a.amount))
                    .unwrap_or_default()
            } else {
                answers.get::<IERC20::allowanceCall>(direct).unwrap_or_default()
            };
            let to_permit2 = to_permit2
                .and_then(|i| answers.get::<IERC20::allowanceCall>(i))
                .unwrap_or_default();
            (token, direct, to_permit2)
        })
        .collect();
    let balancer = match (query_at, balancer_query) {
        (Some(i), Some((_, _, join))) => Some(if join {
            let r = answers.get::<IBalancerPoolQueries::queryJoinCall>(i).ok_or_else(|| {
                LiquidityError::Invalid(
                    "Balancer refused the join: the pool may be paused or the amounts too small"
                        .into(),
                )
            })?;
            (r.bptOut, r.amountsIn)
        } else {
            let r = answers.get::<IBalancerPoolQueries::queryExitCall>(i).ok_or_else(|| {
                LiquidityError::Invalid("Balancer refused the exit: the pool may be paused".into())
            })?;
            (r.bptIn, r.amountsOut)
        }),
        _ => None,
    };
    Ok(Reads { allowances, balancer })
}

fn short(a: Address) -> String {
    let s = a.to_checksum(None);
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}

/// A token's symbol on `network`, or its short address.
fn symbol_on(network: &Network) -> impl Fn(Address) -> String + '_ {
    move |t: Address| {
        if t.is_zero() {
            network.native_symbol.clone()
        } else if t == network.protocols.weth && network.token("WETH").is_none() {
            "WETH".into()
        } else {
            network
                .tokens
                .iter()
                .find(|k| k.address == t)
                .map(|k| k.symbol.clone())
                .unwrap_or_else(|| short(t))
        }
    }
}

/// Balancer's assets for a pool, in the Vault's order: the pool's own share token where it is
/// registered, and the native coin in place of WETH when paying in it.
fn balancer_assets(network: &Network, pool: &Pool, native: bool) -> Vec<Address> {
    let PoolRef::Balancer { pool: bpt, bpt_index, .. } = &pool.reference else { return Vec::new() };
    let mut assets: Vec<Address> = pool
        .tokens
        .iter()
        .map(|&t| if native && t == network.protocols.weth { Address::ZERO } else { t })
        .collect();
    if let Some(i) = bpt_index {
        assets.insert((*i).min(assets.len()), *bpt);
    }
    assets
}

/// Plans, simulates and reviews `request` like every plan: the account's balance changes, the
/// approvals, the fee and the findings (the plan's own, then those every plan gets). Pool
/// share tokens are named by their pool.
pub async fn preview_liquidity(
    client: &ChainClient,
    network: &Network,
    request: &LiquidityRequest,
) -> Result<(LiquidityPlan, PlanReview), PreviewError> {
    let planned = plan(client, network, request).await.map_err(|e| match e {
        LiquidityError::Client(c) => PreviewError::from(c),
        other => PreviewError::Invalid(other.to_string()),
    })?;
    let share_token = match &request.action {
        LiquidityAction::Add { pool, .. } => share_token(pool),
        LiquidityAction::Remove { position, .. } | LiquidityAction::Collect { position } => {
            share_token(&position.pool)
        }
    };
    let label = |asset: AssetId| match (asset, share_token) {
        (AssetId::Token(t), Some((token, name))) if t == token => (name.to_owned(), 18, Some(t)),
        (AssetId::Token(t), _)
            if t == network.protocols.weth && network.token("WETH").is_none() =>
        {
            ("WETH".into(), 18, Some(t))
        }
        _ => preview::listed_label(network, asset),
    };
    let review = preview::review_call(
        client,
        network,
        planned.plan.clone(),
        planned.findings.clone(),
        &label,
    )
    .await?;
    Ok((planned, review))
}

/// A pool whose shares are a token: the token and its name.
fn share_token(pool: &Pool) -> Option<(Address, &'static str)> {
    match &pool.reference {
        PoolRef::Pair(pair) => {
            Some((*pair, if pool.protocol == Protocol::SushiSwap { "SLP" } else { "UNI-V2" }))
        }
        PoolRef::Balancer { pool, .. } => Some((*pool, "BPT")),
        _ => None,
    }
}
