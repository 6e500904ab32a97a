//! One action back to safety: a plan that brings a position's health factor to a target by
//! the cheapest path available. Repaying from the wallet's balance of a debt asset comes
//! first (it also stops interest), then adding collateral from the wallet, and last
//! deleveraging: withdraw a safe amount of collateral, swap it to the debt asset along Vigil's
//! best route, repay, and again until the target, with every intermediate step kept at or
//! above [`MIN_STEP_HEALTH_FACTOR`]. The whole plan is simulated as one and reviewed like any
//! other lending plan; each step carries the health factor after it.

use alloy::{
    primitives::{Address, U256},
    sol_types::SolCall,
};
use serde::Serialize;

use super::{
    AccountState, LendAction, LendError, Market,
    action::project,
    fetch_account, health_factor_f64,
    math::to_f64,
    plan::{ActionAmounts, action_steps, review_plan},
    whole,
};
use crate::{
    ChainClient, Network,
    preview::{Finding, PlanReview, Severity},
    simulate::{Plan, Step},
    swap::{self, SwapKind, SwapParams},
};

/// The health factor a protect plan aims at unless the user picks another.
pub const DEFAULT_PROTECT_TARGET: f64 = 1.6;
/// No step of a protect plan may leave the position below this.
pub const MIN_STEP_HEALTH_FACTOR: f64 = 1.05;
/// Withdraw-swap-repay rounds a deleverage may take: near 1.05 each round may only withdraw
/// a little, so reaching 1.6 from there takes a dozen or more.
const MAX_ROUNDS: usize = 30;
/// A Uniswap pool's fee, assumed when sizing a deleverage round (the quote then decides).
const SWAP_FEE: f64 = 0.003;

/// What the user asks of a protect plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProtectRequest {
    /// The account whose position to protect.
    pub account: Address,
    /// The health factor to reach (1.6 by default).
    pub target: f64,
    /// The swaps' slippage tolerance, basis points.
    pub slippage_bps: u32,
}

/// The path a protect plan takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProtectPath {
    /// Repay debt from the wallet.
    Repay {
        /// The debt asset.
        symbol: String,
        /// How much, whole units.
        amount: String,
    },
    /// Supply collateral from the wallet.
    Supply {
        /// The asset.
        symbol: String,
        /// How much, whole units.
        amount: String,
    },
    /// Withdraw collateral, swap it to the debt asset and repay, in rounds.
    Deleverage {
        /// The collateral sold.
        collateral: String,
        /// The debt repaid.
        debt: String,
        /// How many withdraw-swap-repay rounds.
        rounds: usize,
    },
}

/// One transaction of the plan with the health factor after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtectStep {
    /// What it does.
    pub label: String,
    /// The health factor once it is mined (`None`: no debt left).
    pub health_factor_after: Option<f64>,
}

/// A protect plan, previewed.
#[derive(Debug, Clone, Serialize)]
pub struct ProtectPreview {
    /// The network.
    pub network: String,
    /// The account.
    pub account: Address,
    /// The target health factor.
    pub target: f64,
    /// The health factor now.
    pub health_factor_before: Option<f64>,
    /// After the whole plan.
    pub health_factor_after: Option<f64>,
    /// The path chosen.
    pub path: ProtectPath,
    /// Each transaction with the health factor after it, in the plan's order.
    pub steps: Vec<ProtectStep>,
    /// Simulation, changes, fees and findings.
    pub review: PlanReview,
    /// The position after the plan.
    #[serde(skip)]
    pub projected: AccountState,
}

impl ProtectPreview {
    /// Whether a danger finding blocks signing without an explicit override.
    pub fn needs_override(&self) -> bool {
        self.review.needs_override()
    }
}

/// The health factor of `state` as a number (infinite without debt).
fn hf(state: &AccountState) -> f64 {
    health_factor_f64(state.account_data().health_factor).unwrap_or(f64::INFINITY)
}

/// Collateral weighted by its liquidation thresholds, and debt, in USD.
fn sides(state: &AccountState) -> (f64, f64) {
    let d = state.account_data();
    let weighted = state.market.usd(d.total_collateral_base)
        * to_f64(d.liquidation_threshold_bps, 0)
        / 10_000.0;
    (weighted, state.market.usd(d.total_debt_base))
}

/// `v` whole units as base units (rounded down).
fn units(v: f64, decimals: u8) -> U256 {
    let scaled = v * 10f64.powi(i32::from(decimals));
    if scaled.is_finite() && scaled >= 1.0 { U256::from(scaled as u128) } else { U256::ZERO }
}

/// A plan being built: its steps, each with the health factor after it, and the position as
/// it will be.
struct Builder {
    pool: Address,
    account: Address,
    state: AccountState,
    steps: Vec<Step>,
    after: Vec<Option<f64>>,
}

