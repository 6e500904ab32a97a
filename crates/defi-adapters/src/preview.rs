//! Previews: what an action will do, what it costs, and what could go wrong, before signing.

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
    fn new(severity: Severity, code: &'static str, message: String) -> Self {
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
    /// known before it is sent to the device. (step label, hash)
    pub fn blind_signing_hashes(&self) -> Vec<(String, alloy::primitives::B256)> {
        use alloy::consensus::SignableTransaction as _;
        self.plan
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.request.input.input().is_some_and(|i| !i.is_empty()))
            .filter_map(|(i, s)| {
                let tx = self.terms.transaction(i, &s.request)?;
                Some((s.label.clone(), tx.signature_hash()))
            })
            .collect()
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
pub(crate) type AssetLabel = (String, u8, Option<Address>);

/// The label of `asset` from the network's own list; an unlisted token shows its address.
pub(crate) fn listed_label(network: &Network, asset: AssetId) -> AssetLabel {
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

/// A swap routed, with what its preview reads in the same Multicall3 batch.
struct RoutedSwap {
    routes: swap::Routes,
    best: Quote,
    /// The sold and bought token's symbol and decimals.
    sold: (String, u8),
    bought: (String, u8),
    /// The account's balance of what it sells.
    balance: U256,
    /// Each router's allowance (Uniswap V2, then V3) over what it sells.
    allowances: [U256; 2],
}

impl RoutedSwap {
    /// A quote described for the user: "Uniswap V3 0.05% (998.31 USDC)".
    fn describe(&self, q: &Quote, kind: SwapKind, weth: Address) -> String {
        let amount = match kind {
            SwapKind::ExactIn => {
                format!("{} {}", whole(q.amount_out, self.bought.1), self.bought.0)
            }
            SwapKind::ExactOut => format!("{} {}", whole(q.amount_in, self.sold.1), self.sold.0),
        };
        format!("{} ({amount})", q.venue.describe(weth))
    }
}

/// Quotes every route for `req` in one Multicall3 batch (and the gas price in parallel), with
/// the balance, allowances and token metadata a preview needs carried in the same batch.
async fn route_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<RoutedSwap, PreviewError> {
    let p = &network.protocols;
    // Tokens the network does not list were typed by the user: make sure they are contracts
    // (one request each, only for such tokens).
    for (token, native) in [(req.token_in, req.native_in), (req.token_out, req.native_out)] {
        if native || token == p.weth || network.tokens.iter().any(|t| t.address == token) {
            continue;
        }
        let code = client.request(|c| async move { c.get_code_at(token).await }).await?;
        if code.is_empty() {
            return Err(PreviewError::NotAContract(token));
        }
    }
    let routers = [p.uniswap_v2_router, p.uniswap_v3_swap_router];
    let mut extra: Vec<(Address, Bytes)> = routers
        .iter()
        .map(|r| {
            let spender = r.unwrap_or_default();
            (
                req.token_in,
                IERC20::allowanceCall { owner: req.account, spender }.abi_encode().into(),
            )
        })
        .collect();
    extra.push(if req.native_in {
        let call = crate::abi::IMulticall3::getEthBalanceCall { addr: req.account };
        (p.multicall3, call.abi_encode().into())
    } else {
        (req.token_in, IERC20::balanceOfCall { owner: req.account }.abi_encode().into())
    });
    for t in [req.token_in, req.token_out] {
        extra.push((t, IERC20::symbolCall {}.abi_encode().into()));
        extra.push((t, IERC20::decimalsCall {}.abi_encode().into()));
    }
    let (routes, extra) =
        swap::route_with(client, network, req.token_in, req.token_out, req.amount, req.kind, extra)
            .await?;
    let decode_u256 = |i: usize| {
        extra
            .get(i)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::balanceOfCall::abi_decode_returns(d).ok())
    };
    let meta = |i: usize, address: Address| {
        let symbol = extra
            .get(i)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::symbolCall::abi_decode_returns(d).ok())
            .unwrap_or_else(|| address.to_string());
        let decimals = extra
            .get(i + 1)
            .and_then(|d| d.as_ref())
            .and_then(|d| IERC20::decimalsCall::abi_decode_returns(d).ok())
            .unwrap_or(18);
        (symbol, decimals)
    };
    let native = || (network.native_symbol.clone(), 18u8);
    let sold = if req.native_in { native() } else { meta(3, req.token_in) };
    let bought = if req.native_out { native() } else { meta(5, req.token_out) };
    // route_with returns an error when no route quoted; this is for the type.
    let best = routes.best().cloned().ok_or(SwapError::NoRoute)?;
    Ok(RoutedSwap {
        best,
        sold,
        bought,
        balance: decode_u256(2).unwrap_or_default(),
        allowances: [decode_u256(0).unwrap_or_default(), decode_u256(1).unwrap_or_default()],
        routes,
    })
}

