//! Previews: what an action will do, what it costs, and what could go wrong, before signing.
//!
//! What every preview shares is here (the review, its findings, signing terms, the second
//! opinion); swaps and wraps are in `swaps`, one-transaction plans (transfers, replacements)
//! in `transfer`.

mod swaps;
mod transfer;

pub use swaps::*;
pub use transfer::*;

use alloy::{
    primitives::{Address, Bytes, I256, U256, utils::format_units},
    providers::Provider,
    sol_types::SolCall,
};
use serde::Serialize;

use crate::{
    ChainClient, Network,
    abi::IERC20,
    simulate::{self, AssetId, Plan, Simulation, StepOutcome},
    swap::{self, Quote, SwapError, SwapKind, SwapParams},
};

/// How serious a finding is. A danger blocks signing unless the user explicitly overrides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Read before signing.
    Warning,
    /// Needs an explicit override to sign.
    Danger,
}

/// One risk finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// A stable identifier (`price_impact`, `simulation_reverts`, …).
    pub code: &'static str,
    /// What it means for the user.
    pub message: String,
}

impl Finding {
    /// A finding of this severity, code and message.
    pub fn new(severity: Severity, code: &'static str, message: String) -> Self {
        Self { severity, code, message }
    }
}

/// What a swap preview's risk checks look at.
#[derive(Debug, Clone)]
pub struct SwapRisk<'a> {
    /// The simulation of the whole plan.
    pub simulation: &'a Simulation,
    /// The chosen quote.
    pub quote: &'a Quote,
    /// Slippage tolerance, bps.
    pub slippage_bps: u32,
    /// Whether the approval is unlimited.
    pub unlimited_approval: bool,
    /// The quote's price of the input token divided by the oracle's, minus one, in bps.
    pub oracle_deviation_bps: Option<i64>,
}

