//! Lending actions as previewed plans: validate against the position, project the health
//! factor with the pool's formula, build the transactions, simulate them, assess the risk.

use alloy::primitives::{Address, U256};
use serde::Serialize;

use super::{
    AccountState, DANGER_HEALTH_FACTOR, LendError, Market, WARNING_HEALTH_FACTOR, fetch_account,
    health_factor_f64,
    math::{ray_div, to_f64},
    plan::{ActionAmounts, action_steps, review_plan},
    whole,
};
use crate::{
    ChainClient, Network,
    preview::{Finding, PlanReview, Severity},
    simulate::Plan,
};

/// A lending action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LendAction {
    /// Supply the asset (approving the pool first if needed).
    Supply,
    /// Withdraw supplied asset.
    Withdraw,
    /// Borrow at the variable rate.
    Borrow,
    /// Repay variable-rate debt (approving the pool first if needed).
    Repay,
    /// Use, or stop using, the supplied asset as collateral.
    Collateral {
        /// Use it (`true`) or stop (`false`).
        enable: bool,
    },
}

impl LendAction {
    fn verb(self) -> &'static str {
        match self {
            Self::Supply => "supply",
            Self::Withdraw => "withdraw",
            Self::Borrow => "borrow",
            Self::Repay => "repay",
            Self::Collateral { enable: true } => "enable as collateral",
            Self::Collateral { enable: false } => "disable as collateral",
        }
    }
}

/// How much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LendAmount {
    /// This many base units.
    Exact(U256),
    /// Supply: the wallet's balance. Withdraw: everything supplied. Borrow: everything the
    /// collateral allows (less 0.1% for interest until it is mined). Repay: the whole debt with
    /// the interest accrued until the transaction is mined.
    Max,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LendRequest {
    /// The account.
    pub account: Address,
    /// The reserve's underlying token.
    pub asset: Address,
    /// The action.
    pub action: LendAction,
    /// The amount (ignored for collateral switches).
    pub amount: LendAmount,
}

/// A collateral's liquidation price before and after the action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiquidationPriceChange {
    /// The asset whose move liquidates.
    pub symbol: String,
    /// Whether its fall (collateral) or its rise (debt) liquidates.
    pub on: super::PriceMove,
    /// Its current oracle price, USD.
    pub price_usd: f64,
    /// Its liquidation price before, USD.
    pub before: Option<f64>,
    /// And after.
    pub after: Option<f64>,
}

/// A lending action, fully previewed.
#[derive(Debug, Clone, Serialize)]
pub struct LendPreview {
    /// The network.
    pub network: String,
    /// The account.
    pub account: Address,
    /// The action.
    pub action: LendAction,
    /// The asset's symbol.
    pub symbol: String,
    /// The asset.
    pub asset: Address,
    /// The amount, whole units (for `max`, the amount as of now).
    pub amount: String,
    /// The amount in base units.
    #[serde(serialize_with = "super::decimal")]
    pub amount_raw: U256,
    /// The health factor before (`None`: no debt).
    pub health_factor_before: Option<f64>,
    /// The health factor after, projected with the pool's formula.
    pub health_factor_after: Option<f64>,
    /// The projected health factor, wad.
    #[serde(serialize_with = "super::decimal")]
    pub health_factor_after_wad: U256,
    /// Supplied before → after, whole units.
    pub supplied: (String, String),
    /// Owed before → after, whole units.
    pub debt: (String, String),
    /// What may be borrowed after, USD.
    pub available_borrows_after_usd: f64,
    /// Each collateral's liquidation price before → after.
    pub liquidation_prices: Vec<LiquidationPriceChange>,
    /// The fall of the whole collateral basket that liquidates, after.
    pub distance_to_liquidation_after: Option<f64>,
    /// What the plan does, costs and risks (aTokens and debt tokens are shown as supplied and
    /// owed, not as wallet changes).
    #[serde(flatten)]
    pub review: PlanReview,
    /// The position after the action, projected.
    #[serde(skip)]
    pub projected: AccountState,
}