/// A swap quoted as the user types: the best route and what it gives, without building or
/// simulating a transaction (one Multicall3 batch and the gas price). Amounts are in whole
/// units, without symbols, for the caller to lay out.
#[derive(Debug, Clone, Serialize)]
pub struct SwapQuote {
    /// The chosen route: "Uniswap V3 0.05%".
    pub venue: String,
    /// The runner-up with its amount, as the preview describes it.
    pub runner_up: Option<String>,
    /// The sold token's symbol.
    pub symbol_in: String,
    /// The bought token's symbol.
    pub symbol_out: String,
    /// What is sold.
    pub amount_in: String,
    /// What is bought.
    pub amount_out: String,
    /// Bought per sold, six significant digits (see `significant`).
    pub rate: String,
    /// The least that must arrive (exact-in) at the slippage tolerance.
    pub min_out: String,
    /// The most that may be spent (exact-out) at the slippage tolerance.
    pub max_in: String,
    /// Price impact, bps, when the pool could be probed.
    pub price_impact_bps: Option<u32>,
    /// Set when the account holds less than the swap may spend: "holds 0.5 ETH, needs 1".
    pub shortfall: Option<String>,
}

/// Quotes `req` for the swap form's live quote; [`preview_swap`] is what is signed.
pub async fn quote_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<SwapQuote, PreviewError> {
    let routed = route_swap(client, network, req).await?;
    let best = &routed.best;
    let (max_in, min_out) = swap::limits(best, req.kind, req.slippage_bps);
    let ((sym_in, dec_in), (sym_out, dec_out)) = (&routed.sold, &routed.bought);
    let rate = units_f64(best.amount_out, *dec_out) / units_f64(best.amount_in, *dec_in);
    Ok(SwapQuote {
        venue: best.venue.describe(network.protocols.weth),
        runner_up: routed
            .routes
            .runner_up()
            .map(|q| routed.describe(q, req.kind, network.protocols.weth)),
        symbol_in: sym_in.clone(),
        symbol_out: sym_out.clone(),
        amount_in: whole(best.amount_in, *dec_in),
        amount_out: whole(best.amount_out, *dec_out),
        rate: significant(rate),
        min_out: whole(min_out, *dec_out),
        max_in: whole(max_in, *dec_in),
        price_impact_bps: best.price_impact_bps,
        shortfall: (routed.balance < max_in).then(|| {
            format!(
                "holds {} {sym_in}, needs {}",
                whole(routed.balance, *dec_in),
                whole(max_in, *dec_in)
            )
        }),
    })
}

/// An amount in whole units as a float, for rates and comparisons (never for what is signed).
fn units_f64(v: U256, decimals: u8) -> f64 {
    v.to_string().parse::<f64>().unwrap_or(f64::NAN) / 10f64.powi(i32::from(decimals))
}