/// The risk findings of a swap, most serious first.
pub fn assess_swap(r: &SwapRisk<'_>) -> Vec<Finding> {
    use Severity::*;
    let mut out = Vec::new();
    if let Some(reason) = r.simulation.revert_reason() {
        out.push(Finding::new(
            Danger,
            "simulation_reverts",
            format!("The transaction would fail ({reason}); nothing would be swapped and the fee is lost."),
        ));
    }
    if let Some(bps) = r.quote.price_impact_bps {
        let pct = f64::from(bps) / 100.0;
        if bps > 500 {
            out.push(Finding::new(Danger, "price_impact", format!("Price impact {pct:.2}%: this trade moves the pool's price a lot; split it or trade a smaller amount.")));
        } else if bps > 100 {
            out.push(Finding::new(
                Warning,
                "price_impact",
                format!(
                    "Price impact {pct:.2}%: you get a noticeably worse rate than the market price."
                ),
            ));
        }
    }
    if r.slippage_bps > 200 {
        out.push(Finding::new(Warning, "high_slippage", format!("Slippage tolerance {:.2}%: bots can sandwich the trade and take up to that much; 0.5% is usual.", f64::from(r.slippage_bps) / 100.0)));
    }
    if let Some(dev) = r.oracle_deviation_bps {
        let pct = dev.unsigned_abs() as f64 / 100.0;
        if dev.unsigned_abs() > 1000 {
            out.push(Finding::new(Danger, "oracle_deviation", format!("The quoted price is {pct:.1}% away from the lending market's oracle price: the pool may be manipulated or stale.")));
        } else if dev.unsigned_abs() > 200 {
            out.push(Finding::new(
                Warning,
                "oracle_deviation",
                format!(
                    "The quoted price is {pct:.1}% away from the lending market's oracle price."
                ),
            ));
        }
    }
    if r.unlimited_approval {
        out.push(Finding::new(Warning, "unlimited_approval", "Unlimited approval: the router can spend all of this token, now and later, until you revoke it.".into()));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// What to swap.
#[derive(Debug, Clone)]
pub struct SwapRequest {
    /// The account that pays and receives.
    pub account: Address,
    /// The token sold.
    pub token_in: Address,
    /// The token bought.
    pub token_out: Address,
    /// The fixed side's amount in base units.
    pub amount: U256,
    /// Which side is fixed.
    pub kind: SwapKind,
    /// Slippage tolerance, bps.
    pub slippage_bps: u32,
    /// Seconds from now until the swap expires.
    pub deadline_secs: u64,
    /// Approve an unlimited amount.
    pub unlimited_approval: bool,
    /// Pay in the native coin (`token_in` is then the wrapped native token).
    pub native_in: bool,
    /// Receive the native coin (`token_out` is then the wrapped native token).
    pub native_out: bool,
}

/// An amount change as the user reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The symbol.
    pub symbol: String,
    /// The token; `None` for the native coin.
    pub token: Option<Address>,
    /// Signed amount in whole units ("-1000", "+998.31").
    pub amount: String,
    /// Signed amount in base units.
    pub raw: String,
}

/// A swap, fully previewed.
#[derive(Debug, Clone, Serialize)]
pub struct SwapPreview {
    /// The network.
    pub network: String,
    /// The account.
    pub account: Address,
    /// Exact-in or exact-out.
    pub kind: SwapKind,
    /// The chosen route, described.
    pub route: String,
    /// The runner-up, described, with its output (or input).
    pub runner_up: Option<String>,
    /// The chosen quote.
    pub quote: Quote,
    /// The most that may be spent (slippage included), whole units.
    pub max_in: String,
    /// The least that must arrive, whole units.
    pub min_out: String,
    /// What the plan does, costs and risks.
    #[serde(flatten)]
    pub review: PlanReview,
}

/// What every plan's preview shows, whatever the action: the wallet's changes, approvals, each
/// step's outcome, the fee and the findings, with the plan and simulation that signing uses.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReview {
    /// Balance changes of the account.
    pub changes: Vec<Change>,
    /// Approvals granted: (token symbol, spender, amount or "unlimited").
    pub approvals: Vec<(String, Address, String)>,
    /// Each step's simulated outcome.
    pub steps: Vec<StepOutcome>,
    /// Gas of all steps.
    pub gas: u64,
    /// The network fee in the native coin, whole units.
    pub fee_native: String,
    /// The network fee in USD, when an oracle prices the native coin.
    pub fee_usd: Option<f64>,
    /// The most the network fee can be (every step using all its gas at the fee cap), in the
    /// native coin, whole units: what the user agrees to at most.
    pub max_fee_native: String,
    /// That maximum in USD, when an oracle prices the native coin.
    pub max_fee_usd: Option<f64>,
    /// The nonce, fees and gas limits the plan is signed with: fixed here, so what is signed
    /// is what was shown.
    pub terms: crate::submit::SigningTerms,
    /// The endpoint that simulated it, API key hidden.
    pub endpoint: String,
    /// The second endpoint that checked it, when the network has one and it answered.
    pub witness: Option<String>,
    /// Risk findings, most serious first.
    pub findings: Vec<Finding>,
    /// The unsigned transactions, in order.
    #[serde(skip)]
    pub plan: Plan,
    /// The simulation the preview shows (what signing is checked against).
    #[serde(skip)]
    pub simulation: Simulation,
}

