//! The transactions of lending plans and their review: one action's approval and pool call,
//! and the simulation, findings and signing terms every lending plan gets (a single action's
//! or a protect plan's).

use alloy::{
    primitives::{Address, U256},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};

use super::{
    AccountState, LendAction, LendError,
    math::{SECONDS_PER_YEAR, ray_mul},
    whole,
};
use crate::{
    ChainClient, Network,
    abi::{IAavePool, IERC20},
    preview::{self, Finding, PlanReview, Severity},
    simulate::{AssetId, Plan, Step},
};

/// Aave's variable interest rate mode.
const VARIABLE_RATE: u64 = 2;

fn step(label: String, to: Address, input: Vec<u8>) -> Step {
    Step::new(label, TransactionRequest::default().to(to).input(input.into()))
}

/// Simulates a lending plan (a single action or several, such as a protect plan) and reviews
/// it: reverts explained, `findings` (the caller's circuit breaker) after a revert finding,
/// the checks every plan gets, and whether Vigil's health factor is the pool's.
pub(super) async fn review_plan(
    client: &ChainClient,
    network: &Network,
    state: &AccountState,
    plan: Plan,
    circuit: Vec<Finding>,
    acted_on: &[Address],
) -> Result<PlanReview, LendError> {
    let before = state.account_data();
    // The prices the position will depend on: what it holds and owes, and what the plan moves.
    let mut priced: Vec<Address> = state
        .feeds()
        .iter()
        .map(|f| f.asset)
        .chain(acted_on.iter().copied())
        .filter(|a| state.market.reserve(*a).is_some())
        .collect();
    priced.sort();
    priced.dedup();
    let ((mut simulation, mut sources), chain, deviations) = tokio::try_join!(
        async { preview::simulate_witnessed(client, &plan).await.map_err(LendError::from) },
        async {
            crate::submit::account_and_market(client, plan.from).await.map_err(LendError::from)
        },
        // Read beside the simulation: no round trip of its own. A failed quote only loses the
        // comparison, never the preview.
        async {
            Ok::<_, LendError>(
                super::dex_deviations(client, network, &state.market, &priced)
                    .await
                    .unwrap_or_else(|_| vec![None; priced.len()]),
            )
        },
    )?;
    for s in &mut simulation.steps {
        if let Some(reason) = &s.revert_reason {
            s.revert_reason = Some(super::explain_revert(reason));
        }
    }

    let mut findings = Vec::new();
    if let Some(reason) = simulation.revert_reason() {
        findings.push(Finding {
            severity: Severity::Danger,
            code: "simulation_reverts",
            message: format!(
                "The transaction would fail ({reason}); nothing would change and the fee is lost."
            ),
        });
    }
    findings.extend(circuit);
    findings.extend(feed_findings(state, &priced, &deviations));
    // What the user reads. aTokens and debt tokens move by the amount plus the interest since
    // the account's last action; they are shown as supplied and owed instead.
    let hidden: Vec<Address> = state
        .market
        .reserves
        .iter()
        .flat_map(|r| [r.a_token, r.variable_debt_token, r.stable_debt_token])
        .collect();
    let label = |asset: AssetId| match asset {
        AssetId::Token(t) => match state.market.reserve(t) {
            Some(r) => (r.symbol.clone(), r.config.decimals, Some(t)),
            None => preview::listed_label(network, asset),
        },
        AssetId::Native => preview::listed_label(network, asset),
    };
    // Burns of aTokens and debt tokens are not funds leaving to a stranger.
    let visible = preview::without_tokens(&simulation, &hidden);
    findings.extend(preview::assess_plan(client, network, &plan, &visible, &[]).await?);
    if before != state.chain {
        // Read at one block, the two must agree to the unit; if not, the market has rules the
        // projection does not model, and the circuit breaker cannot be trusted.
        findings.push(Finding {
            severity: Severity::Danger,
            code: "health_factor_unverified",
            message: format!(
                "Vigil's health factor ({}) differs from the pool's own ({}): this market has rules Vigil does not model (such as eMode on Aave V3.2 and later), so the figures after this action may be wrong.",
                super::position::describe(before.health_factor),
                super::position::describe(state.chain.health_factor),
            ),
        });
    }
    let native_usd = state.market.reserve(network.protocols.weth).map(|r| r.price_usd);
    let terms = preview::terms_for(client, network, &plan, &simulation, chain)?;
    sources.market = Some(chain.1);
    let review =
        PlanReview::new(plan, simulation, findings, &label, &hidden, terms, native_usd, sources);
    Ok(review)
}