impl Builder {
    /// The health factor of the plan so far.
    fn now(&self) -> Option<f64> {
        health_factor_f64(self.state.account_data().health_factor)
    }

    /// Adds a lending action on reserve `i` (with its approval unless `approved`) and projects
    /// it.
    fn lend(&mut self, i: usize, action: LendAction, amount: U256, max: bool, approved: bool) {
        let (Some(r), Some(u)) = (self.state.market.reserves.get(i), self.state.reserves.get(i))
        else {
            return;
        };
        let debt = self.state.variable_debt(i);
        let call_amount = if max { U256::MAX } else { amount };
        // Approved each time unless the caller approved the total up front: an earlier step
        // may have used the allowance up.
        let allowance = if approved { U256::MAX } else { U256::ZERO };
        let mut steps = action_steps(
            self.pool,
            r,
            self.account,
            ActionAmounts { action, amount, call_amount, max, allowance, wallet: u.wallet, debt },
        );
        let before = self.now();
        self.state = project(&self.state, i, action, amount, max);
        // Approvals change nothing; the pool call changes the health factor.
        let last = steps.pop();
        self.after.extend(steps.iter().map(|_| before));
        self.steps.extend(steps);
        if let Some(last) = last {
            self.steps.push(last);
            self.after.push(self.now());
        }
    }

    /// Adds a step that leaves the health factor as it is.
    fn push(&mut self, step: Step) {
        self.after.push(self.now());
        self.steps.push(step);
    }
}

/// Previews the plan that brings `req.account`'s position to `req.target`: the path, every
/// step with the health factor after it, simulated as one plan. Nothing is signed.
pub async fn preview_protect(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    req: &ProtectRequest,
) -> Result<ProtectPreview, LendError> {
    let target = req.target;
    if !(1.1..=10.0).contains(&target) {
        return Err(LendError::InvalidTarget(target));
    }
    let state = fetch_account(client, network, market, req.account).await?;
    let before = hf(&state);
    if before >= target {
        return Err(LendError::AlreadySafe { health_factor: before, target });
    }
    let mut b = Builder {
        pool: market.pool,
        account: req.account,
        state: state.clone(),
        steps: Vec::new(),
        after: Vec::new(),
    };
    let path = match from_wallet(&state, target) {
        Some((i, action, amount)) => {
            let r = &state.market.reserves[i];
            let max = action == LendAction::Repay && amount >= state.variable_debt(i);
            b.lend(i, action, amount, max, false);
            let (symbol, amount) = (r.symbol.clone(), whole(amount, r.config.decimals));
            if action == LendAction::Repay {
                ProtectPath::Repay { symbol, amount }
            } else {
                ProtectPath::Supply { symbol, amount }
            }
        }
        None => deleverage(client, network, req, &mut b).await?,
    };

    // A step that lowers the health factor (a withdrawal) must not take it below the minimum;
    // approvals of a position that starts lower change nothing.
    let mut lowest = f64::INFINITY;
    let mut previous = before;
    for h in b.after.iter().map(|h| h.unwrap_or(f64::INFINITY)) {
        if h < previous {
            lowest = lowest.min(h);
        }
        previous = h;
    }
    let mut circuit = Vec::new();
    if lowest < MIN_STEP_HEALTH_FACTOR {
        circuit.push(Finding {
            severity: Severity::Danger,
            code: "protect_step_below_minimum",
            message: format!(
                "A step of this plan leaves the health factor at {lowest:.3}, below {MIN_STEP_HEALTH_FACTOR}."
            ),
        });
    }
    let labels: Vec<String> = b.steps.iter().map(|s| s.label.clone()).collect();
    let plan = Plan { from: req.account, steps: b.steps };
    let review = review_plan(client, network, &state, plan, circuit, &[]).await?;
    Ok(ProtectPreview {
        network: network.name.clone(),
        account: req.account,
        target,
        health_factor_before: health_factor_f64(state.account_data().health_factor),
        health_factor_after: health_factor_f64(b.state.account_data().health_factor),
        path,
        steps: labels
            .into_iter()
            .zip(b.after)
            .map(|(label, health_factor_after)| ProtectStep { label, health_factor_after })
            .collect(),
        review,
        projected: b.state,
    })
}