impl PlanReview {
    /// Whether a danger finding blocks signing without an explicit override.
    pub fn needs_override(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Danger)
    }

    /// The hash a hardware wallet signs for each step that calls a contract (what a Ledger
    /// shows when it blind-signs): the terms are fixed, so the transaction, and its hash, are
    /// known before it is sent to the device; for a Permit2 allowance signed as EIP-712, its
    /// domain and message hashes. The transaction that carries that signature is known only
    /// once it is signed, so it has none here. (step label, hash)
    pub fn blind_signing_hashes(&self) -> Vec<(String, alloy::primitives::B256)> {
        use alloy::consensus::SignableTransaction as _;
        let steps = &self.plan.steps;
        let mut out = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            // A Permit2 allowance is signed as EIP-712, which a Ledger shows as two hashes.
            if let Some(grant) = &s.permit {
                if let Ok(data) = grant.typed_data(self.terms.chain_id) {
                    out.push((format!("{} (domain hash)", s.label), data.domain.separator()));
                    if let Ok(message) = data.hash_struct() {
                        out.push((format!("{} (message hash)", s.label), message));
                    }
                }
                continue;
            }
            // A step that carries a permit signed at confirm is not known until then.
            let after_permit = i > 0 && steps[i - 1].permit.is_some();
            if after_permit || s.request.input.input().is_none_or(|i| i.is_empty()) {
                continue;
            }
            if let Some(tx) = self.terms.transaction_in(steps, i, &s.request) {
                out.push((s.label.clone(), tx.signature_hash()));
            }
        }
        out
    }

    /// The review of a simulated plan: the account's changes (leaving out the tokens in
    /// `hidden`, which the action shows its own way), approvals, the fee expected and at most
    /// under `terms`, and the `findings`, sorted most serious first.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        plan: Plan,
        simulation: Simulation,
        mut findings: Vec<Finding>,
        label: &dyn Fn(AssetId) -> AssetLabel,
        hidden: &[Address],
        terms: crate::submit::SigningTerms,
        native_usd: Option<f64>,
        sources: Sources,
    ) -> Self {
        let market = sources.market.as_ref();
        if let Some(second) = &sources.second {
            findings.extend(crate::witness::disagreements(
                &plan,
                &sources.endpoint,
                &simulation,
                market,
                second,
            ));
        }
        let witness = sources.second.and_then(|s| s.ok()).map(|s| s.endpoint);
        let changes = account_changes(&without_tokens(&simulation, hidden), plan.from, label);
        let approvals = approvals_granted(&simulation, label);
        let expected = U256::from(simulation.gas_used) * U256::from(terms.fees.expected_per_gas());
        let (fee_native, fee_usd) = network_fee(expected, native_usd);
        let (max_fee_native, max_fee_usd) = network_fee(terms.max_cost(), native_usd);
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        findings.dedup();
        Self {
            changes,
            approvals,
            steps: simulation.steps.clone(),
            gas: simulation.gas_used,
            fee_native,
            fee_usd,
            max_fee_native,
            max_fee_usd,
            terms,
            endpoint: sources.endpoint,
            witness,
            findings,
            plan,
            simulation,
        }
    }
}

/// Where a preview's facts came from: the endpoint that simulated it, and what a second
/// endpoint said when the network has one.
#[derive(Debug)]
pub(crate) struct Sources {
    /// The endpoint that simulated it.
    pub(crate) endpoint: String,
    /// The second endpoint's opinion.
    pub(crate) second: Option<Result<crate::witness::SecondOpinion, crate::ClientError>>,
    /// The fee market the preview read, to compare the base fee with.
    pub(crate) market: Option<crate::submit::FeeMarket>,
}

/// Simulates `plan` and, in parallel, asks a second endpoint for its opinion.
pub(crate) async fn simulate_witnessed(
    client: &ChainClient,
    plan: &Plan,
) -> Result<(Simulation, Sources), crate::ClientError> {
    let (simulation, second) =
        tokio::join!(simulate::simulate(client, plan), crate::witness::ask(client, plan));
    let simulation = simulation?;
    Ok((simulation, Sources { endpoint: client.active_endpoint(), second, market: None }))
}

impl SwapPreview {
    /// Whether a danger finding blocks signing without an explicit override.
    pub fn needs_override(&self) -> bool {
        self.review.needs_override()
    }
}

