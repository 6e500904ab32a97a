//! A second opinion. Where a network has two or more endpoints, the facts a signature depends
//! on are asked of another endpoint too, in parallel with the first: the plan's simulation
//! (each step's outcome, the account's balance changes, so the quote's minimum), whether the
//! contracts it calls have code, and the chain's base fee. A disagreement is a danger finding:
//! one of the two nodes is wrong, and the preview cannot say which.

use alloy::primitives::{Address, I256, U256};

use crate::{
    ChainClient, ClientError,
    preview::{Finding, Severity},
    simulate::{self, AssetId, Plan, Simulation},
    submit::{self, FeeMarket},
};

/// What the second endpoint said.
#[derive(Debug, Clone)]
pub struct SecondOpinion {
    /// The endpoint, API key hidden.
    pub endpoint: String,
    /// Its simulation of the plan.
    pub simulation: Simulation,
    /// Its fee market.
    pub market: FeeMarket,
    /// The contracts the plan calls with data that have no code there.
    pub without_code: Vec<Address>,
}

/// Asks another endpoint of `client`'s for its view of `plan`; `None` when the network has a
/// single endpoint.
pub async fn ask(client: &ChainClient, plan: &Plan) -> Option<Result<SecondOpinion, ClientError>> {
    let witness = client.witness()?;
    let called: Vec<Address> = plan
        .steps
        .iter()
        .filter(|s| s.request.input.input().is_some_and(|i| !i.is_empty()))
        .filter_map(|s| s.request.to.and_then(|t| t.to().copied()))
        .collect();
    let codes = async {
        let mut without_code = Vec::new();
        for to in called {
            let code = witness.request(|p| async move { p.get_code_at(to).await }).await?;
            if code.is_empty() {
                without_code.push(to);
            }
        }
        Ok::<_, ClientError>(without_code)
    };
    use alloy::providers::Provider as _;
    let answer =
        tokio::try_join!(simulate::simulate(&witness, plan), submit::fee_market(&witness), codes)
            .map(|(simulation, market, without_code)| SecondOpinion {
                endpoint: witness.active_endpoint(),
                simulation,
                market,
                without_code,
            });
    Some(answer)
}

/// How far apart two readings of one balance change may be before they disagree: the two
/// endpoints may be a block apart, and pools move between blocks.
const CHANGE_TOLERANCE_BPS: u64 = 100;

/// The danger findings of `second` against what the first endpoint, `primary_endpoint`, said
/// (`simulation`, and `market` when the preview read one). Could not ask: a warning that the
/// preview rests on one node.
pub fn disagreements(
    plan: &Plan,
    primary_endpoint: &str,
    simulation: &Simulation,
    market: Option<&FeeMarket>,
    second: &Result<SecondOpinion, ClientError>,
) -> Vec<Finding> {
    let danger = |message: String| Finding {
        severity: Severity::Danger,
        code: "endpoints_disagree",
        message,
    };
    let second = match second {
        Ok(s) => s,
        Err(e) => {
            return vec![Finding {
                severity: Severity::Warning,
                code: "single_endpoint",
                message: format!(
                    "The second RPC endpoint could not check this preview ({e}): it rests on {primary_endpoint} alone."
                ),
            }];
        }
    };
    let other = &second.endpoint;
    let mut findings = Vec::new();
    for to in &second.without_code {
        findings.push(danger(format!(
            "{other} says {to} has no contract code, while {primary_endpoint} simulated calls to it: one of them is wrong. Do not sign until they agree."
        )));
    }
    let outcomes = |s: &Simulation| s.steps.iter().map(|o| o.success).collect::<Vec<_>>();
    if outcomes(simulation) != outcomes(&second.simulation) {
        findings.push(danger(format!(
            "{primary_endpoint} and {other} disagree on whether the transactions succeed: one of them is wrong."
        )));
    }
    let assets = simulation
        .changes
        .iter()
        .chain(&second.simulation.changes)
        .filter(|c| c.account == plan.from)
        .map(|c| c.asset);
    let mut seen: Vec<AssetId> = Vec::new();
    for asset in assets {
        if seen.contains(&asset) {
            continue;
        }
        seen.push(asset);
        let (a, b) =
            (simulation.change(plan.from, asset), second.simulation.change(plan.from, asset));
        if !close(a, b) {
            let what = match asset {
                AssetId::Native => "the native coin".to_owned(),
                AssetId::Token(t) => format!("token {t}"),
            };
            findings.push(danger(format!(
                "{primary_endpoint} and {other} disagree on what this does to your balance of {what} ({a} against {b} base units): one of them is wrong."
            )));
        }
    }
    if let Some(market) = market {
        let (a, b) = (market.base_fee.max(1), second.market.base_fee.max(1));
        if a / b >= 2 || b / a >= 2 {
            findings.push(danger(format!(
                "{primary_endpoint} says the base fee is {} gwei, {other} says {} gwei: one of them is wrong about what this costs.",
                submit::gwei(market.base_fee),
                submit::gwei(second.market.base_fee)
            )));
        }
    }
    findings
}

/// Whether two signed amounts are within [`CHANGE_TOLERANCE_BPS`] of the larger.
fn close(a: I256, b: I256) -> bool {
    if a.is_negative() != b.is_negative() && !(a.is_zero() || b.is_zero()) {
        return false;
    }
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    let (big, diff) = (a.max(b), a.max(b) - a.min(b));
    diff.saturating_mul(U256::from(10_000)) <= big.saturating_mul(U256::from(CHANGE_TOLERANCE_BPS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_within_one_percent_agree() {
        let i = |v: i64| I256::try_from(v).unwrap_or_default();
        assert!(close(i(-1000), i(-1000)));
        assert!(close(i(2000), i(1985)), "a block's move");
        assert!(!close(i(2000), i(1500)));
        assert!(!close(i(100), i(-100)), "opposite signs");
        assert!(!close(i(100), i(0)));
        assert!(close(i(0), i(0)));
    }
}