/// A rate with six significant digits (a larger whole part is kept whole), without trailing
/// zeros: "2002.56", "0.000499361", "1234568".
fn significant(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return "?".into();
    }
    let decimals = (5 - v.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

/// Routes, plans, simulates and assesses a swap in at most three RPC requests: one Multicall3
/// batch (quotes, probes, oracle prices, allowances, balance, metadata), the gas price (in
/// parallel), and one `eth_simulateV1`.
pub async fn preview_swap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
) -> Result<SwapPreview, PreviewError> {
    let p = &network.protocols;
    let routed = route_swap(client, network, req).await?;
    let best = routed.best.clone();
    let routes = &routed.routes;
    let ((sym_in, dec_in), (sym_out, dec_out)) = (routed.sold.clone(), routed.bought.clone());
    let (max_in, min_out) = swap::limits(&best, req.kind, req.slippage_bps);
    let balance = routed.balance;
    if balance < max_in {
        return Err(PreviewError::InsufficientBalance {
            symbol: sym_in,
            need: whole(max_in, dec_in),
            have: whole(balance, dec_in),
        });
    }
    let router_index = match best.venue {
        swap::Venue::UniswapV2 { .. } => 0,
        swap::Venue::UniswapV3 { .. } => 1,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let params = SwapParams {
        account: req.account,
        slippage_bps: req.slippage_bps,
        deadline: now + req.deadline_secs,
        unlimited_approval: req.unlimited_approval,
        current_allowance: routed.allowances[router_index],
        native_in: req.native_in,
        native_out: req.native_out,
    };
    let plan = swap::plan(network, &best, req.kind, &params)
        .ok_or(SwapError::NoVenues(network.name.clone()))?;
    let ((simulation, mut sources), nonce) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::pending_nonce(client, req.account),
    )?;
    sources.market = Some(routes.market);

    let oracle_deviation_bps = match (routes.oracle_usd.token_in, routes.oracle_usd.token_out) {
        (Some(pin), Some(pout)) => {
            let quoted = units_f64(best.amount_out, dec_out) / units_f64(best.amount_in, dec_in);
            let oracle = pin / pout;
            let dev = (quoted / oracle - 1.0) * 10_000.0;
            dev.is_finite().then_some(dev.round() as i64)
        }
        _ => None,
    };
    let plan_findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    let mut findings = assess_swap(&SwapRisk {
        simulation: &simulation,
        quote: &best,
        slippage_bps: req.slippage_bps,
        unlimited_approval: req.unlimited_approval
            && simulation.approvals.iter().any(|a| a.amount == U256::MAX),
        oracle_deviation_bps,
    });
    findings.extend(plan_findings);
    let symbol_of = |asset: AssetId| match asset {
        AssetId::Token(t) if t == req.token_in && !req.native_in => {
            (sym_in.clone(), dec_in, Some(t))
        }
        AssetId::Token(t) if t == req.token_out && !req.native_out => {
            (sym_out.clone(), dec_out, Some(t))
        }
        other => listed_label(network, other),
    };
    let terms = terms_for(client, network, &plan, &simulation, (nonce, routes.market))?;
    let review = PlanReview::new(
        plan,
        simulation,
        findings,
        &symbol_of,
        &[],
        terms,
        routes.oracle_usd.native,
        sources,
    );
    let describe = |q: &Quote| routed.describe(q, req.kind, p.weth);
    Ok(SwapPreview {
        network: network.name.clone(),
        account: req.account,
        kind: req.kind,
        route: describe(&best),
        runner_up: routes.runner_up().map(describe),
        max_in: format!("{} {sym_in}", whole(max_in, dec_in)),
        min_out: format!("{} {sym_out}", whole(min_out, dec_out)),
        quote: best,
        review,
    })
}

/// Which way a swap between the native coin and its wrapped token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// The native coin into the wrapped token (WETH9 `deposit`).
    Wrap,
    /// The wrapped token into the native coin (WETH9 `withdraw`).
    Unwrap,
}

/// Whether `req` only converts between the native coin and its wrapped token: no pool is
/// needed, the wrapped token's own contract converts 1:1 (routing would call it the same token).
pub fn wrap_of(network: &Network, req: &SwapRequest) -> Option<Wrap> {
    let weth = network.protocols.weth;
    if req.token_in != weth || req.token_out != weth {
        return None;
    }
    match (req.native_in, req.native_out) {
        (true, false) => Some(Wrap::Wrap),
        (false, true) => Some(Wrap::Unwrap),
        _ => None,
    }
}