impl LendPreview {
    /// Whether a danger finding blocks signing without an explicit override.
    pub fn needs_override(&self) -> bool {
        self.review.needs_override()
    }
}

/// Applies the action to the stored balances as the pool would (same index arithmetic), for
/// the health factor after.
pub(super) fn project(
    state: &AccountState,
    i: usize,
    action: LendAction,
    amount: U256,
    max: bool,
) -> AccountState {
    let mut next = state.clone();
    let (Some(r), Some(u)) = (state.market.reserves.get(i), next.reserves.get_mut(i)) else {
        return next;
    };
    match action {
        LendAction::Supply => {
            let first = u.scaled_supply.is_zero();
            u.scaled_supply += ray_div(amount, r.normalized_income);
            u.wallet = u.wallet.saturating_sub(amount);
            // Aave's validateUseAsCollateral: a first supply becomes collateral when the
            // asset has an LTV and the account is not confined to an isolated asset.
            // An isolated asset (with a debt ceiling) is never enabled automatically.
            if first && r.config.ltv_bps != 0 && r.config.debt_ceiling == 0 && !u.collateral {
                let collaterals: Vec<usize> = state
                    .iter()
                    .filter(|(_, _, s)| s.collateral && !s.scaled_supply.is_zero())
                    .map(|(j, _, _)| j)
                    .collect();
                let isolated = collaterals.len() == 1
                    && state.market.reserves[collaterals[0]].config.debt_ceiling != 0;
                u.collateral = collaterals.is_empty() || !isolated;
            }
        }
        LendAction::Withdraw => {
            if max {
                u.scaled_supply = U256::ZERO;
            } else {
                u.scaled_supply =
                    u.scaled_supply.saturating_sub(ray_div(amount, r.normalized_income));
            }
            u.wallet += amount;
            if u.scaled_supply.is_zero() {
                u.collateral = false;
            }
        }
        LendAction::Borrow => {
            u.scaled_variable_debt += ray_div(amount, r.normalized_debt);
            u.borrowing = true;
            u.wallet += amount;
        }
        LendAction::Repay => {
            // A variable-rate repay leaves any stable-rate debt as it is.
            if max {
                u.scaled_variable_debt = U256::ZERO;
            } else {
                u.scaled_variable_debt =
                    u.scaled_variable_debt.saturating_sub(ray_div(amount, r.normalized_debt));
            }
            u.wallet = u.wallet.saturating_sub(amount);
            if u.scaled_variable_debt.is_zero() && u.stable_debt.is_zero() {
                u.borrowing = false;
            }
        }
        LendAction::Collateral { enable } => u.collateral = enable,
    }
    next
}