/// Errors before anything is signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// Routing failed.
    #[error(transparent)]
    Swap(#[from] SwapError),
    /// The account cannot pay.
    #[error("insufficient {symbol}: the swap may spend {need} but the account holds {have}")]
    InsufficientBalance {
        /// The token.
        symbol: String,
        /// Needed, whole units.
        need: String,
        /// Held, whole units.
        have: String,
    },
    /// A token address has no contract code: probably a wallet address typed by mistake.
    #[error("{0} has no contract code: it is not a token (is it a wallet address?)")]
    NotAContract(Address),
    /// The chain could not be read.
    #[error(transparent)]
    Client(#[from] crate::ClientError),
    /// The plan cannot be given signing terms (fees above the ceiling, implausible gas).
    #[error(transparent)]
    Terms(#[from] crate::submit::TermsError),
    /// The action cannot be planned as asked; the message says what to change.
    #[error("{0}")]
    Invalid(String),
}

/// An amount in whole units, trailing zeros trimmed ("1000", "0.5").
pub(crate) fn whole(v: U256, decimals: u8) -> String {
    let s = format_units(v, decimals).unwrap_or_default();
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

fn signed_whole(v: I256, decimals: u8) -> String {
    let sign = if v.is_negative() { "-" } else { "+" };
    format!("{sign}{}", whole(v.unsigned_abs(), decimals))
}

/// How a simulated asset is shown: symbol, decimals, and the token (`None` for the native coin).
pub type AssetLabel = (String, u8, Option<Address>);

/// The label of `asset` from the network's own list; an unlisted token shows its address.
pub fn listed_label(network: &Network, asset: AssetId) -> AssetLabel {
    match asset {
        AssetId::Native => (network.native_symbol.clone(), 18, None),
        AssetId::Token(t) => network
            .tokens
            .iter()
            .find(|k| k.address == t)
            .map(|k| (k.symbol.clone(), k.decimals, Some(t)))
            .unwrap_or((t.to_string(), 18, Some(t))),
    }
}

/// The simulation with the balance changes of the tokens in `hidden` left out.
pub(crate) fn without_tokens(simulation: &Simulation, hidden: &[Address]) -> Simulation {
    let mut visible = simulation.clone();
    visible.changes.retain(|c| !matches!(c.asset, AssetId::Token(t) if hidden.contains(&t)));
    visible
}

/// The account's net balance changes in a simulation, as the user reads them.
pub(crate) fn account_changes(
    simulation: &Simulation,
    account: Address,
    label: &dyn Fn(AssetId) -> AssetLabel,
) -> Vec<Change> {
    simulation
        .changes
        .iter()
        .filter(|c| c.account == account)
        .map(|c| {
            let (symbol, decimals, token) = label(c.asset);
            Change {
                symbol,
                token,
                amount: signed_whole(c.delta, decimals),
                raw: c.delta.to_string(),
            }
        })
        .collect()
}

/// The approvals a simulation grants: (token symbol, spender, amount or "unlimited").
pub(crate) fn approvals_granted(
    simulation: &Simulation,
    label: &dyn Fn(AssetId) -> AssetLabel,
) -> Vec<(String, Address, String)> {
    simulation
        .approvals
        .iter()
        .map(|a| {
            let (symbol, decimals, _) = label(AssetId::Token(a.token));
            let amount =
                if a.amount == U256::MAX { "unlimited".into() } else { whole(a.amount, decimals) };
            (symbol, a.spender, amount)
        })
        .collect()
}

/// A network fee of `fee_wei`: in the native coin, and in USD when the native coin's USD
/// price is known.
pub(crate) fn network_fee(fee_wei: U256, native_usd: Option<f64>) -> (String, Option<f64>) {
    let usd = native_usd.map(|usd| fee_wei.to_string().parse::<f64>().unwrap_or(0.0) / 1e18 * usd);
    (whole(fee_wei, 18), usd)
}

/// The terms `plan` is signed on, once simulated, from the account's `nonce` and the fee
/// `market` read alongside: its steps and the simulation's outcomes must pair one for one, or
/// nothing about it can be trusted.
pub(crate) fn terms_for(
    client: &ChainClient,
    network: &Network,
    plan: &Plan,
    simulation: &Simulation,
    (nonce, market): (u64, crate::submit::FeeMarket),
) -> Result<crate::submit::SigningTerms, crate::submit::TermsError> {
    if plan.steps.len() != simulation.steps.len() {
        return Err(crate::ClientError::Implausible(format!(
            "the simulation has {} results for the plan's {} transactions",
            simulation.steps.len(),
            plan.steps.len()
        ))
        .into());
    }
    let gas: Vec<(String, u64)> =
        simulation.steps.iter().map(|s| (s.label.clone(), s.gas_used)).collect();
    crate::submit::signing_terms(network, client.chain_id(), nonce, market, &gas)
}

/// Contracts the network configuration vouches for: its protocols and listed tokens.
fn known_contracts(network: &Network) -> Vec<Address> {
    let mut known: Vec<Address> =
        network.protocols.contracts().into_iter().map(|(a, _)| a).collect();
    known.extend(network.tokens.iter().map(|t| t.address));
    known
}

/// Risk checks of any plan, beyond what a swap's quote shows: calls and approvals to
/// addresses with no code, tokens sent to the token contract itself, funds going to someone
/// other than the account, and contracts the account has not used before (`used_before`,
/// from the wallet's history). Code is read only for addresses the network does not vouch for.
pub async fn assess_plan(
    client: &ChainClient,
    network: &Network,
    plan: &Plan,
    simulation: &Simulation,
    used_before: &[Address],
) -> Result<Vec<Finding>, crate::ClientError> {
    use Severity::*;
    let vouched = known_contracts(network);
    // Whatever emitted an event during the simulation is a contract: no need to ask the node.
    let mut known = vouched.clone();
    known.extend(simulation.contracts.iter().copied());
    let account = plan.from;
    let calls: Vec<Address> = plan
        .steps
        .iter()
        .filter(|s| s.request.input.input().is_some_and(|i| !i.is_empty()))
        .filter_map(|s| s.request.to.and_then(|t| t.to().copied()))
        .collect();
    let spenders: Vec<Address> =
        simulation.approvals.iter().filter(|a| !a.amount.is_zero()).map(|a| a.spender).collect();
    let receivers: Vec<Address> = simulation
        .changes
        .iter()
        .filter(|c| c.account != account && c.delta.is_positive())
        .map(|c| c.account)
        .collect();
    let mut to_check: Vec<Address> = calls
        .iter()
        .chain(&spenders)
        .chain(&receivers)
        .copied()
        .filter(|a| !known.contains(a))
        .collect();
    to_check.sort();
    to_check.dedup();
    let mut has_code = std::collections::HashMap::new();
    for a in to_check {
        let code = client.request(|p| async move { p.get_code_at(a).await }).await?;
        has_code.insert(a, !code.is_empty());
    }
    let is_contract = |a: &Address| known.contains(a) || has_code.get(a).copied().unwrap_or(false);

    let mut out = Vec::new();
    for target in &calls {
        if !is_contract(target) {
            out.push(Finding::new(Danger, "no_code", format!("The plan calls {target}, which has no contract code: a wallet address where a contract is expected.")));
        } else if !vouched.contains(target) && !used_before.contains(target) {
            out.push(Finding::new(
                Info,
                "first_interaction",
                format!("You have not used the contract {target} before."),
            ));
        }
    }
    // An allowance set to zero revokes; it grants nothing to check.
    for a in simulation.approvals.iter().filter(|a| !a.amount.is_zero()) {
        if a.spender == a.token {
            out.push(Finding::new(Danger, "approve_token_itself", format!("The plan approves the token contract {} to spend itself: no legitimate app asks for this.", a.token)));
        } else if !is_contract(&a.spender) {
            out.push(Finding::new(
                Danger,
                "approve_no_code",
                format!(
                    "The plan lets {}, a wallet address rather than a contract, spend your tokens.",
                    a.spender
                ),
            ));
        }
    }
    for c in simulation.changes.iter().filter(|c| c.account != account && c.delta.is_positive()) {
        match c.asset {
            AssetId::Token(token) if c.account == token => out.push(Finding::new(
                Danger,
                "transfer_to_token",
                format!("The plan sends tokens to the token contract {token} itself: they would be lost."),
            )),
            _ if !is_contract(&c.account) => out.push(Finding::new(
                Warning,
                "foreign_recipient",
                format!("Funds go to {}, which is not your account.", c.account),
            )),
            _ => {}
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::swaps::significant;
    use super::*;
    use crate::{simulate::Simulation, swap::Venue};

    fn quote(impact: Option<u32>) -> Quote {
        Quote {
            venue: Venue::UniswapV2 { path: vec![] },
            amount_in: U256::from(1),
            amount_out: U256::from(1),
            gas: 0,
            gas_in_token: None,
            price_impact_bps: impact,
        }
    }

    fn ok_sim() -> Simulation {
        Simulation {
            steps: vec![],
            changes: vec![],
            approvals: vec![],
            gas_used: 0,
            contracts: vec![],
        }
    }

    fn codes(r: &SwapRisk<'_>) -> Vec<(Severity, &'static str)> {
        assess_swap(r).into_iter().map(|f| (f.severity, f.code)).collect()
    }

    #[test]
    fn rates_keep_six_significant_digits() {
        assert_eq!(significant(2002.560707), "2002.56");
        assert_eq!(significant(0.000499361234), "0.000499361");
        assert_eq!(significant(1.5), "1.5");
        assert_eq!(significant(1_234_567.8), "1234568");
        assert_eq!(significant(f64::NAN), "?");
        assert_eq!(significant(0.0), "?");
    }

    #[test]
    fn thresholds_of_each_check() {
        let sim = ok_sim();
        let q = |i| quote(Some(i));
        let base = |q: &'static Quote| SwapRisk {
            simulation: &sim,
            quote: q,
            slippage_bps: 50,
            unlimited_approval: false,
            oracle_deviation_bps: Some(0),
        };
        let (q50, q150, q600) =
            (Box::leak(Box::new(q(50))), Box::leak(Box::new(q(150))), Box::leak(Box::new(q(600))));
        assert!(codes(&base(q50)).is_empty());
        assert_eq!(codes(&base(q150)), [(Severity::Warning, "price_impact")]);
        assert_eq!(codes(&base(q600)), [(Severity::Danger, "price_impact")]);
        assert_eq!(
            codes(&SwapRisk { slippage_bps: 300, ..base(q50) }),
            [(Severity::Warning, "high_slippage")]
        );
        assert_eq!(
            codes(&SwapRisk { oracle_deviation_bps: Some(-300), ..base(q50) }),
            [(Severity::Warning, "oracle_deviation")]
        );
        assert_eq!(
            codes(&SwapRisk { oracle_deviation_bps: Some(1500), ..base(q50) }),
            [(Severity::Danger, "oracle_deviation")]
        );
        assert_eq!(
            codes(&SwapRisk { unlimited_approval: true, ..base(q50) }),
            [(Severity::Warning, "unlimited_approval")]
        );
        // Most serious first.
        let mixed = codes(&SwapRisk { unlimited_approval: true, ..base(q600) });
        assert_eq!(mixed[0], (Severity::Danger, "price_impact"));
    }

    #[test]
    fn a_revert_is_a_danger_with_its_reason() {
        let sim = Simulation {
            steps: vec![StepOutcome {
                label: "Swap".into(),
                success: false,
                gas_used: 0,
                revert_reason: Some("revert: EXPIRED".into()),
            }],
            ..ok_sim()
        };
        let q = quote(None);
        let f = assess_swap(&SwapRisk {
            simulation: &sim,
            quote: &q,
            slippage_bps: 50,
            unlimited_approval: false,
            oracle_deviation_bps: None,
        });
        assert_eq!(f[0].severity, Severity::Danger);
        assert!(f[0].message.contains("revert: EXPIRED"), "{}", f[0].message);
    }
}