/// The symbols of a wrap's two sides, sold first: ("ETH", "WETH") or ("WETH", "ETH").
fn wrap_symbols(network: &Network, wrap: Wrap) -> (String, String) {
    let (native, _, _) = listed_label(network, AssetId::Native);
    let (wrapped, _, _) = listed_label(network, AssetId::Token(network.protocols.weth));
    match wrap {
        Wrap::Wrap => (native, wrapped),
        Wrap::Unwrap => (wrapped, native),
    }
}

/// The quote of a wrap: 1:1 through the wrapped token's contract, known without the chain.
pub fn quote_wrap(network: &Network, req: &SwapRequest, wrap: Wrap) -> SwapQuote {
    let (symbol_in, symbol_out) = wrap_symbols(network, wrap);
    let amount = whole(req.amount, 18);
    SwapQuote {
        venue: format!(
            "the {} contract, 1:1",
            listed_label(network, AssetId::Token(network.protocols.weth)).0
        ),
        runner_up: None,
        symbol_in,
        symbol_out,
        amount_in: amount.clone(),
        amount_out: amount.clone(),
        rate: "1".into(),
        min_out: amount.clone(),
        max_in: amount,
        price_impact_bps: Some(0),
        shortfall: None,
    }
}

/// Previews a wrap or unwrap: one call to the wrapped token's contract, simulated (an account
/// that holds too little shows the revert).
pub async fn preview_wrap(
    client: &ChainClient,
    network: &Network,
    req: &SwapRequest,
    wrap: Wrap,
) -> Result<PlanReview, PreviewError> {
    use crate::abi::IWETH9;
    let weth = network.protocols.weth;
    let (sold, bought) = wrap_symbols(network, wrap);
    let label = format!("{wrap:?} {} {sold} into {bought}", whole(req.amount, 18));
    let request = alloy::rpc::types::TransactionRequest::default().to(weth);
    let request = match wrap {
        Wrap::Wrap => {
            request.value(req.amount).input(Bytes::from(IWETH9::depositCall {}.abi_encode()).into())
        }
        Wrap::Unwrap => {
            request.input(Bytes::from(IWETH9::withdrawCall { wad: req.amount }.abi_encode()).into())
        }
    };
    let plan = Plan { from: req.account, steps: vec![simulate::Step { label, request }] };
    let ((simulation, mut sources), chain) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::account_and_market(client, req.account),
    )?;
    sources.market = Some(chain.1);
    let terms = terms_for(client, network, &plan, &simulation, chain)?;
    let findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    let label_of = |asset: AssetId| listed_label(network, asset);
    Ok(PlanReview::new(plan, simulation, findings, &label_of, &[], terms, None, sources))
}

/// A transfer of the native coin or of an ERC-20 token to another address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    /// The sender.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// The token; `None` for the native coin.
    pub token: Option<Address>,
    /// The amount in base units.
    pub amount: U256,
    /// The asset's symbol and decimals, as read from its contract (a token the network does
    /// not list is labelled with these, not guessed).
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
}