/// A single action from the wallet that reaches `target`: a repay of a debt asset held in the
/// wallet, else a supply of a collateral asset held there. `None` when the wallet holds too
/// little of either.
fn from_wallet(state: &AccountState, target: f64) -> Option<(usize, LendAction, U256)> {
    let (weighted, debt) = sides(state);
    // A thousandth more than the arithmetic asks: interest accrues until the block.
    let margin = 1.001;
    let repay = state.iter().find_map(|(i, r, u)| {
        let owed = state.variable_debt(i);
        if owed.is_zero() || u.wallet.is_zero() || r.config.paused || r.price_usd <= 0.0 {
            return None;
        }
        let usd = (debt - weighted / target) * margin;
        let amount = units(usd / r.price_usd, r.config.decimals).min(owed);
        let enough = amount <= u.wallet
            && hf(&project(state, i, LendAction::Repay, amount, amount >= owed)) >= target;
        enough.then_some((i, LendAction::Repay, amount))
    });
    repay.or_else(|| {
        state.iter().find_map(|(i, r, u)| {
            let usable = r.can_be_collateral()
                && r.config.ltv_bps != 0
                && r.config.active
                && !r.config.frozen
                && !r.config.paused;
            if !usable || u.wallet.is_zero() || r.price_usd <= 0.0 {
                return None;
            }
            let lt = f64::from(state.liquidation_threshold_bps(r)) / 10_000.0;
            let usd = (target * debt - weighted) * margin / lt;
            let amount = units(usd / r.price_usd, r.config.decimals);
            let enough = !amount.is_zero()
                && amount <= u.wallet
                && hf(&project(state, i, LendAction::Supply, amount, false)) >= target;
            enough.then_some((i, LendAction::Supply, amount))
        })
    })
}