/// What would be safe instead of an action the circuit breaker refuses or flags.
fn safe_hint(state: &AccountState, i: usize, action: LendAction) -> String {
    let Some(r) = state.market.reserves.get(i) else { return String::new() };
    let data = state.account_data();
    let weighted = state.market.usd(data.total_collateral_base)
        * to_f64(data.liquidation_threshold_bps, 0)
        / 10_000.0;
    let debt = state.market.usd(data.total_debt_base);
    let headroom_debt = (weighted / DANGER_HEALTH_FACTOR - debt).max(0.0);
    // Rounded down, so the amount shown is on the safe side.
    let fmt = |v: f64| {
        let scale = if r.price_usd > 100.0 { 1e4 } else { 1e2 };
        let s = format!("{:.4}", (v * scale).floor() / scale);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    match action {
        LendAction::Borrow => format!(
            "Borrowing at most {} {} keeps it at {DANGER_HEALTH_FACTOR:.2} or above.",
            fmt(headroom_debt / r.price_usd),
            r.symbol
        ),
        LendAction::Withdraw => {
            let lt = f64::from(state.liquidation_threshold_bps(r)) / 10_000.0;
            let spare = (weighted - debt * DANGER_HEALTH_FACTOR).max(0.0) / lt / r.price_usd;
            format!(
                "Withdrawing at most {} {} keeps it at {DANGER_HEALTH_FACTOR:.2} or above; repay debt first to withdraw more.",
                fmt(spare.min(to_f64(state.supplied(i), r.config.decimals))),
                r.symbol
            )
        }
        LendAction::Collateral { enable: false } => {
            "Repay debt or supply other collateral first.".into()
        }
        _ => String::new(),
    }
}

/// Previews a lending action: reads the account's position in one round trip, validates the request, projects the health factor, simulates the plan in one
/// more request and assesses the risk. Nothing is signed.
pub async fn preview(
    client: &ChainClient,
    network: &Network,
    market: &Market,
    req: &LendRequest,
) -> Result<LendPreview, LendError> {
    let state = fetch_account(client, network, market, req.account).await?;
    let i = state.index(req.asset).ok_or_else(|| LendError::UnknownAsset {
        asset: req.asset.to_string(),
        network: network.name.clone(),
        listed: market.symbols(),
    })?;
    let r = &state.market.reserves[i];
    let u = &state.reserves[i];
    let sym = r.symbol.clone();
    let dec = r.config.decimals;
    let action = req.action;
    let verb = action.verb();
    let unavailable = |state_name| LendError::ReserveUnavailable {
        symbol: sym.clone(),
        state: state_name,
        action: verb,
    };
    if !r.config.active {
        return Err(unavailable("inactive"));
    }
    if r.config.paused {
        return Err(unavailable("paused"));
    }
    if r.config.frozen && matches!(action, LendAction::Supply | LendAction::Borrow) {
        return Err(unavailable("frozen"));
    }
    let supplied = state.supplied(i);
    // Repaying at the variable rate pays variable-rate debt only.
    let debt = state.variable_debt(i);
    let max = req.amount == LendAmount::Max;
    let before = state.account_data();
    // The amount as of now, and what the pool call is given (`U256::MAX` for "all of it").
    let (amount, call_amount) = match (action, req.amount) {
        (LendAction::Collateral { .. }, _) => (U256::ZERO, U256::ZERO),
        (_, LendAmount::Exact(a)) if a.is_zero() => return Err(LendError::ZeroAmount),
        (_, LendAmount::Exact(a)) => (a, a),
        (LendAction::Supply, LendAmount::Max) => (u.wallet, u.wallet),
        (LendAction::Withdraw, LendAmount::Max) => (supplied, U256::MAX),
        (LendAction::Repay, LendAmount::Max) => (debt, U256::MAX),
        (LendAction::Borrow, LendAmount::Max) => {
            let base = before.available_borrows_base * U256::from(999) / U256::from(1000);
            let a = base * r.unit() / state.price(r).max(U256::from(1));
            (a, a)
        }
    };
    let need = |need: U256, have: U256| LendError::InsufficientBalance {
        symbol: sym.clone(),
        action: verb,
        need: whole(need, dec),
        have: whole(have, dec),
    };
    match action {
        LendAction::Supply if amount.is_zero() => return Err(need(U256::from(1), u.wallet)),
        LendAction::Supply if amount > u.wallet => return Err(need(amount, u.wallet)),
        LendAction::Withdraw | LendAction::Collateral { .. } if supplied.is_zero() => {
            return Err(LendError::NothingSupplied(sym));
        }
        LendAction::Withdraw if amount > supplied => {
            return Err(LendError::WithdrawTooMuch { symbol: sym, supplied: whole(supplied, dec) });
        }
        LendAction::Borrow if !r.config.borrowing_enabled => {
            return Err(LendError::BorrowingDisabled(sym));
        }
        LendAction::Borrow if before.total_collateral_base.is_zero() => {
            return Err(LendError::NoCollateral);
        }
        LendAction::Borrow if amount.is_zero() => return Err(LendError::NothingToBorrow(sym)),
        LendAction::Repay if debt.is_zero() => return Err(LendError::NoDebt(sym)),
        LendAction::Repay if amount > debt => {
            return Err(LendError::RepayTooMuch { symbol: sym, owed: whole(debt, dec) });
        }
        LendAction::Repay if amount > u.wallet => return Err(need(amount, u.wallet)),
        LendAction::Collateral { enable: true }
            if !r.can_be_collateral() || r.config.ltv_bps == 0 =>
        {
            return Err(LendError::CannotBeCollateral(sym));
        }
        LendAction::Collateral { enable } if u.collateral == enable => {
            return Err(LendError::CollateralUnchanged {
                symbol: sym,
                state: if enable { "enabled" } else { "disabled" },
            });
        }
        _ => {}
    }
    let projected = project(&state, i, action, amount, max);
    let after = projected.account_data();
    let hf_before = health_factor_f64(before.health_factor);
    let hf_after = health_factor_f64(after.health_factor);
    let lowers = after.health_factor < before.health_factor;
    let described = match action {
        LendAction::Collateral { enable } => {
            format!("{} {sym} as collateral", if enable { "enabling" } else { "disabling" })
        }
        _ => format!("{verb} {} {sym}", whole(amount, dec)),
    };
    if lowers && hf_after.is_some_and(|h| h < 1.0) {
        return Err(LendError::WouldBeLiquidatable {
            action: described,
            health_factor: hf_after.unwrap_or_default(),
            hint: safe_hint(&state, i, action),
        });
    }

    // The plan.
    let steps = action_steps(
        market.pool,
        r,
        req.account,
        ActionAmounts {
            action,
            amount,
            call_amount,
            max,
            allowance: u.allowance,
            wallet: u.wallet,
            debt,
        },
    );
    let plan = Plan { from: req.account, steps };
    // The circuit breaker's findings, then what every lending plan gets.
    let mut findings = Vec::new();
    if lowers && let Some(h) = hf_after {
        let fall = projected.distance_to_liquidation().map(|d| d * 100.0).unwrap_or(0.0);
        if h < DANGER_HEALTH_FACTOR {
            findings.push(Finding {
                severity: Severity::Danger,
                code: "health_factor_danger",
                message: format!(
                    "Health factor {h:.3} after this, below {DANGER_HEALTH_FACTOR:.2}: a {fall:.1}% move against it (collateral down, debt up) lets anyone liquidate this position at a discount. {}",
                    safe_hint(&state, i, action)
                ),
            });
        } else if h < WARNING_HEALTH_FACTOR {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "health_factor_low",
                message: format!(
                    "Health factor {h:.3} after this: a {fall:.1}% move against it (collateral down, debt up) reaches liquidation."
                ),
            });
        }
    }

    let review = review_plan(client, network, &state, plan, findings, &[req.asset]).await?;
    let liquidation_prices = state
        .iter()
        .filter(|(j, _, _)| {
            state.liquidation_price(*j).is_some() || projected.liquidation_price(*j).is_some()
        })
        .map(|(j, r, _)| {
            let (before, after) = (state.liquidation_price(j), projected.liquidation_price(j));
            LiquidationPriceChange {
                symbol: r.symbol.clone(),
                on: after.or(before).map_or(super::PriceMove::Fall, |l| l.on),
                price_usd: r.price_usd,
                before: before.map(|l| l.usd),
                after: after.map(|l| l.usd),
            }
        })
        .collect();
    Ok(LendPreview {
        network: network.name.clone(),
        account: req.account,
        action,
        symbol: sym,
        asset: r.asset,
        amount: whole(amount, dec),
        amount_raw: amount,
        health_factor_before: hf_before,
        health_factor_after: hf_after,
        health_factor_after_wad: after.health_factor,
        supplied: (whole(supplied, dec), whole(projected.supplied(i), dec)),
        debt: (whole(state.debt(i), dec), whole(projected.debt(i), dec)),
        available_borrows_after_usd: state.market.usd(after.available_borrows_base),
        liquidation_prices,
        distance_to_liquidation_after: projected.distance_to_liquidation(),
        review,
        projected,
    })
}