/// Simulates and reviews a transfer. Sending to the zero address or to a token's own contract
/// (where tokens are lost) is a danger finding; sending to oneself a warning.
pub async fn preview_transfer(
    client: &ChainClient,
    network: &Network,
    req: &TransferRequest,
) -> Result<PlanReview, PreviewError> {
    let label_of = |asset: AssetId| match asset {
        AssetId::Token(t) if Some(t) == req.token => (req.symbol.clone(), req.decimals, Some(t)),
        other => listed_label(network, other),
    };
    let label = format!("Send {} {} to {}", whole(req.amount, req.decimals), req.symbol, req.to);
    let request = match req.token {
        None => alloy::rpc::types::TransactionRequest::default().to(req.to).value(req.amount),
        Some(token) => alloy::rpc::types::TransactionRequest::default().to(token).input(
            Bytes::from(IERC20::transferCall { to: req.to, amount: req.amount }.abi_encode())
                .into(),
        ),
    };
    let plan = Plan { from: req.from, steps: vec![simulate::Step { label, request }] };
    let ((simulation, mut sources), chain) = tokio::try_join!(
        simulate_witnessed(client, &plan),
        crate::submit::account_and_market(client, req.from),
    )?;
    sources.market = Some(chain.1);
    let terms = terms_for(client, network, &plan, &simulation, chain)?;
    let mut findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    if req.to == Address::ZERO || Some(req.to) == req.token {
        findings.push(Finding::new(
            Severity::Danger,
            "unrecoverable_recipient",
            format!("{} cannot send anything back: whatever is sent there is lost", req.to),
        ));
    }
    if req.to == req.from {
        findings.push(Finding::new(
            Severity::Warning,
            "self_transfer",
            "this sends to the same account: only the network fee changes anything".into(),
        ));
    }
    Ok(PlanReview::new(plan, simulation, findings, &label_of, &[], terms, None, sources))
}

/// Previews replacing a pending transaction: `request` (the same call again to speed it up,
/// or a zero-value transfer to `from` to cancel it) under `nonce`, with `fees` (already raised
/// as far as the network's replacement rule needs) and `gas_limit`, simulated on the latest
/// state. The fees are held to the network's ceiling like any other.
#[allow(clippy::too_many_arguments)]
pub async fn preview_replacement(
    client: &ChainClient,
    network: &Network,
    from: Address,
    label: String,
    request: alloy::rpc::types::TransactionRequest,
    nonce: u64,
    fees: crate::submit::Fees,
    gas_limit: u64,
) -> Result<PlanReview, PreviewError> {
    use crate::submit::{GWEI, SigningTerms, TermsError, gwei};
    let ceiling = u128::from(network.max_fee_gwei).saturating_mul(GWEI);
    if fees.max_fee_per_gas > ceiling {
        return Err(TermsError::AboveCeiling {
            network: network.name.clone(),
            asked: gwei(fees.max_fee_per_gas),
            ceiling: network.max_fee_gwei,
        }
        .into());
    }
    let plan = Plan { from, steps: vec![simulate::Step { label, request }] };
    let (simulation, sources) = simulate_witnessed(client, &plan).await?;
    if simulation.steps.len() != 1 {
        return Err(crate::ClientError::Implausible(format!(
            "the simulation has {} results for 1 transaction",
            simulation.steps.len()
        ))
        .into());
    }
    let mut findings = assess_plan(client, network, &plan, &simulation, &[]).await?;
    if let Some(reason) = simulation.revert_reason() {
        findings.push(Finding::new(
            Severity::Danger,
            "simulation_reverts",
            format!("The replacement would fail ({reason}): its fee would be lost. Cancel the transaction instead."),
        ));
    }
    let terms =
        SigningTerms { chain_id: client.chain_id(), nonce, fees, gas_limits: vec![gas_limit] };
    let label_of = |asset: AssetId| listed_label(network, asset);
    Ok(PlanReview::new(plan, simulation, findings, &label_of, &[], terms, None, sources))
}

/// Contracts the network configuration vouches for: its protocols and listed tokens.
fn known_contracts(network: &Network) -> Vec<Address> {
    let p = &network.protocols;
    let mut known: Vec<Address> = [
        Some(p.weth),
        Some(p.multicall3),
        p.uniswap_v2_router,
        p.uniswap_v2_factory,
        p.uniswap_v3_factory,
        p.uniswap_v3_quoter_v2,
        p.uniswap_v3_swap_router,
        p.aave_v3_addresses_provider,
        p.aave_v3_pool,
        p.aave_v3_oracle,
    ]
    .into_iter()
    .flatten()
    .collect();
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
    let spenders: Vec<Address> = simulation.approvals.iter().map(|a| a.spender).collect();
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
    for a in &simulation.approvals {
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