/// Withdraw, swap and repay rounds from the largest collateral into the largest debt until
/// the target, each withdrawal small enough to keep the position at or above
/// [`MIN_STEP_HEALTH_FACTOR`].
async fn deleverage(
    client: &ChainClient,
    network: &Network,
    req: &ProtectRequest,
    b: &mut Builder,
) -> Result<ProtectPath, LendError> {
    let target = req.target;
    let cannot = |reason: &str| LendError::CannotProtect { target, reason: reason.to_owned() };
    let largest = |pick: &dyn Fn(usize) -> U256| {
        let s = &b.state;
        s.iter()
            .filter(|(i, r, _)| !pick(*i).is_zero() && !r.config.paused)
            .max_by(|(i, r, _), (j, q, _)| {
                let value =
                    |k: usize, x: &super::Reserve| to_f64(pick(k), x.config.decimals) * x.price_usd;
                value(*i, r).total_cmp(&value(*j, q))
            })
            .map(|(i, _, _)| i)
    };
    let d = largest(&|i| b.state.variable_debt(i))
        .ok_or_else(|| cannot("the position has no variable-rate debt to repay"))?;
    let c = largest(&|i| {
        let collateral = b.state.reserves.get(i).is_some_and(|u| u.collateral) && i != d;
        if collateral { b.state.supplied(i) } else { U256::ZERO }
    })
    .ok_or_else(|| {
        cannot("it has no collateral besides the debt asset to sell; supply collateral or repay from another account")
    })?;
    let (collateral, debt) =
        (b.state.market.reserves[c].clone(), b.state.market.reserves[d].clone());
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.as_secs() + 20 * 60)
        .unwrap_or(u64::MAX);
    let kept = 1.0 - f64::from(req.slippage_bps) / 10_000.0 - SWAP_FEE;
    let start_hf = b.now();
    let (mut to_routers, mut to_pool): (Vec<(Address, U256)>, U256) = (Vec::new(), U256::ZERO);
    // Rounds through the Universal Router each sign a Permit2 allowance, with nonces from the
    // account's current one for (the collateral, the router).
    let mut permit2_nonce = match (network.protocols.permit2, network.protocols.universal_router) {
        (Some(permit2), Some(router)) => {
            let call = crate::abi::IPermit2::allowanceCall {
                user: b.account,
                token: collateral.asset,
                spender: router,
            };
            crate::multicall::aggregate(
                client,
                network.protocols.multicall3,
                vec![(permit2, call.abi_encode().into())],
            )
            .await?
            .first()
            .and_then(|a| a.as_ref())
            .and_then(|d| crate::abi::IPermit2::allowanceCall::abi_decode_returns(d).ok())
            .map_or(0, |a| a.nonce.to::<u64>())
        }
        _ => 0,
    };
    let (mut sold, mut received_before, mut venue) = (U256::ZERO, U256::ZERO, None);
    let mut rounds = 0;
    while hf(&b.state) < target {
        if rounds == MAX_ROUNDS {
            return Err(cannot(&format!(
                "{MAX_ROUNDS} rounds of selling {} did not reach it; repay from the wallet or add collateral",
                collateral.symbol
            )));
        }
        let (weighted, owed) = sides(&b.state);
        let lt = f64::from(b.state.liquidation_threshold_bps(&collateral)) / 10_000.0;
        // Sized so that selling it and repaying reaches the target: T (D - x k) = W - x lt,
        // aiming 1% above it, as the swap's real rate is only known within that.
        let aim = target * 1.01;
        let to_target = if aim * kept > lt {
            (aim * owed - weighted) / (aim * kept - lt)
        } else {
            f64::INFINITY
        };
        // And small enough that the withdrawal alone keeps the minimum.
        let safe = (weighted - MIN_STEP_HEALTH_FACTOR * owed) / lt * 0.995;
        if safe <= 0.0 {
            return Err(cannot(&format!(
                "at a health factor of {:.3}, withdrawing any collateral to sell would risk liquidation; repay {} from the wallet or add collateral",
                hf(&b.state),
                debt.symbol
            )));
        }
        let supplied_usd =
            to_f64(b.state.supplied(c), collateral.config.decimals) * collateral.price_usd;
        let usd = to_target.min(safe).min(supplied_usd);
        let amount = units(usd / collateral.price_usd, collateral.config.decimals);
        if amount.is_zero() {
            return Err(cannot(&format!("no {} left to sell", collateral.symbol)));
        }
        b.lend(c, LendAction::Withdraw, amount, false, true);
        // Each round's swap trades after the earlier ones have moved the pool: quoted as the
        // difference between selling everything so far and everything before it, on the
        // venue the first round chose (a pool's output is the same sold at once or in parts).
        sold += amount;
        let routes =
            swap::route(client, network, collateral.asset, debt.asset, sold, SwapKind::ExactIn)
                .await?;
        let whole_quote = match &venue {
            None => routes.best(),
            Some(v) => routes.quotes.iter().find(|q| &q.venue == v),
        }
        .ok_or(swap::SwapError::NoRoute)?
        .clone();
        venue = Some(whole_quote.venue.clone());
        let quote = swap::Quote {
            amount_in: amount,
            amount_out: whole_quote.amount_out.saturating_sub(received_before),
            ..whole_quote.clone()
        };
        received_before = whole_quote.amount_out;
        let quote = &quote;
        let (_, min_out) = swap::limits(quote, SwapKind::ExactIn, req.slippage_bps);
        let params = SwapParams {
            account: b.account,
            slippage_bps: req.slippage_bps,
            deadline,
            unlimited_approval: false,
            // Approved up front, for every round at once.
            current_allowance: U256::MAX,
            native_in: false,
            native_out: false,
            permit2_nonce,
        };
        let mut steps = swap::plan(network, quote, SwapKind::ExactIn, &params)
            .map(|p| p.steps)
            .ok_or_else(|| cannot("the swap route cannot be built"))?;
        let swap_step = steps.pop().ok_or_else(|| cannot("the swap route cannot be built"))?;
        // A Universal Router swap is paid through Permit2 by the allowance signed before it.
        let permit = steps.pop().filter(|s| s.permit.is_some());
        let spender = match &permit {
            Some(step) => step.permit.as_ref().map(|g| g.permit2).unwrap_or_default(),
            None => swap_step.request.to.and_then(|t| t.to().copied()).unwrap_or_default(),
        };
        match to_routers.iter_mut().find(|(r, _)| *r == spender) {
            Some((_, total)) => *total += amount,
            None => to_routers.push((spender, amount)),
        }
        if let Some(step) = permit {
            b.push(step);
            permit2_nonce += 1;
        }
        b.push(swap_step);
        // The swap moves wallet balances only: at least `min_out` arrives.
        if let Some(u) = b.state.reserves.get_mut(c) {
            u.wallet = u.wallet.saturating_sub(amount);
        }
        if let Some(u) = b.state.reserves.get_mut(d) {
            u.wallet += min_out;
        }
        to_pool += min_out;
        let owed_units = b.state.variable_debt(d);
        if min_out >= owed_units {
            b.lend(d, LendAction::Repay, owed_units, true, true);
        } else {
            b.lend(d, LendAction::Repay, min_out, false, true);
        }
        rounds += 1;
    }
    // The approvals, first: the collateral to each router for all its swaps, the debt asset
    // to the pool for all the repayments.
    let approve = |token: &super::Reserve, spender: Address, to: &str, amount: U256| {
        Step::new(
            format!("Approve {} {} to {to}", whole(amount, token.config.decimals), token.symbol),
            alloy::rpc::types::TransactionRequest::default().to(token.asset).input(
                alloy::primitives::Bytes::from(
                    crate::abi::IERC20::approveCall { spender, amount }.abi_encode(),
                )
                .into(),
            ),
        )
    };
    let mut approvals: Vec<Step> = to_routers
        .iter()
        .map(|(spender, total)| {
            let to = if Some(*spender) == network.protocols.permit2 {
                "Permit2"
            } else {
                "the swap router"
            };
            approve(&collateral, *spender, to, *total)
        })
        .collect();
    approvals.push(approve(&debt, b.pool, "the Aave pool", to_pool));
    b.after.splice(0..0, approvals.iter().map(|_| start_hf));
    b.steps.splice(0..0, approvals);
    Ok(ProtectPath::Deleverage { collateral: collateral.symbol, debt: debt.symbol, rounds })
}