/// A stale feed, or an oracle price far from what a DEX pays, for any asset the position
/// depends on after the plan.
fn feed_findings(
    state: &AccountState,
    priced: &[Address],
    deviations: &[Option<f64>],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (&asset, deviation) in priced.iter().zip(deviations) {
        let Some(r) = state.market.reserve(asset) else { continue };
        let feed = r.feed_status(state.market.block_timestamp);
        if feed.stale {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "stale_price_feed",
                message: format!(
                    "Aave prices {} with a feed that {} (it posts at least every {}): the \
                     health factor shown, and the one the pool acts on, may not be today's.",
                    r.symbol,
                    feed.describe_age(),
                    super::duration(feed.heartbeat_secs)
                ),
            });
        }
        if let Some(d) = deviation.filter(|d| d.abs() > super::DEX_DEVIATION_THRESHOLD) {
            let dex = r.price_usd * (1.0 + d);
            findings.push(Finding {
                severity: Severity::Warning,
                code: "oracle_dex_deviation",
                message: format!(
                    "Aave's price for {} (${:.2}) is {:.1}% {} what a DEX pays (${dex:.2}): the \
                     oracle may lag the market or be manipulated, and the health factor can jump \
                     when the two meet.",
                    r.symbol,
                    r.price_usd,
                    d.abs() * 100.0,
                    if d > 0.0 { "below" } else { "above" },
                ),
            });
        }
    }
    findings
}

/// What [`action_steps`] needs to know of one action.
pub(super) struct ActionAmounts {
    /// The action.
    pub action: LendAction,
    /// Its amount as of now.
    pub amount: U256,
    /// What the pool call is given (`U256::MAX` for "all of it").
    pub call_amount: U256,
    /// Whether it is "all of it".
    pub max: bool,
    /// The account's allowance of the asset to the pool.
    pub allowance: U256,
    /// The account's wallet balance of the asset.
    pub wallet: U256,
    /// The account's variable debt in the asset.
    pub debt: U256,
}

/// The transactions of one lending action on reserve `r`: an approval when the allowance is
/// short, then the pool call.
pub(super) fn action_steps(
    pool: Address,
    r: &super::Reserve,
    account: Address,
    a: ActionAmounts,
) -> Vec<Step> {
    let ActionAmounts { action, amount, call_amount, max, allowance, wallet, debt } = a;
    let (sym, dec) = (&r.symbol, r.config.decimals);
    let approve = |amount: U256| {
        step(
            format!("Approve {} {sym} to the Aave pool", whole(amount, dec)),
            r.asset,
            IERC20::approveCall { spender: pool, amount }.abi_encode(),
        )
    };
    let mut steps = Vec::new();
    match action {
        LendAction::Supply => {
            if allowance < amount {
                steps.push(approve(amount));
            }
            steps.push(step(
                format!("Supply {} {sym} to Aave", whole(amount, dec)),
                pool,
                IAavePool::supplyCall {
                    asset: r.asset,
                    amount,
                    onBehalfOf: account,
                    referralCode: 0,
                }
                .abi_encode(),
            ));
        }
        LendAction::Withdraw => steps.push(step(
            format!(
                "Withdraw {}{} {sym} from Aave",
                if max { "all, " } else { "" },
                whole(amount, dec)
            ),
            pool,
            IAavePool::withdrawCall { asset: r.asset, amount: call_amount, to: account }
                .abi_encode(),
        )),
        LendAction::Borrow => steps.push(step(
            format!("Borrow {} {sym} from Aave at the variable rate", whole(amount, dec)),
            pool,
            IAavePool::borrowCall {
                asset: r.asset,
                amount,
                interestRateMode: U256::from(VARIABLE_RATE),
                referralCode: 0,
                onBehalfOf: account,
            }
            .abi_encode(),
        )),
        LendAction::Repay => {
            // Repaying everything takes the debt as of the block it is mined in: allow an
            // hour of interest on top, so the approval still covers it then.
            let allowance_needed = if max {
                let hourly = ray_mul(debt, r.variable_borrow_rate) * U256::from(3600)
                    / U256::from(SECONDS_PER_YEAR);
                (debt + hourly + U256::from(1)).min(wallet.max(debt))
            } else {
                amount
            };
            if allowance < allowance_needed {
                steps.push(approve(allowance_needed));
            }
            steps.push(step(
                format!(
                    "Repay {}{} {sym} to Aave",
                    if max { "all, " } else { "" },
                    whole(amount, dec)
                ),
                pool,
                IAavePool::repayCall {
                    asset: r.asset,
                    amount: call_amount,
                    interestRateMode: U256::from(VARIABLE_RATE),
                    onBehalfOf: account,
                }
                .abi_encode(),
            ));
        }
        LendAction::Collateral { enable } => steps.push(step(
            format!("{} {sym} as collateral on Aave", if enable { "Use" } else { "Stop using" }),
            pool,
            IAavePool::setUserUseReserveAsCollateralCall {
                asset: r.asset,
                useAsCollateral: enable,
            }
            .abi_encode(),
        )),
    }
    steps
}
